package executor

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/options"
	"spate.local/engine/internal/segment"
)

// runSegments runs the same options as one instance per segment, at the same time.
func runSegments(t *testing.T, optionsJSON string, segments []string, iterate time.Duration) []*harness {
	t.Helper()
	seq := "0"
	for _, s := range segments {
		seq += "," + strings.Split(s, ":")[1]
	}
	hs := make([]*harness, len(segments))
	for i, s := range segments {
		hs[i] = newHarness(t, optionsJSON, s, seq, sleepFor(iterate))
	}
	var wg sync.WaitGroup
	for _, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.run(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	return hs
}

func TestSegmentsTogetherRunOneInstance(t *testing.T) {
	splits := [][]string{{"0:1/2", "1/2:1"}, {"0:1/3", "1/3:2/3", "2/3:1"}}
	cases := []struct {
		name       string
		options    string
		iterate    time.Duration
		iterations int // in the whole test; -1: depends on timing
		vus        int // VUs of the whole test
		// arrival is the interval between global starts of a constant arrival rate (0: none).
		arrival time.Duration
	}{
		{"shared-iterations", `{"scenarios": {"s": {"executor": "shared-iterations", "vus": 3, "iterations": 51}}}`, time.Millisecond, 51, 3, 0},
		{"shared-iterations with fewer VUs than instances", `{"scenarios": {"s": {"executor": "shared-iterations", "vus": 2, "iterations": 11}}}`, time.Millisecond, 11, 2, 0},
		{"per-vu-iterations", `{"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 5, "iterations": 3}}}`, time.Millisecond, 15, 5, 0},
		{"constant-vus", `{"scenarios": {"s": {"executor": "constant-vus", "vus": 5, "duration": "300ms"}}}`, 20 * time.Millisecond, -1, 5, 0},
		{"ramping-vus", `{"scenarios": {"s": {"executor": "ramping-vus", "startVUs": 1, "stages": [{"duration": "300ms", "target": 7}]}}}`, 20 * time.Millisecond, -1, 6, 0}, // the 7th VU would start at the end
		{"constant-arrival-rate", `{"scenarios": {"s": {"executor": "constant-arrival-rate", "rate": 50, "duration": "1s", "preAllocatedVUs": 12}}}`, time.Millisecond, 51, 12, 20 * time.Millisecond},
		{"ramping-arrival-rate", `{"scenarios": {"s": {"executor": "ramping-arrival-rate", "startRate": 20, "stages": [{"duration": "1s", "target": 80}], "preAllocatedVUs": 12}}}`, time.Millisecond, 50, 12, 0},
	}
	for _, split := range splits {
		for _, c := range cases {
			t.Run(c.name+" split "+strings.Join(split, " ")+" runs as one instance", func(t *testing.T) {
				hs := runSegments(t, c.options, split, c.iterate)
				inTest := map[uint64]int{}
				vuOwner := map[uint64]int{}
				total, dropped := 0, 0
				var base time.Time
				for n, h := range hs {
					its := h.of("s")
					total += len(its)
					d, _, _ := h.sum(h.builtins.DroppedIterations)
					dropped += int(d)
					for _, it := range its {
						inTest[it.inTest]++
						if owner, ok := vuOwner[it.vuInTest]; ok && owner != n {
							t.Fatalf("VU idInTest %d runs in instances %d and %d", it.vuInTest, owner, n)
						}
						vuOwner[it.vuInTest] = n
						if c.arrival > 0 && it.inTest == 0 {
							base = it.scheduled
						}
					}
				}
				for id, times := range inTest {
					if times != 1 {
						t.Fatalf("iterationInTest %d ran %d times", id, times)
					}
				}
				if c.iterations >= 0 {
					// A stalled machine may drop an arrival-rate iteration (none here when it
					// is not): what ran and what was dropped make the whole test.
					if total+dropped != c.iterations {
						t.Fatalf("the instances ran %d iterations and dropped %d together, want %d", total, dropped, c.iterations)
					}
					for i := 0; i < c.iterations && dropped == 0; i++ {
						if inTest[uint64(i)] != 1 {
							t.Fatalf("iterationInTest %d did not run", i)
						}
					}
					for i := range inTest {
						if i >= uint64(c.iterations) {
							t.Fatalf("iterationInTest %d is beyond the test's %d iterations", i, c.iterations)
						}
					}
				}
				if len(vuOwner) > c.vus || (c.arrival == 0 && len(vuOwner) != c.vus) {
					t.Fatalf("%d distinct VUs ran, want %d", len(vuOwner), c.vus)
				}
				for id := range vuOwner {
					if id < 1 || id > uint64(c.vus) {
						t.Fatalf("VU idInTest %d is outside 1..%d", id, c.vus)
					}
				}
				if c.arrival > 0 {
					// The instances started at nearly the same time: global iteration i is due
					// i*interval after the first, whichever instance runs it.
					for _, h := range hs {
						for _, it := range h.of("s") {
							want := time.Duration(it.inTest) * c.arrival
							if got := it.scheduled.Sub(base); (got - want).Abs() > 30*time.Millisecond {
								t.Fatalf("iteration %d due at %s, want %s", it.inTest, got, want)
							}
						}
					}
				}
			})
		}
	}
}

func TestArrivalRateWithoutAVUInTheSegmentWarns(t *testing.T) {
	var log strings.Builder
	o, err := options.Parse([]byte(`{"scenarios": {"s": {"executor": "constant-arrival-rate", "rate": 10, "duration": "1s", "preAllocatedVUs": 1}}}`))
	if err != nil {
		t.Fatal(err)
	}
	seg, _ := segment.ParseSegment("1/2:1")
	_, err = NewScheduler(Config{
		Scenarios: o.Scenarios, Segment: seg,
		NewVU:    func(context.Context, uint64, uint64) (VU, error) { return nil, nil },
		Builtins: metrics.RegisterBuiltins(metrics.NewRegistry()), Collector: metrics.CollectorFunc(func(...metrics.Sample) {}),
		Logger: slog.New(slog.NewTextHandler(&log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "no VU for the scenario") || !strings.Contains(log.String(), "scenario=s") {
		t.Fatalf("no warning logged: %q", log.String())
	}
}
