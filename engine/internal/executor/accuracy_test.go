package executor

import (
	"context"
	"sort"
	"testing"
	"time"
)

func TestConstantArrivalRateKeepsItsSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 2s")
	}
	cases := []struct {
		name string
		rate int
	}{
		{"2000 iterations/s start within 10ms of their schedule, 99% of them", 2000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, `{"scenarios": {"s": {"executor": "constant-arrival-rate", "rate": 2000, "duration": "2s", "preAllocatedVUs": 50}}}`, "", "", sleepFor(0))
			h.iterate = func(ctx context.Context, _ *Iteration) error { return nil }
			if _, err := h.run(context.Background()); err != nil {
				t.Fatal(err)
			}
			its := h.of("s")
			dropped, _, _ := h.sum(h.builtins.DroppedIterations)
			if len(its)+int(dropped) != 4001 {
				t.Fatalf("%d started + %v dropped, want 4001", len(its), dropped)
			}
			late := make([]time.Duration, 0, len(its))
			onTime := 0
			for _, it := range its {
				d := it.at.Sub(it.scheduled)
				late = append(late, d)
				if d >= 0 && d <= 10*time.Millisecond {
					onTime++
				}
			}
			sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
			share := float64(onTime) / 4001
			t.Logf("on time %.2f%%, delay p50 %s p99 %s max %s, dropped %v", 100*share, late[len(late)/2], late[len(late)*99/100], late[len(late)-1], dropped)
			if share < 0.99 {
				t.Fatalf("only %.2f%% of iterations started within 10ms of schedule", 100*share)
			}
		})
	}
}
