package summary

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"spate.local/engine/internal/metrics"
)

// formatValue writes one value the way k6's text summary does for what the metric contains:
// durations with a unit (values are milliseconds), bytes in SI units, plain numbers otherwise.
func formatValue(v float64, contains metrics.ValueType, timeUnit string) string {
	switch contains {
	case metrics.Time:
		return formatDuration(v, timeUnit)
	case metrics.Data:
		return formatBytes(v)
	}
	return formatNumber(v)
}

// formatNumber rounds to 6 decimals and drops trailing zeros: 152.355556, 120.
func formatNumber(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}

// twoDecimals rounds to 2 decimals without trailing zeros: 148.21, 1.2, 120.
func twoDecimals(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// formatDuration writes milliseconds in a fixed unit, or in the unit that suits the magnitude.
func formatDuration(ms float64, unit string) string {
	switch unit {
	case "s":
		return twoDecimals(ms/1000) + "s"
	case "ms":
		return twoDecimals(ms) + "ms"
	case "us":
		return twoDecimals(ms*1000) + "µs"
	}
	abs := math.Abs(ms)
	switch {
	case abs == 0:
		return "0s"
	case abs >= 60_000:
		return time.Duration(ms * float64(time.Millisecond)).Round(10 * time.Millisecond).String()
	case abs >= 1000:
		return twoDecimals(ms/1000) + "s"
	case abs >= 1:
		return twoDecimals(ms) + "ms"
	case abs >= 0.001:
		return twoDecimals(ms*1000) + "µs"
	}
	return twoDecimals(ms*1e6) + "ns"
}

// formatBytes writes SI bytes: 76 B, 9.1 kB, 15 kB, 2.3 MB.
func formatBytes(b float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	i := 0
	for math.Abs(b) >= 1000 && i < len(units)-1 {
		b /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	if math.Abs(b) < 10 {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", b), ".0") + " " + units[i]
	}
	return fmt.Sprintf("%.0f %s", b, units[i])
}

// formatPercent writes a 0..1 share as k6 does: 100.00%.
func formatPercent(r float64) string { return fmt.Sprintf("%.2f%%", r*100) }
