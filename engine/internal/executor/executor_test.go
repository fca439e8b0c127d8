package executor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"spate.local/engine/internal/exitcode"
)

// within reports whether d is in [lo, hi].
func within(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }

func TestExecutorsStartIterationsOnSchedule(t *testing.T) {
	cases := []struct {
		name    string
		options string
		iterate time.Duration
		check   func(t *testing.T, h *harness, start time.Time)
	}{
		{
			name:    "constant-vus loops 3 VUs for the duration",
			options: `{"scenarios": {"s": {"executor": "constant-vus", "vus": 3, "duration": "1s"}}}`,
			iterate: 100 * time.Millisecond,
			check: func(t *testing.T, h *harness, start time.Time) {
				its := h.of("s")
				if len(its) < 18 || len(its) > 33 {
					t.Errorf("%d iterations, want about 30", len(its))
				}
				vus := map[uint64]int{}
				for _, it := range its {
					vus[it.vu]++
					if it.at.Sub(start) > time.Second+20*time.Millisecond {
						t.Errorf("an iteration started at %s, after the 1s duration", it.at.Sub(start))
					}
				}
				if len(vus) != 3 {
					t.Errorf("iterations ran on %d VUs, want 3", len(vus))
				}
			},
		},
		{
			name:    "per-vu-iterations runs each VU's iterations",
			options: `{"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 3, "iterations": 4}}}`,
			iterate: 10 * time.Millisecond,
			check: func(t *testing.T, h *harness, _ time.Time) {
				vus := map[uint64]int{}
				for _, it := range h.of("s") {
					vus[it.vu]++
				}
				if len(vus) != 3 || vus[1] != 4 || vus[2] != 4 || vus[3] != 4 {
					t.Errorf("iterations per VU = %v, want 4 on each of 3", vus)
				}
			},
		},
		{
			name:    "shared-iterations runs the total exactly once across its VUs",
			options: `{"scenarios": {"s": {"executor": "shared-iterations", "vus": 4, "iterations": 50}}}`,
			iterate: 2 * time.Millisecond,
			check: func(t *testing.T, h *harness, _ time.Time) {
				its := h.of("s")
				seen := map[uint64]bool{}
				for _, it := range its {
					if seen[it.inTest] || it.inTest >= 50 {
						t.Errorf("iteration %d ran twice or is out of range", it.inTest)
					}
					seen[it.inTest] = true
				}
				if len(its) != 50 {
					t.Errorf("%d iterations, want 50", len(its))
				}
			},
		},
		{
			name:    "constant-arrival-rate starts 51 iterations 20ms apart over 1s",
			options: `{"scenarios": {"s": {"executor": "constant-arrival-rate", "rate": 50, "duration": "1s", "preAllocatedVUs": 30}}}`,
			iterate: 5 * time.Millisecond,
			check: func(t *testing.T, h *harness, start time.Time) {
				its := h.of("s")
				// A stall of the machine longer than the VUs can absorb drops some.
				if dropped, _, _ := h.sum(h.builtins.DroppedIterations); len(its)+int(dropped) != 51 || dropped > 5 {
					t.Fatalf("%d iterations and %v dropped, want 51 (one at 0 and one at the end)", len(its), dropped)
				}
				late := 0
				for _, it := range its {
					if want := time.Duration(it.inTest) * 20 * time.Millisecond; it.scheduled.Sub(start).Round(10*time.Millisecond) != want {
						t.Fatalf("iteration %d scheduled at %s, want %s", it.inTest, it.scheduled.Sub(start), want)
					}
					if d := it.at.Sub(it.scheduled); d < 0 || d > 50*time.Millisecond {
						late++
					}
				}
				if late > 2 {
					t.Errorf("%d iterations started over 50ms after their schedule", late)
				}
				if n, c, _ := h.sum(h.builtins.IterationStartDelay); c != len(its) || n < 0 {
					t.Errorf("%d iteration_start_delay samples, want one per started iteration", c)
				}
			},
		},
		{
			name:    "ramping-arrival-rate follows the integral of a rising rate",
			options: `{"scenarios": {"s": {"executor": "ramping-arrival-rate", "startRate": 0, "stages": [{"duration": "1s", "target": 100}, {"duration": "500ms", "target": 100}], "preAllocatedVUs": 30}}}`,
			iterate: 2 * time.Millisecond,
			check: func(t *testing.T, h *harness, start time.Time) {
				its := h.of("s")
				if dropped, _, _ := h.sum(h.builtins.DroppedIterations); len(its)+int(dropped) != 100 || dropped > 5 {
					t.Fatalf("%d iterations and %v dropped, want 50 in the ramp and 50 in the hold", len(its), dropped)
				}
				first := 0
				for _, it := range its {
					if it.scheduled.Sub(start) < time.Second {
						first++
					}
				}
				if first < 45 || first > 51 {
					t.Errorf("%d iterations in the 1s ramp, want 50", first)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.options, "", "", sleepFor(c.iterate))
			start, err := h.run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, h, start)
			p := h.sched.Progress()[0]
			if !p.Done || p.Fraction != 1 || p.ActiveVUs != 0 {
				t.Errorf("progress after the run = %+v, want done", p)
			}
			if n, _, _ := h.sum(h.builtins.Iterations); int(n) != len(h.of("s")) || uint64(n) != p.Iterations {
				t.Errorf("iterations metric %v, progress %d, recorded %d", n, p.Iterations, len(h.of("s")))
			}
		})
	}
}

func TestArrivalRateDropsIterationsWithoutAFreeVU(t *testing.T) {
	cases := []struct {
		name          string
		pre, max      int
		wantMaxVUs    int
		wantSomeDrops bool
	}{
		{"with maxVUs equal to preAllocatedVUs, iterations are dropped", 2, 2, 2, true},
		{"with room to grow, VUs are added up to maxVUs", 1, 8, 8, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// 100/s for 1s with 100ms iterations needs about 10 VUs.
			h := newHarness(t, fmt.Sprintf(`{"scenarios": {"s": {"executor": "constant-arrival-rate", "rate": 100, "duration": "1s", "preAllocatedVUs": %d, "maxVUs": %d, "tags": {"kind": "load"}}}}`, c.pre, c.max), "", "", sleepFor(100*time.Millisecond))
			if _, err := h.run(context.Background()); err != nil {
				t.Fatal(err)
			}
			ran := len(h.of("s"))
			dropped, _, last := h.sum(h.builtins.DroppedIterations)
			if ran+int(dropped) != 101 {
				t.Fatalf("%d started + %v dropped, want 101 scheduled", ran, dropped)
			}
			if c.wantSomeDrops && dropped == 0 {
				t.Fatalf("no iteration was dropped")
			}
			if v, _ := last.Tags.Get("scenario"); v != "s" {
				t.Errorf("dropped_iterations tagged %v, want scenario s", last.Tags.Map())
			}
			if v, _ := last.Tags.Get("kind"); v != "load" {
				t.Errorf("dropped_iterations lacks the scenario's tags: %v", last.Tags.Map())
			}
			if p := h.sched.Progress()[0]; p.Dropped != uint64(dropped) {
				t.Errorf("progress shows %d dropped, metric %v", p.Dropped, dropped)
			}
			inInstance := map[uint64]bool{}
			for _, it := range h.of("s") {
				inInstance[it.inInstance] = true
			}
			for k := 0; k < ran; k++ {
				if !inInstance[uint64(k)] {
					t.Fatalf("iterationInInstance %d is missing: started iterations are not numbered 0 to %d", k, ran-1)
				}
			}
			vus := map[uint64]bool{}
			for _, it := range h.of("s") {
				vus[it.vu] = true
			}
			if len(vus) != c.wantMaxVUs || int(h.inits.Load()) != c.wantMaxVUs {
				t.Errorf("iterations ran on %d VUs (%d initialized), want %d", len(vus), h.inits.Load(), c.wantMaxVUs)
			}
		})
	}
}

func TestGracefulStopAndStartTime(t *testing.T) {
	h := newHarness(t, `{"scenarios": {
		"first": {"executor": "constant-vus", "vus": 1, "duration": "300ms", "gracefulStop": "200ms"},
		"later": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1, "startTime": "400ms"}
	}}`, "", "", func(ctx context.Context, it *Iteration) error {
		if it.Scenario.Name == "later" {
			return nil
		}
		return sleepFor(2*time.Second)(ctx, it) // longer than duration + gracefulStop
	})
	start, err := h.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Run("an iteration running past the duration is interrupted after gracefulStop", func(t *testing.T) {
		first := h.of("first")
		if len(first) != 1 || !errors.Is(first[0].err, context.DeadlineExceeded) {
			t.Fatalf("iterations of first = %+v, want one interrupted", first)
		}
		if p := h.sched.Progress()[0]; p.Interrupted != 1 || p.Iterations != 0 {
			t.Fatalf("progress = %+v, want 1 interrupted", p)
		}
		if !within(took, 450*time.Millisecond, 1500*time.Millisecond) {
			t.Fatalf("the run took %s, want about 500ms", took)
		}
	})
	t.Run("the instance state counts the iterations of every scenario", func(t *testing.T) {
		st := h.sched.Instance()
		if st.IterationsCompleted != 1 || st.IterationsInterrupted != 1 || st.VUsActive != 0 || st.VUsInitialized != 2 || st.CurrentTestRunDuration < took {
			t.Fatalf("instance state %+v", st)
		}
	})
	t.Run("a scenario starts at its startTime, on a VU the pool already has", func(t *testing.T) {
		later := h.of("later")
		if len(later) != 1 || !within(later[0].at.Sub(start), 390*time.Millisecond, 700*time.Millisecond) {
			t.Fatalf("later started %v after the run", later[0].at.Sub(start))
		}
		// first holds its VU until 500ms (gracefulStop included), so two VUs are needed.
		if h.sched.InitialVUs() != 2 || h.inits.Load() != 2 {
			t.Fatalf("%d VUs planned, %d initialized, want 2", h.sched.InitialVUs(), h.inits.Load())
		}
	})
}

func TestScenariosShareTheVUPool(t *testing.T) {
	h := newHarness(t, `{"scenarios": {
		"a": {"executor": "per-vu-iterations", "vus": 3, "iterations": 1, "maxDuration": "200ms", "gracefulStop": "0s"},
		"b": {"executor": "shared-iterations", "vus": 3, "iterations": 3, "startTime": "300ms"}
	}}`, "", "", sleepFor(10*time.Millisecond))
	if _, err := h.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Run("a later scenario reuses the VUs of one that ended", func(t *testing.T) {
		if h.sched.InitialVUs() != 3 || h.inits.Load() != 3 || h.sched.MaxVUs() != 3 {
			t.Fatalf("planned %d, max %d, initialized %d VUs, want 3", h.sched.InitialVUs(), h.sched.MaxVUs(), h.inits.Load())
		}
		for _, it := range h.of("b") {
			if it.vu < 1 || it.vu > 3 {
				t.Fatalf("b ran on VU %d", it.vu)
			}
		}
	})
}

func TestRampingVUsFollowsItsStages(t *testing.T) {
	h := newHarness(t, `{"scenarios": {"s": {"executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "0s",
		"stages": [{"duration": "800ms", "target": 4}, {"duration": "800ms", "target": 4}, {"duration": "800ms", "target": 0}]}}}`,
		"", "", sleepFor(20*time.Millisecond))
	type sample struct {
		at     time.Duration
		active int64
	}
	var seen []sample
	done := make(chan struct{})
	ctx := context.Background()
	if err := h.sched.Init(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	go func() {
		defer close(done)
		if err := h.sched.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	for _, at := range []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 1200 * time.Millisecond, 2000 * time.Millisecond, 2300 * time.Millisecond} {
		time.Sleep(time.Until(start.Add(at)))
		seen = append(seen, sample{at, h.sched.Progress()[0].ActiveVUs})
	}
	<-done
	// The count steps up by one at 200, 400, 600 and 800ms, and down at 1800, 2000, 2200, 2400ms.
	want := []struct{ lo, hi int64 }{{0, 1}, {2, 3}, {4, 4}, {1, 3}, {0, 1}}
	for i, s := range seen {
		t.Run(fmt.Sprintf("at %s the active VUs are %d to %d", s.at, want[i].lo, want[i].hi), func(t *testing.T) {
			if s.active < want[i].lo || s.active > want[i].hi {
				t.Fatalf("%d active VUs", s.active)
			}
		})
	}
	t.Run("the peak of 4 VUs is planned and no more", func(t *testing.T) {
		if h.sched.MaxVUs() != 4 || h.inits.Load() != 4 {
			t.Fatalf("max %d, initialized %d", h.sched.MaxVUs(), h.inits.Load())
		}
	})
}

func TestRampingVUsInterruptsAfterGracefulRampDown(t *testing.T) {
	h := newHarness(t, `{"scenarios": {"s": {"executor": "ramping-vus", "startVUs": 2, "gracefulRampDown": "100ms", "gracefulStop": "1s",
		"stages": [{"duration": "100ms", "target": 1}, {"duration": "600ms", "target": 1}]}}}`,
		"", "", sleepFor(400*time.Millisecond))
	start, err := h.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var interrupted, completed int
	for _, it := range h.of("s") {
		if it.err != nil {
			interrupted++
			if it.vu != 2 {
				t.Errorf("VU %d was interrupted, want the second (the one above the target)", it.vu)
			}
		} else {
			completed++
		}
	}
	t.Run("the VU above the target is interrupted after gracefulRampDown", func(t *testing.T) {
		if interrupted != 1 {
			t.Fatalf("%d interrupted iterations, want 1", interrupted)
		}
	})
	t.Run("the remaining VU finishes its last iteration within gracefulStop", func(t *testing.T) {
		// 400ms iterations from 0: at 0 and 400ms; the second ends at 800ms, after the 600ms end.
		if completed != 2 || !within(time.Since(start), 750*time.Millisecond, 1500*time.Millisecond) {
			t.Fatalf("%d completed in %s, want 2 in about 800ms", completed, time.Since(start))
		}
	})
}

func TestAbortEndsTheRun(t *testing.T) {
	abort := exitcode.New(exitcode.ScriptAborted, "test aborted: enough")
	h := newHarness(t, `{"scenarios": {
		"a": {"executor": "constant-vus", "vus": 2, "duration": "10s"},
		"b": {"executor": "constant-arrival-rate", "rate": 100, "duration": "10s", "preAllocatedVUs": 2}
	}}`, "", "", func(ctx context.Context, it *Iteration) error {
		if it.Scenario.Name == "a" && it.InInstance == 5 {
			return abort
		}
		return sleepFor(20*time.Millisecond)(ctx, it)
	})
	start, err := h.run(context.Background())
	t.Run("Run returns the VU's abort error", func(t *testing.T) {
		if !errors.Is(err, abort) || exitcode.Of(err) != exitcode.ScriptAborted {
			t.Fatalf("Run = %v, want the abort", err)
		}
	})
	t.Run("the other scenarios stop at once", func(t *testing.T) {
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("Run took %s after the abort", took)
		}
	})
}

func TestRunStopsWhenItsContextEnds(t *testing.T) {
	h := newHarness(t, `{"scenarios": {"a": {"executor": "constant-vus", "vus": 2, "duration": "10s"}}}`, "", "", sleepFor(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start, err := h.run(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("Run = %v after %s, want the context's error soon", err, time.Since(start))
	}
	for _, it := range h.of("a") {
		if it.err == nil {
			t.Fatalf("an iteration completed although it was cut short")
		}
	}
}

func TestInitInitializesVUsInParallel(t *testing.T) {
	h := newHarness(t, `{"scenarios": {"a": {"executor": "per-vu-iterations", "vus": 8}}}`, "", "", sleepFor(0))
	h.initWait = 50 * time.Millisecond
	if err := h.sched.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := int64(min(runtime.GOMAXPROCS(0), 8))
	if h.inits.Load() != 8 || h.initPeak.Load() != want {
		t.Fatalf("%d VUs initialized, at most %d at once; want 8, %d at once", h.inits.Load(), h.initPeak.Load(), want)
	}
	if _, _, last := h.sum(h.builtins.VUsMax); last.Value != 8 {
		t.Fatalf("vus_max = %v after Init, want 8", last.Value)
	}
}

func TestGaugesAreEmittedEverySecond(t *testing.T) {
	h := newHarness(t, `{"scenarios": {"a": {"executor": "constant-vus", "vus": 3, "duration": "2100ms"}}}`, "", "", sleepFor(50*time.Millisecond))
	if _, err := h.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	vus := h.values(h.builtins.VUs)
	// After Init, at 1s, at 2s and at the end.
	if len(vus) < 3 || len(vus) > 5 {
		t.Fatalf("%d vus samples: %v", len(vus), vus)
	}
	peak := 0.0
	for _, v := range vus {
		peak = max(peak, v)
	}
	if vus[len(vus)-1] != 0 || peak != 3 {
		t.Fatalf("vus samples %v: want 3 while running and 0 at the end", vus)
	}
	if maxes := h.values(h.builtins.VUsMax); len(maxes) != len(vus) || maxes[len(maxes)-1] != 3 {
		t.Fatalf("vus_max samples %v: want one per vus sample, 3 at the end", maxes)
	}
}

func TestVUInitFailures(t *testing.T) {
	broken := errors.New("init failed: SyntaxError")
	cases := []struct {
		name    string
		options string
		failAt  int64 // the n-th NewVU call fails
		inInit  bool
	}{
		{"a VU failing in Init fails Init", `{"scenarios": {"a": {"executor": "constant-vus", "vus": 3, "duration": "1s"}}}`, 2, true},
		{"a VU failing while an arrival rate grows ends the run with its error", `{"scenarios": {"a": {"executor": "constant-arrival-rate", "rate": 50, "duration": "5s", "preAllocatedVUs": 1, "maxVUs": 5}}}`, 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.options, "", "", sleepFor(100*time.Millisecond))
			next := h.sched.pool.newVU
			var calls atomic.Int64
			h.sched.pool.newVU = func(ctx context.Context, a, b uint64) (VU, error) {
				if calls.Add(1) == c.failAt {
					return nil, broken
				}
				return next(ctx, a, b)
			}
			if c.inInit {
				h.sched.pool.newVU = func(ctx context.Context, a, b uint64) (VU, error) {
					if a == uint64(c.failAt) {
						return nil, broken
					}
					return next(ctx, a, b)
				}
			}
			err := h.sched.Init(context.Background())
			if c.inInit {
				if !errors.Is(err, broken) {
					t.Fatalf("Init = %v, want the VU's error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = h.sched.Run(context.Background())
			if !errors.Is(err, broken) || !strings.Contains(err.Error(), "scenario a") || time.Since(start) > 2*time.Second {
				t.Fatalf("Run = %v after %s, want the VU's error naming the scenario, soon", err, time.Since(start))
			}
		})
	}
}

func TestIterationExecutorsDropWhatMaxDurationCutsOff(t *testing.T) {
	cases := []struct {
		name    string
		options string
		ran     int
		planned int
	}{
		// 100ms iterations within 250ms: each VU starts 3 (at 0, 100 and 200ms).
		{"per-vu-iterations drops each VU's iterations left at maxDuration", `{"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 2, "iterations": 10, "maxDuration": "250ms"}}}`, 6, 20},
		{"shared-iterations drops the shared iterations left at maxDuration", `{"scenarios": {"s": {"executor": "shared-iterations", "vus": 2, "iterations": 10, "maxDuration": "250ms"}}}`, 6, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.options, "", "", sleepFor(100*time.Millisecond))
			if _, err := h.run(context.Background()); err != nil {
				t.Fatal(err)
			}
			ran := len(h.of("s"))
			dropped, _, _ := h.sum(h.builtins.DroppedIterations)
			if ran+int(dropped) != c.planned || ran < 4 || ran > 6 {
				t.Fatalf("%d ran and %v dropped, want about %d and the rest of %d", ran, dropped, c.ran, c.planned)
			}
			if p := h.sched.Progress()[0]; p.Dropped != uint64(dropped) {
				t.Fatalf("progress shows %d dropped, the metric %v", p.Dropped, dropped)
			}
		})
	}
}
