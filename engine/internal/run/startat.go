package run

import (
	"context"
	"time"
)

// waitForStart holds the scenarios back until at (--start-at), so that several instances
// running segments of one test start their schedules at the same instant and their arrival
// rates interleave as one. Setup has run by then; a zero at does not wait. A start time
// already past is reported, since the instances' schedules are then out of step by that much.
func waitForStart(ctx context.Context, at time.Time, log *logger) error {
	if at.IsZero() {
		return nil
	}
	wait := time.Until(at)
	if wait <= 0 {
		log.Warnf("--start-at %s was %s ago when setup ended; starting now, out of step with the other instances by that much",
			at.UTC().Format(time.RFC3339Nano), (-wait).Round(time.Millisecond))
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
