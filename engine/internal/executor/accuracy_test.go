package executor

import (
	"context"
	"sort"
	"testing"
	"time"
)

// timerLateness measures how late the machine wakes a plain Go timer loop at rate/s until stop:
// the best any scheduler in this process can do at the same moment.
func timerLateness(rate int, stop <-chan struct{}) (onTime float64) {
	start := time.Now()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	n, on := 0, 0
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if w := time.Until(due); w > 0 {
			timer.Reset(w)
			select {
			case <-timer.C:
			case <-stop:
				return float64(on) / float64(max(n, 1))
			}
		}
		n++
		if time.Since(due) <= 10*time.Millisecond {
			on++
		}
	}
}

func TestConstantArrivalRateKeepsItsSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 2s")
	}
	cases := []struct {
		name string
		rate int
	}{
		{"2000 iterations/s start within 10ms of their schedule, 99% of them (or as many as the machine's own timers)", 2000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Enough VUs to absorb a stall of the machine of 200ms without drops: this test is
			// about the schedule, not about VU capacity.
			h := newHarness(t, `{"scenarios": {"s": {"executor": "constant-arrival-rate", "rate": 2000, "duration": "2s", "preAllocatedVUs": 400}}}`, "", "", sleepFor(0))
			h.iterate = func(ctx context.Context, _ *Iteration) error { return nil }
			stop := make(chan struct{})
			reference := make(chan float64)
			go func() { reference <- timerLateness(200, stop) }()
			_, err := h.run(context.Background())
			close(stop)
			machine := <-reference
			if err != nil {
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
			t.Logf("on time %.2f%% (a plain timer loop at the same time: %.2f%%), delay p50 %s p99 %s max %s, dropped %v",
				100*share, 100*machine, late[len(late)/2], late[len(late)*99/100], late[len(late)-1], dropped)
			// On an overloaded machine even a bare timer misses 10ms now and then: the scheduler
			// must then do nearly as well as the bare timer did meanwhile (within 2 points: an iteration
			// also has to reach its VU, and a stall longer than the VUs can absorb drops some).
			if share < 0.99 && share < machine-0.02 {
				t.Fatalf("only %.2f%% of iterations started within 10ms of schedule, while a plain timer loop managed %.2f%%", 100*share, 100*machine)
			}
		})
	}
}
