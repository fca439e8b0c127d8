// Package options reads a script's `export const options` (k6's option names and semantics):
// scenarios and the execution shortcuts, thresholds as written, summary and lifecycle settings,
// and execution segments; and applies command-line overrides with k6's precedence.
package options

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/segment"
)

// Defaults k6 documents.
const (
	DefaultGracefulStop         = 30 * time.Second
	DefaultGracefulRampDown     = 30 * time.Second
	DefaultMaxDuration          = 10 * time.Minute
	DefaultTimeUnit             = time.Second
	DefaultSetupTimeout         = 60 * time.Second
	DefaultTeardownTimeout      = 60 * time.Second
	DefaultHandleSummaryTimeout = 120 * time.Second
	// DefaultScenarioName names the scenario derived from shortcuts (or the one-iteration default).
	DefaultScenarioName = "default"
)

// DefaultSummaryTrendStats are the Trend statistics of the end-of-test summary.
var DefaultSummaryTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// Options are a script's options after parsing (and, through Apply, after command-line
// overrides). Scenarios is always what will run: the script's scenarios, or the one derived from
// the shortcuts, or the default of one VU running one iteration.
type Options struct {
	Scenarios []*Scenario // sorted by StartTime, then Name

	// Execution shortcuts, as given (nil: not set).
	VUs        *int64
	Duration   *time.Duration
	Iterations *int64
	Stages     []Stage

	// Thresholds by metric expression ("metric" or "metric{tag:value}"), as written.
	Thresholds map[string][]Threshold

	SummaryTrendStats    []string
	SummaryTimeUnit      string // "", "s", "ms" or "us"
	SetupTimeout         time.Duration
	TeardownTimeout      time.Duration
	HandleSummaryTimeout time.Duration
	Tags                 map[string]string // run tags, on every sample
	NoSetup, NoTeardown  bool

	// ExecutionSegment and ExecutionSegmentSequence as written, and parsed.
	ExecutionSegment         string
	ExecutionSegmentSequence string
	Segment                  segment.Segment
	Sequence                 segment.Sequence // nil: none given

	// Raw is the options object as the script exported it (for exec.test.options).
	Raw map[string]any

	// Warnings name options spate reads but does not implement, and settings without effect.
	Warnings []string

	scriptScenarios []*Scenario // the script's own scenarios, nil when it has none
}

// Threshold is one threshold of a metric, as written; another package parses Expr.
type Threshold struct {
	Expr           string
	AbortOnFail    bool
	DelayAbortEval time.Duration
}

// Stage is one stage of ramping-vus (target VUs) or ramping-arrival-rate (target rate).
type Stage struct {
	Duration time.Duration
	Target   int64
}

// invalid returns the error every options problem is: exit code 104, one line.
func invalid(format string, args ...any) *exitcode.Error {
	return exitcode.New(exitcode.InvalidConfig, "invalid options: "+format, args...)
}

// Parse reads the JSON of a script's exported options ("" or "null": no options).
func Parse(raw []byte) (*Options, error) {
	o := &Options{
		SummaryTrendStats:    append([]string(nil), DefaultSummaryTrendStats...),
		SetupTimeout:         DefaultSetupTimeout,
		TeardownTimeout:      DefaultTeardownTimeout,
		HandleSummaryTimeout: DefaultHandleSummaryTimeout,
		Segment:              segment.Whole(),
		Raw:                  map[string]any{},
	}
	var fields map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := decode(raw, &fields); err != nil {
			return nil, invalid("the options must be an object of option names and values (%v)", err)
		}
		// Plain JSON numbers (float64), as a script reading exec.test.options expects.
		if err := json.Unmarshal(raw, &o.Raw); err != nil || o.Raw == nil {
			o.Raw = map[string]any{}
		}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names) // the first problem reported is the same on every run
	for _, name := range names {
		if err := o.set(name, fields[name]); err != nil {
			return nil, err
		}
	}
	// The segment may come from the command line and the sequence from the script: whether the
	// one is in the other is checked by Apply.
	if err := o.parseSegments(false); err != nil {
		return nil, err
	}
	if err := o.derive(); err != nil {
		return nil, err
	}
	return o, nil
}

// set reads one top-level option.
func (o *Options) set(name string, v json.RawMessage) error {
	if _, warn := notImplemented[name]; isNull(v) && (warn || contains(implemented, name)) {
		return nil // k6 treats null as not set
	}
	var err error
	switch name {
	case "scenarios":
		o.scriptScenarios, err = parseScenarios(v)
	case "vus":
		var n int64
		n, err = intValue("vus", v, 1)
		o.VUs = &n
	case "duration":
		var d time.Duration
		d, err = durationValue("duration", v)
		o.Duration = &d
	case "iterations":
		var n int64
		n, err = intValue("iterations", v, 1)
		o.Iterations = &n
	case "stages":
		o.Stages, err = stagesValue("stages", v)
	case "thresholds":
		o.Thresholds, err = parseThresholds(v)
	case "summaryTrendStats":
		o.SummaryTrendStats, err = trendStatsValue(v)
	case "summaryTimeUnit":
		o.SummaryTimeUnit, err = timeUnitName(v)
	case "setupTimeout":
		o.SetupTimeout, err = positiveDuration("setupTimeout", v)
	case "teardownTimeout":
		o.TeardownTimeout, err = positiveDuration("teardownTimeout", v)
	case "handleSummaryTimeout":
		o.HandleSummaryTimeout, err = positiveDuration("handleSummaryTimeout", v)
	case "tags":
		o.Tags, err = stringMap("tags", v)
	case "noSetup":
		o.NoSetup, err = boolValue("noSetup", v)
	case "noTeardown":
		o.NoTeardown, err = boolValue("noTeardown", v)
	case "executionSegment":
		o.ExecutionSegment, err = stringValue("executionSegment", v)
	case "executionSegmentSequence":
		o.ExecutionSegmentSequence, err = stringValue("executionSegmentSequence", v)
	default:
		if why, ok := notImplemented[name]; ok {
			o.Warnings = append(o.Warnings, fmt.Sprintf("option %q is not implemented by spate and has no effect%s", name, why))
			return nil
		}
		return invalid("unknown option %q; did you mean %q?", name, closest(name, knownOptionNames()))
	}
	return err
}

// parseSegments reads the segment and the sequence; together, the segment must be in the
// sequence.
func (o *Options) parseSegments(together bool) error {
	s, err := segment.ParseSegment(o.ExecutionSegment)
	if err != nil {
		return exitcode.Wrap(exitcode.InvalidConfig, err, "")
	}
	q, err := segment.ParseSequence(o.ExecutionSegmentSequence)
	if err != nil {
		return exitcode.Wrap(exitcode.InvalidConfig, err, "")
	}
	if together || !s.IsWhole() {
		if _, err := segment.New(s, q); err != nil {
			return exitcode.Wrap(exitcode.InvalidConfig, err, "")
		}
	}
	o.Segment, o.Sequence = s, q
	return nil
}

// Striping is how this instance's segment splits the test.
func (o *Options) Striping() (*segment.Striping, error) {
	st, err := segment.New(o.Segment, o.Sequence)
	if err != nil {
		return nil, exitcode.Wrap(exitcode.InvalidConfig, err, "")
	}
	return st, nil
}

// Scenario returns the scenario of that name, or nil.
func (o *Options) Scenario(name string) *Scenario {
	for _, s := range o.Scenarios {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func decode(raw []byte, into any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(into)
}

func isNull(v json.RawMessage) bool {
	return len(v) == 0 || string(bytes.TrimSpace(v)) == "null"
}

func sortScenarios(list []*Scenario) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].StartTime != list[j].StartTime {
			return list[i].StartTime < list[j].StartTime
		}
		return strings.Compare(list[i].Name, list[j].Name) < 0
	})
}
