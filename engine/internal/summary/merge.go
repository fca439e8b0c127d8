package summary

import (
	"encoding/json"
	"fmt"

	"time"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/threshold"
)

// instanceData is what Merge reads of one instance's handleSummary data.
type instanceData struct {
	Metrics map[string]struct {
		Type       string             `json:"type"`
		Contains   string             `json:"contains"`
		Values     map[string]float64 `json:"values"`
		Thresholds map[string]any     `json:"thresholds"`
	} `json:"metrics"`
	RootGroup groupJSON `json:"root_group"`
	Options   struct {
		SummaryTrendStats []string `json:"summaryTrendStats"`
		SummaryTimeUnit   string   `json:"summaryTimeUnit"`
		NoColor           bool     `json:"noColor"`
	} `json:"options"`
	State struct {
		IsStdOutTTY       bool    `json:"isStdOutTTY"`
		IsStdErrTTY       bool    `json:"isStdErrTTY"`
		TestRunDurationMs float64 `json:"testRunDurationMs"`
	} `json:"state"`
	Spate struct {
		Histograms map[string]*metrics.Histogram `json:"histograms"`
	} `json:"spate"`
}

type groupJSON struct {
	Name   string      `json:"name"`
	Path   string      `json:"path"`
	ID     string      `json:"id"`
	Groups []groupJSON `json:"groups"`
	Checks []struct {
		Name   string `json:"name"`
		Path   string `json:"path"`
		ID     string `json:"id"`
		Passes uint64 `json:"passes"`
		Fails  uint64 `json:"fails"`
	} `json:"checks"`
}

var typesByName = map[string]metrics.Type{"counter": metrics.Counter, "gauge": metrics.Gauge, "rate": metrics.Rate, "trend": metrics.Trend}
var containsByName = map[string]metrics.ValueType{"default": metrics.Default, "time": metrics.Time, "data": metrics.Data}

// Merge combines the handleSummary data (JSON, as Data writes it) of several engine instances
// that ran parts of one test, into the data of the whole test: counters, rates and checks add
// up, gauges add up too (as VUs of instances do), trends merge their histograms (so quantiles
// keep the histogram's error bound), the duration is the longest, and every threshold is
// evaluated again on the merged values. Options and terminal state are the first instance's.
func Merge(parts ...[]byte) (map[string]any, error) {
	snap, o, err := MergeSnapshot(parts...)
	if err != nil {
		return nil, err
	}
	return Data(snap, o), nil
}

// MergeSnapshot is Merge before it becomes handleSummary data: the whole test's snapshot, its
// thresholds evaluated, and the summary options (the first instance's), for the text summary
// and the reports of `spate merge`.
func MergeSnapshot(parts ...[]byte) (*aggregate.Snapshot, Options, error) {
	if len(parts) == 0 {
		return nil, Options{}, fmt.Errorf("no summaries to merge")
	}
	type merged struct {
		ms         aggregate.MetricSnapshot
		thresholds []string
	}
	byName := map[string]*merged{}
	var order []string
	snap := &aggregate.Snapshot{Root: &aggregate.Group{ID: aggregate.PathID("")}}
	var first instanceData
	for i, raw := range parts {
		var d instanceData
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, Options{}, fmt.Errorf("summary %d is not handleSummary JSON: %v", i+1, err)
		}
		if i == 0 {
			first = d
		}
		snap.Duration = max(snap.Duration, time.Duration(d.State.TestRunDurationMs*float64(time.Millisecond)))
		mergeGroup(snap.Root, d.RootGroup)
		for name, m := range d.Metrics {
			t, ok := typesByName[m.Type]
			if !ok {
				return nil, Options{}, fmt.Errorf("summary %d: metric %q has unknown type %q", i+1, name, m.Type)
			}
			sink, err := sinkOf(t, m.Values, d.Spate.Histograms[name])
			if err != nil {
				return nil, Options{}, fmt.Errorf("summary %d: metric %q: %v", i+1, name, err)
			}
			cur := byName[name]
			if cur == nil {
				base, selector, err := threshold.ParseKey(name)
				if err != nil {
					return nil, Options{}, err
				}
				cur = &merged{ms: aggregate.MetricSnapshot{Name: name, Selector: selector,
					Metric: &metrics.Metric{Name: base, Type: t, Contains: containsByName[m.Contains]}, Sink: aggregate.NewSink(t)}}
				byName[name] = cur
				order = append(order, name)
			} else if cur.ms.Metric.Type != t {
				return nil, Options{}, fmt.Errorf("summary %d: metric %q is a %s, another summary has it as a %s", i+1, name, t, cur.ms.Metric.Type)
			}
			addSink(cur.ms.Sink, sink)
			for expr := range m.Thresholds {
				if !contains(cur.thresholds, expr) {
					cur.thresholds = append(cur.thresholds, expr)
				}
			}
		}
	}
	for _, name := range order {
		m := byName[name]
		for _, expr := range m.thresholds {
			th, err := threshold.ParseExpr(expr, name, m.ms.Metric.Type)
			if err != nil {
				return nil, Options{}, err
			}
			v := m.ms.Sink.Aggregate(th.Aggregation, snap.Duration)
			m.ms.Thresholds = append(m.ms.Thresholds, aggregate.ThresholdResult{Source: expr, Aggregation: th.Aggregation.String(), Value: v, OK: th.Holds(v)})
		}
		snap.Metrics = append(snap.Metrics, m.ms)
	}
	return snap, Options{TrendStats: first.Options.SummaryTrendStats, TimeUnit: first.Options.SummaryTimeUnit,
		NoColor: first.Options.NoColor, IsStdOutTTY: first.State.IsStdOutTTY, IsStdErrTTY: first.State.IsStdErrTTY}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sinkOf rebuilds a sink from summary values (and, for a trend, its histogram).
func sinkOf(t metrics.Type, v map[string]float64, h *metrics.Histogram) (*aggregate.Sink, error) {
	s := aggregate.NewSink(t)
	switch t {
	case metrics.Counter:
		s.Count = v["count"]
	case metrics.Gauge:
		s.Value, s.Min, s.Max = v["value"], v["min"], v["max"]
	case metrics.Rate:
		s.Passes, s.Fails = uint64(v["passes"]), uint64(v["fails"])
	case metrics.Trend:
		if h == nil {
			return nil, fmt.Errorf("no histogram under spate.histograms; merge summaries written by spate run")
		}
		s.Histogram = h
	}
	s.Samples = 1
	return s, nil
}

func addSink(into, from *aggregate.Sink) {
	into.Samples += from.Samples
	into.Count += from.Count
	into.Value += from.Value
	into.Min += from.Min
	into.Max += from.Max
	into.Passes += from.Passes
	into.Fails += from.Fails
	if from.Histogram != nil {
		into.Histogram.Merge(from.Histogram)
	}
}

// mergeGroup adds a summary's group tree into g, matching groups and checks by name.
func mergeGroup(g *aggregate.Group, from groupJSON) {
	for _, c := range from.Checks {
		var into *aggregate.Check
		for _, existing := range g.Checks {
			if existing.Name == c.Name {
				into = existing
			}
		}
		if into == nil {
			into = &aggregate.Check{Name: c.Name, Path: g.Path + "::" + c.Name, ID: aggregate.PathID(g.Path + "::" + c.Name)}
			g.Checks = append(g.Checks, into)
		}
		into.Passes += c.Passes
		into.Fails += c.Fails
	}
	for _, sub := range from.Groups {
		var into *aggregate.Group
		for _, existing := range g.Groups {
			if existing.Name == sub.Name {
				into = existing
			}
		}
		if into == nil {
			p := g.Path + "::" + sub.Name
			into = &aggregate.Group{Name: sub.Name, Path: p, ID: aggregate.PathID(p)}
			g.Groups = append(g.Groups, into)
		}
		mergeGroup(into, sub)
	}
}
