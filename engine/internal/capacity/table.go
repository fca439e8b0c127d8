package capacity

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Table is the search as a Markdown table like the report's (configuration, rate, time to 1M
// records, p99 end-to-end latency, verdict), one row per step, then the answer in one line.
func Table(label string, res Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| configuration | step | phase | offered msg/s | achieved msg/s | time to 1M records | p99 end-to-end | verdict |\n")
	fmt.Fprintf(&b, "|---|---:|---|---:|---:|---:|---:|---|\n")
	for i, s := range res.Steps {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s |\n", label, i+1, s.Phase, Rate(s.Rate), Rate(s.Achieved),
			TimeToMillion(s.Achieved), latency(s.P99Ms), verdict(s))
	}
	b.WriteString("\n" + Answer(label, res) + "\n")
	return b.String()
}

// Answer is the search's result in one line.
func Answer(label string, res Result) string {
	var above string
	switch {
	case math.IsInf(res.FailedAt, 1):
		above = "no step failed (raise --max-rate to find the limit)"
	default:
		above = "lowest failure " + Rate(res.FailedAt) + " msg/s"
	}
	if !res.Converged {
		above += "; the step budget ran out before the gap closed (raise --max-steps)"
	}
	if res.Sustained == 0 {
		return fmt.Sprintf("%s: no step passed; the pipeline sustained none of the rates tried (%s)", label, above)
	}
	best := res.Steps[0]
	for _, s := range res.Steps {
		if s.Passed && s.Rate == res.Sustained {
			best = s
		}
	}
	return fmt.Sprintf("%s: sustained %s msg/s (%s records per hour, 1M records in %s, p99 end-to-end %s); %s",
		label, Rate(res.Sustained), perHour(best.Achieved), TimeToMillion(best.Achieved), latency(best.P99Ms), above)
}

// Rate writes messages per second with thousands separators.
func Rate(r float64) string {
	s := strconv.FormatFloat(math.Round(r), 'f', 0, 64)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// TimeToMillion is how long a million records take at rate.
func TimeToMillion(rate float64) string {
	if rate <= 0 {
		return "-"
	}
	d := time.Duration(1e6 / rate * float64(time.Second))
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func perHour(rate float64) string {
	h := rate * 3600
	switch {
	case h >= 1e9:
		return strconv.FormatFloat(h/1e9, 'f', 2, 64) + " billion"
	case h >= 1e6:
		return strconv.FormatFloat(h/1e6, 'f', 1, 64) + " million"
	}
	return Rate(h)
}

func latency(ms float64) string {
	if math.IsNaN(ms) {
		return "-"
	}
	if ms >= 1000 {
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// generatorMetrics fail when the load generator, not the pipeline, fell behind its schedule.
var generatorMetrics = map[string]bool{"dropped_iterations": true, "iteration_start_delay": true}

func verdict(s Step) string {
	if s.Passed {
		return "pass"
	}
	if len(s.Breached) == 0 {
		return "FAIL"
	}
	// A step lost only on the generator's side says nothing against the pipeline: say so, so
	// the reader spreads the load over more machines before calling it the pipeline's limit.
	generator := true
	for _, m := range s.Breached {
		generator = generator && generatorMetrics[m]
	}
	if generator {
		return "FAIL (generator behind): " + strings.Join(s.Breached, ", ")
	}
	return "FAIL: " + strings.Join(s.Breached, ", ")
}
