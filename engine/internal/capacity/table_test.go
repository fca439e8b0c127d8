package capacity

import (
	"math"
	"strings"
	"testing"
)

func TestReports(t *testing.T) {
	searched := Result{
		Steps: []Step{
			{Phase: Ramp, Rate: 1000, Passed: true, Achieved: 1000, P99Ms: 120},
			{Phase: Ramp, Rate: 2000, Passed: false, Achieved: 1990, P99Ms: 2400, Breached: []string{"spate_end_to_end_latency", "spate_lag_slope_ratio"}},
			{Phase: Bisect, Rate: 1500, Passed: true, Achieved: 1500, P99Ms: 300},
			{Phase: Bisect, Rate: 1750, Passed: false, Achieved: 1700, P99Ms: 310, Breached: []string{"dropped_iterations", "iteration_start_delay"}},
		},
		Sustained: 1500, FailedAt: 1750, Converged: true,
	}
	cases := []struct {
		name string
		got  string
		want []string
	}{
		{"the table has a row per step with its verdict", Table("processor x1", searched), []string{
			"| processor x1 | 1 | ramp | 1,000 | 1,000 | 16m40s | 120 ms | pass |",
			"| processor x1 | 2 | ramp | 2,000 | 1,990 | 8m23s | 2.40 s | FAIL: spate_end_to_end_latency, spate_lag_slope_ratio |",
			"| processor x1 | 3 | bisect | 1,500 | 1,500 | 11m7s | 300 ms | pass |",
			"| processor x1 | 4 | bisect | 1,750 | 1,700 | 9m48s | 310 ms | FAIL (generator behind): dropped_iterations, iteration_start_delay |",
		}},
		{"the answer names the sustained rate and the lowest failure", Answer("processor x1", searched), []string{
			"processor x1: sustained 1,500 msg/s (5.4 million records per hour, 1M records in 11m7s, p99 end-to-end 300 ms); lowest failure 1,750 msg/s",
		}},
		{"a search that never failed says the ceiling was reached", Answer("fast", Result{Steps: searched.Steps[:1], Sustained: 1000, FailedAt: math.Inf(1), Converged: true}), []string{
			"no step failed (raise --max-rate to find the limit)",
		}},
		{"a search where nothing passed says so", Answer("slow", Result{Steps: searched.Steps[1:2], FailedAt: 2000, Converged: true}), []string{
			"slow: no step passed",
		}},
		{"the HTML has a bar per step and the sustained line", HTML("processor x1", searched), []string{
			"<title>step 2 (ramp): offered 2,000 msg/s, FAIL: spate_end_to_end_latency, spate_lag_slope_ratio</title>",
			`fill="#27ae60"`, "sustained 1,500 msg/s", "<td>11m7s</td>",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.want {
				if !strings.Contains(c.got, w) {
					t.Errorf("missing %q in:\n%s", w, c.got)
				}
			}
		})
	}
	t.Run("rates get thousands separators", func(t *testing.T) {
		for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 333333.4: "333,333", 1234567: "1,234,567"} {
			if got := Rate(in); got != want {
				t.Errorf("Rate(%v) = %q, want %q", in, got, want)
			}
		}
	})
}
