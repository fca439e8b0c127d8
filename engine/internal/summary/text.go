package summary

import (
	"fmt"
	"strings"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/metrics"
)

// nameWidth is where k6's compact summary puts the ':' after a metric's dotted name.
const nameWidth = 35

// sections are the compact summary's metric groups, in k6's order; a metric goes to the first
// whose test matches it, CUSTOM taking the rest.
var sections = []struct {
	title string
	has   func(name string) bool
}{
	{"CUSTOM", func(n string) bool { return !isExecution(n) && !isNetwork(n) && !strings.HasPrefix(n, "kafka_") }},
	{"KAFKA", func(n string) bool { return strings.HasPrefix(n, "kafka_") }},
	{"EXECUTION", isExecution},
	{"NETWORK", isNetwork},
}

func isExecution(n string) bool {
	switch n {
	case "iterations", "iteration_duration", "dropped_iterations", "iteration_start_delay", "vus", "vus_max":
		return true
	}
	return false
}

func isNetwork(n string) bool { return n == "data_sent" || n == "data_received" }

// Text is k6's default end-of-test summary (compact mode), used when the script exports no
// handleSummary: thresholds with ✓/✗, then the checks, then the metrics by section with dotted
// names and aligned columns.
func Text(snap *aggregate.Snapshot, o Options) string {
	p := painter{color: !o.NoColor}
	var b strings.Builder
	dur := snap.Duration.Seconds()

	if hasThresholds(snap) {
		b.WriteString("  █ THRESHOLDS \n\n")
		for _, m := range snap.Metrics {
			if len(m.Thresholds) == 0 {
				continue
			}
			fmt.Fprintf(&b, "    %s\n", m.Name)
			for _, t := range m.Thresholds {
				mark := p.green("✓")
				if !t.OK {
					mark = p.red("✗")
				}
				fmt.Fprintf(&b, "    %s '%s' %s=%s\n", mark, t.Source, t.Aggregation, thresholdValue(m, t, o.TimeUnit))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}

	b.WriteString("  █ TOTAL RESULTS \n\n")
	rows := rowsOf(snap, o, dur)
	widths := columnWidths(rows)
	var checks []aggregate.MetricSnapshot
	for _, m := range snap.Metrics {
		if m.Metric.Name == "checks" {
			checks = append(checks, m)
		}
	}
	if len(checks) > 0 {
		c := checks[0].Sink
		total := c.Passes + c.Fails
		perSec := 0.0
		if dur > 0 {
			perSec = float64(total) / dur
		}
		writeRow(&b, "checks_total", []string{fmt.Sprint(total), formatNumber(perSec) + "/s"}, widths[false], p)
		writeRow(&b, "checks_succeeded", []string{formatPercent(c.Rate(0)), fmt.Sprintf("%d out of %d", c.Passes, total)}, widths[false], p)
		failedShare := 0.0
		if total > 0 {
			failedShare = float64(c.Fails) / float64(total)
		}
		writeRow(&b, "checks_failed", []string{formatPercent(failedShare), fmt.Sprintf("%d out of %d", c.Fails, total)}, widths[false], p)
		for _, r := range rows {
			if r.metric.Metric.Name == "checks" && r.metric.Selector != nil {
				writeRow(&b, r.label, r.cells, widths[false], p)
			}
		}
		b.WriteString("\n")
		writeChecks(&b, snap.Root, "    ", p)
	}

	for _, sec := range sections {
		var lines []row
		for _, r := range rows {
			if r.metric.Metric.Name != "checks" && sec.has(r.metric.Metric.Name) {
				lines = append(lines, r)
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "    %s\n", sec.title)
		for _, r := range lines {
			writeRow(&b, r.label, r.cells, widths[r.metric.Metric.Type == metrics.Trend], p)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func hasThresholds(snap *aggregate.Snapshot) bool {
	for _, m := range snap.Metrics {
		if len(m.Thresholds) > 0 {
			return true
		}
	}
	return false
}

// thresholdValue writes the compared value with the metric's unit: rates as percentages, counter
// rates per second, trends in the metric's unit.
func thresholdValue(m aggregate.MetricSnapshot, t aggregate.ThresholdResult, timeUnit string) string {
	switch {
	case m.Metric.Type == metrics.Rate:
		return formatPercent(t.Value)
	case m.Metric.Type == metrics.Counter && t.Aggregation == "rate":
		return formatNumber(t.Value) + "/s"
	}
	return formatValue(t.Value, m.Metric.Contains, timeUnit)
}

// row is one metric line: its dotted label and its value columns.
type row struct {
	metric aggregate.MetricSnapshot
	label  string
	cells  []string
}

func rowsOf(snap *aggregate.Snapshot, o Options, dur float64) []row {
	var rows []row
	for _, m := range snap.Metrics {
		label := m.Name
		if m.Selector != nil {
			var tags []string
			for _, t := range m.Selector.All() {
				tags = append(tags, t.Key+":"+t.Value)
			}
			label = "  { " + strings.Join(tags, ", ") + " }"
		}
		rows = append(rows, row{metric: m, label: label, cells: cells(m, o, dur)})
	}
	return rows
}

func cells(m aggregate.MetricSnapshot, o Options, dur float64) []string {
	s := m.Sink
	unit := o.TimeUnit
	switch m.Metric.Type {
	case metrics.Counter:
		rate := 0.0
		if dur > 0 {
			rate = s.Count / dur
		}
		return []string{formatValue(s.Count, m.Metric.Contains, unit), formatValue(rate, m.Metric.Contains, unit) + "/s"}
	case metrics.Gauge:
		return []string{formatValue(s.Value, m.Metric.Contains, unit),
			"min=" + formatValue(s.Min, m.Metric.Contains, unit), "max=" + formatValue(s.Max, m.Metric.Contains, unit)}
	case metrics.Rate:
		return []string{formatPercent(s.Rate(0)), fmt.Sprintf("%d out of %d", s.Passes, s.Passes+s.Fails)}
	}
	var out []string
	for _, name := range o.trendStats() {
		st, err := parseStat(name)
		if err != nil {
			continue
		}
		v := trendValue(s.Histogram, st)
		if st.name == "count" {
			out = append(out, name+"="+formatNumber(v))
		} else {
			out = append(out, name+"="+formatValue(v, m.Metric.Contains, unit))
		}
	}
	return out
}

// columnWidths aligns trend columns across all trends and the other metrics' columns among
// themselves, as k6 does.
func columnWidths(rows []row) map[bool][]int {
	widths := map[bool][]int{}
	for _, r := range rows {
		trend := r.metric.Metric.Type == metrics.Trend
		for i, c := range r.cells {
			if len(widths[trend]) <= i {
				widths[trend] = append(widths[trend], 0)
			}
			widths[trend][i] = max(widths[trend][i], len([]rune(c)))
		}
	}
	// The checks lines share the non-trend columns.
	if len(widths[false]) == 0 {
		widths[false] = []int{7}
	}
	widths[false][0] = max(widths[false][0], len("100.00%"))
	return widths
}

func writeRow(b *strings.Builder, label string, cells []string, w []int, p painter) {
	dots := max(nameWidth-len([]rune(label)), 3)
	fmt.Fprintf(b, "    %s%s: ", label, strings.Repeat(".", dots))
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(' ')
		}
		pad := 0
		if i < len(w) && i < len(cells)-1 {
			pad = w[i] - len([]rune(c))
		}
		b.WriteString(p.cyan(c) + strings.Repeat(" ", max(pad, 0)))
	}
	b.WriteString("\n")
}

// writeChecks lists every check, failed ones with their share, groups as headings.
func writeChecks(b *strings.Builder, g *aggregate.Group, indent string, p painter) {
	for _, c := range g.Checks {
		if c.Fails == 0 {
			fmt.Fprintf(b, "%s%s %s\n", indent, p.green("✓"), c.Name)
			continue
		}
		total := c.Passes + c.Fails
		fmt.Fprintf(b, "%s%s %s\n", indent, p.red("✗"), c.Name)
		fmt.Fprintf(b, "%s  ↳  %d%% — ✓ %d / ✗ %d\n", indent, c.Passes*100/total, c.Passes, c.Fails)
	}
	if len(g.Checks) > 0 {
		b.WriteString("\n")
	}
	for _, sub := range g.Groups {
		fmt.Fprintf(b, "%s█ %s\n\n", indent, sub.Name)
		writeChecks(b, sub, indent+"  ", p)
	}
}

// painter adds ANSI colours unless noColor.
type painter struct{ color bool }

func (p painter) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
func (p painter) green(s string) string { return p.paint("32", s) }
func (p painter) red(s string) string   { return p.paint("31", s) }
func (p painter) cyan(s string) string  { return p.paint("36", s) }
