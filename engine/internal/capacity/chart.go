package capacity

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// HTML is a self-contained page (no script, no network) with the search as a chart: each
// step's offered rate in order, green when it passed and red when it failed, the achieved
// rate beside it, the sustained rate as a line; then the table.
func HTML(label string, res Result) string {
	const w, h, left, bottom, top = 760.0, 320.0, 80.0, 40.0, 20.0
	peak := 1.0
	for _, s := range res.Steps {
		peak = math.Max(peak, math.Max(s.Rate, s.Achieved))
	}
	peak = niceCeiling(peak)
	y := func(r float64) float64 { return top + (h-top-bottom)*(1-r/peak) }
	n := float64(max(len(res.Steps), 1))
	slot := (w - left - 20) / n
	var svg strings.Builder
	fmt.Fprintf(&svg, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img" aria-label="capacity search">`, w, h)
	for i := 0; i <= 4; i++ {
		r := peak * float64(i) / 4
		fmt.Fprintf(&svg, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.0f" y="%.1f" text-anchor="end" font-size="11">%s</text>`,
			left, w-20, y(r), y(r), left-6, y(r)+4, Rate(r))
	}
	for i, s := range res.Steps {
		x := left + slot*float64(i) + slot*0.15
		bw := slot * 0.35
		color := "#c0392b"
		if s.Passed {
			color = "#27ae60"
		}
		fmt.Fprintf(&svg, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>step %d (%s): offered %s msg/s, %s</title></rect>`,
			x, y(s.Rate), bw, y(0)-y(s.Rate), color, i+1, s.Phase, Rate(s.Rate), html.EscapeString(verdict(s)))
		fmt.Fprintf(&svg, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.4"><title>step %d: achieved %s msg/s</title></rect>`,
			x+bw, y(s.Achieved), bw, y(0)-y(s.Achieved), color, i+1, Rate(s.Achieved))
		fmt.Fprintf(&svg, `<text x="%.1f" y="%.0f" text-anchor="middle" font-size="11">%d</text>`, x+bw, h-bottom+15, i+1)
	}
	if res.Sustained > 0 {
		fmt.Fprintf(&svg, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#2c3e50" stroke-dasharray="6 4"/><text x="%.0f" y="%.1f" text-anchor="end" font-size="12">sustained %s msg/s</text>`,
			left, w-20, y(res.Sustained), y(res.Sustained), w-20, y(res.Sustained)-5, Rate(res.Sustained))
	}
	fmt.Fprintf(&svg, `<text x="%.0f" y="%.0f" text-anchor="middle" font-size="12">step (offered, then achieved)</text></svg>`, (w+left)/2, h-5)

	var rows strings.Builder
	for i, s := range res.Steps {
		fmt.Fprintf(&rows, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=%q>%s</td></tr>\n", i+1, s.Phase,
			Rate(s.Rate), Rate(s.Achieved), TimeToMillion(s.Achieved), latency(s.P99Ms), map[bool]string{true: "pass", false: "fail"}[s.Passed], html.EscapeString(verdict(s)))
	}
	return fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Capacity search: %[1]s</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:nth-child(2),th:nth-child(2),td:last-child,th:last-child{text-align:left}.pass{color:#27ae60}.fail{color:#c0392b}</style>
</head><body>
<h1>Capacity search: %[1]s</h1>
<p>%[2]s</p>
%[3]s
<table><thead><tr><th>step</th><th>phase</th><th>offered msg/s</th><th>achieved msg/s</th><th>time to 1M records</th><th>p99 end-to-end</th><th>verdict</th></tr></thead>
<tbody>
%[4]s</tbody></table>
</body></html>
`, html.EscapeString(label), html.EscapeString(Answer(label, res)), svg.String(), rows.String())
}

// niceCeiling rounds up to 1, 2 or 5 times a power of ten, for the axis.
func niceCeiling(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
