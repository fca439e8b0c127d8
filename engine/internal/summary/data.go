// Package summary turns an aggregate.Snapshot into k6's end-of-test outputs: the data passed to
// the script's handleSummary, the default text summary, and the --summary-export JSON.
package summary

import (
	"strconv"
	"strings"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

// DefaultTrendStats are k6's summaryTrendStats when the script sets none.
var DefaultTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// Options are the script options and terminal facts a summary depends on.
type Options struct {
	TrendStats  []string // summaryTrendStats; nil means DefaultTrendStats
	TimeUnit    string   // summaryTimeUnit: "" (automatic), "s", "ms" or "us"
	NoColor     bool
	IsStdOutTTY bool
	IsStdErrTTY bool
}

// ValidateOptions checks summaryTrendStats and summaryTimeUnit; errors are 104.
func ValidateOptions(o Options) error {
	for _, s := range o.TrendStats {
		if _, err := parseStat(s); err != nil {
			return err
		}
	}
	switch o.TimeUnit {
	case "", "s", "ms", "us":
		return nil
	}
	return exitcode.New(exitcode.InvalidConfig, "invalid summaryTimeUnit %q; use s, ms or us", o.TimeUnit)
}

func (o Options) trendStats() []string {
	if len(o.TrendStats) == 0 {
		return DefaultTrendStats
	}
	return o.TrendStats
}

// stat is one summaryTrendStats entry: a name, or a percentile (0..1) for "p(N)".
type stat struct {
	name string
	p    float64
}

func parseStat(s string) (stat, error) {
	switch s {
	case "avg", "min", "med", "max", "count", "sum":
		return stat{name: s}, nil
	}
	if strings.HasPrefix(s, "p(") && strings.HasSuffix(s, ")") {
		n, err := strconv.ParseFloat(strings.TrimSpace(s[2:len(s)-1]), 64)
		if err == nil && n >= 0 && n <= 100 {
			return stat{name: "p", p: n / 100}, nil
		}
	}
	return stat{}, exitcode.New(exitcode.InvalidConfig, "invalid summaryTrendStats entry %q; use avg, min, med, max, count, sum or p(N) with N from 0 to 100", s)
}

func trendValue(h *metrics.Histogram, s stat) float64 {
	switch s.name {
	case "avg":
		return h.Avg()
	case "min":
		return h.Min()
	case "med":
		return h.Med()
	case "max":
		return h.Max()
	case "count":
		return float64(h.Count())
	case "sum":
		return h.Sum()
	}
	return h.Quantile(s.p)
}

// values is a metric's k6 summary values by its type (trends by the stats asked for).
func values(m aggregate.MetricSnapshot, o Options, durationSec float64) map[string]float64 {
	s := m.Sink
	switch m.Metric.Type {
	case metrics.Counter:
		rate := 0.0
		if durationSec > 0 {
			rate = s.Count / durationSec
		}
		return map[string]float64{"count": s.Count, "rate": rate}
	case metrics.Gauge:
		return map[string]float64{"value": s.Value, "min": s.Min, "max": s.Max}
	case metrics.Rate:
		return map[string]float64{"rate": s.Rate(0), "passes": float64(s.Passes), "fails": float64(s.Fails)}
	}
	out := map[string]float64{}
	for _, name := range o.trendStats() {
		st, err := parseStat(name)
		if err == nil {
			out[name] = trendValue(s.Histogram, st)
		}
	}
	return out
}

// Data is the object k6 passes to handleSummary(data), ready for JSON. spate adds a "spate" key
// holding each trend's histogram, so that the summaries of several engine instances can be
// merged exactly as far as the histogram's error bound allows.
func Data(snap *aggregate.Snapshot, o Options) map[string]any {
	dur := snap.Duration.Seconds()
	ms := map[string]any{}
	histograms := map[string]*metrics.Histogram{}
	for _, m := range snap.Metrics {
		entry := map[string]any{
			"type":     m.Metric.Type.String(),
			"contains": m.Metric.Contains.String(),
			"values":   values(m, o, dur),
		}
		if len(m.Thresholds) > 0 {
			th := map[string]any{}
			for _, t := range m.Thresholds {
				th[t.Source] = map[string]bool{"ok": t.OK}
			}
			entry["thresholds"] = th
		}
		ms[m.Name] = entry
		if m.Sink.Histogram != nil {
			histograms[m.Name] = m.Sink.Histogram
		}
	}
	return map[string]any{
		"metrics":    ms,
		"root_group": groupData(snap.Root),
		"options": map[string]any{
			"summaryTrendStats": o.trendStats(),
			"summaryTimeUnit":   o.TimeUnit,
			"noColor":           o.NoColor,
		},
		"state": map[string]any{
			"isStdOutTTY":       o.IsStdOutTTY,
			"isStdErrTTY":       o.IsStdErrTTY,
			"testRunDurationMs": float64(snap.Duration.Microseconds()) / 1000,
		},
		"spate": map[string]any{
			"histogramRelativeError": metrics.HistogramRelativeError,
			"histograms":             histograms,
		},
	}
}

func groupData(g *aggregate.Group) map[string]any {
	groups := []any{}
	for _, sub := range g.Groups {
		groups = append(groups, groupData(sub))
	}
	checks := []any{}
	for _, c := range g.Checks {
		checks = append(checks, map[string]any{"name": c.Name, "path": c.Path, "id": c.ID, "passes": c.Passes, "fails": c.Fails})
	}
	return map[string]any{"name": g.Name, "path": g.Path, "id": g.ID, "groups": groups, "checks": checks}
}
