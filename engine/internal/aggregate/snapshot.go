package aggregate

import (
	"sort"
	"time"

	"spate.local/engine/internal/metrics"
)

// Snapshot is the aggregated state of a run at one moment: what summaries are built from.
type Snapshot struct {
	Duration time.Duration    // from Start to now, or to Stop
	Metrics  []MetricSnapshot // sorted by name; a sub-metric follows its metric
	Root     *Group           // k6's root_group
}

// MetricSnapshot is one metric or sub-metric.
type MetricSnapshot struct {
	Name       string // "name", or "name{tag:value}" for a sub-metric (its threshold key)
	Metric     *metrics.Metric
	Selector   *metrics.TagSet // nil for the metric itself
	Sink       *Sink
	Thresholds []ThresholdResult
}

// ThresholdResult is one threshold's outcome at its last evaluation.
type ThresholdResult struct {
	Source      string
	Aggregation string  // "p(95)", "rate", ...
	Value       float64 // the aggregated value it compared
	OK          bool
}

// Failed reports whether any threshold failed at its last evaluation.
func (s *Snapshot) Failed() bool { return len(s.Breached()) > 0 }

// Breached names the metrics (and sub-metrics) with a failed threshold, in order, as the exit
// message of a run or a merge lists them.
func (s *Snapshot) Breached() []string {
	var names []string
	for _, m := range s.Metrics {
		for _, t := range m.Thresholds {
			if !t.OK {
				names = append(names, m.Name)
				break
			}
		}
	}
	return names
}

// Snapshot copies the current state. Metrics that got no sample and have no threshold are left
// out, as k6 does.
func (a *Aggregator) Snapshot() *Snapshot {
	a.flush()
	a.mu.Lock()
	defer a.mu.Unlock()
	snap := &Snapshot{Duration: a.duration(), Root: a.root.clone()}
	thresholds := map[string][]ThresholdResult{}
	if a.cfg.Thresholds != nil {
		for _, t := range a.cfg.Thresholds.Targets {
			for _, th := range t.Thresholds {
				e := a.results[th]
				thresholds[t.Key] = append(thresholds[t.Key], ThresholdResult{Source: th.Source, Aggregation: th.Aggregation.String(), Value: e.value, OK: e.ok})
			}
		}
	}
	for m, s := range a.series {
		if s.sink.Samples > 0 || thresholds[m.Name] != nil || len(s.subs) > 0 {
			snap.Metrics = append(snap.Metrics, MetricSnapshot{Name: m.Name, Metric: m, Sink: s.sink.clone(), Thresholds: thresholds[m.Name]})
		}
		for _, sub := range s.subs {
			snap.Metrics = append(snap.Metrics, MetricSnapshot{Name: sub.target.Key, Metric: m, Selector: sub.target.Selector,
				Sink: sub.sink.clone(), Thresholds: thresholds[sub.target.Key]})
		}
	}
	sort.SliceStable(snap.Metrics, func(i, j int) bool {
		a, b := snap.Metrics[i], snap.Metrics[j]
		if a.Metric.Name != b.Metric.Name {
			return a.Metric.Name < b.Metric.Name
		}
		if (a.Selector == nil) != (b.Selector == nil) {
			return a.Selector == nil
		}
		return a.Name < b.Name
	})
	return snap
}
