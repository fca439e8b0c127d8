package cli

import (
	"fmt"
	"strconv"
	"time"
)

// parseStartAt reads --start-at: an RFC 3339 time (2026-12-02T05:00:00Z) or Unix milliseconds
// (what `date +%s%3N` and Date.now() print). Unix seconds are refused rather than read as a
// date in 1970, since that mistake would start at once and silently out of step.
func parseStartAt(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < 1e11 {
			return time.Time{}, fmt.Errorf("--start-at %q looks like Unix seconds; give Unix milliseconds (date +%%s%%3N) or an RFC 3339 time", s)
		}
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at %q is neither an RFC 3339 time (2026-12-02T05:00:00Z) nor Unix milliseconds", s)
	}
	return t, nil
}
