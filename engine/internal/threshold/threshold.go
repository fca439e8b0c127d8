// Package threshold parses and checks k6 thresholds: "p(95)<500" on a metric or on a sub-metric
// "name{tag:value}". Every error is an *exitcode.Error with code 104 (invalid config).
package threshold

import (
	"strconv"
	"time"

	"spate.local/engine/internal/metrics"
)

// Input is one threshold as the script's options give it.
type Input struct {
	Expr           string
	AbortOnFail    bool
	DelayAbortEval time.Duration
}

// Aggregation is what a threshold compares: "count", "rate", "value", "avg", "min", "max",
// "med", or "p" with Percentile set (0..100).
type Aggregation struct {
	Name       string
	Percentile float64
}

// String is the aggregation as k6 writes it ("p(95)", "avg").
func (a Aggregation) String() string {
	if a.Name == "p" {
		return "p(" + strconv.FormatFloat(a.Percentile, 'f', -1, 64) + ")"
	}
	return a.Name
}

// Threshold is one parsed expression on one metric or sub-metric.
type Threshold struct {
	Source         string // the expression as written, the key of summaries
	Aggregation    Aggregation
	Operator       string // < <= > >= == === !=
	Value          float64
	AbortOnFail    bool
	DelayAbortEval time.Duration
}

// Holds reports whether the threshold holds for the aggregated value.
func (t *Threshold) Holds(v float64) bool {
	switch t.Operator {
	case "<":
		return v < t.Value
	case "<=":
		return v <= t.Value
	case ">":
		return v > t.Value
	case ">=":
		return v >= t.Value
	case "==", "===":
		return v == t.Value
	case "!=":
		return v != t.Value
	}
	return false
}

// Target is a metric, or a sub-metric selected by tags, with its thresholds.
type Target struct {
	Key        string // "name" or "name{tag:value,...}" as written (trimmed)
	Metric     *metrics.Metric
	Selector   *metrics.TagSet // nil for the whole metric
	Thresholds []*Threshold
}

// Matches reports whether a sample with these tags feeds the target.
func (t *Target) Matches(tags *metrics.TagSet) bool {
	for _, want := range t.Selector.All() {
		if got, ok := tags.Get(want.Key); !ok || got != want.Value {
			return false
		}
	}
	return true
}

// Set is every threshold of a test run, by target, sorted by key.
type Set struct {
	Targets []*Target
}

// Sources returns the expressions per key, as written: for outputs that list them.
func (s *Set) Sources() map[string][]string {
	out := map[string][]string{}
	if s == nil {
		return out
	}
	for _, t := range s.Targets {
		for _, th := range t.Thresholds {
			out[t.Key] = append(out[t.Key], th.Source)
		}
	}
	return out
}
