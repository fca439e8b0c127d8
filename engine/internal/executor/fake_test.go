package executor

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/options"
	"spate.local/engine/internal/segment"
)

// started is one iteration as a fake VU saw it.
type started struct {
	scenario   string
	inInstance uint64
	inTest     uint64
	vuInTest   uint64
	vu         uint64
	at         time.Time
	scheduled  time.Time
	err        error // what RunIteration returned
}

// harness runs a Scheduler over fake VUs that record their iterations.
type harness struct {
	t        *testing.T
	sched    *Scheduler
	builtins *metrics.Builtins

	mu       sync.Mutex
	starts   []started
	samples  []metrics.Sample
	iterate  func(ctx context.Context, it *Iteration) error // what an iteration does
	inits    atomic.Int64
	initWait time.Duration
	initBusy atomic.Int64
	initPeak atomic.Int64
}

type fakeVU struct {
	h              *harness
	inInst, inTest uint64
}

func (v *fakeVU) IDInInstance() uint64 { return v.inInst }
func (v *fakeVU) IDInTest() uint64     { return v.inTest }
func (v *fakeVU) RunIteration(ctx context.Context, it *Iteration) error {
	now := time.Now()
	err := v.h.iterate(ctx, it)
	v.h.mu.Lock()
	v.h.starts = append(v.h.starts, started{scenario: it.Scenario.Name, inInstance: it.InInstance, inTest: it.InTest, vu: v.inInst, vuInTest: v.inTest, at: now, scheduled: it.Scheduled, err: err})
	v.h.mu.Unlock()
	return err
}

// sleepFor is an iteration that takes d, or ends early with ctx.Err() when interrupted.
func sleepFor(d time.Duration) func(context.Context, *Iteration) error {
	return func(ctx context.Context, _ *Iteration) error {
		if d == 0 {
			return ctx.Err()
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// newHarness parses options JSON and builds a scheduler for segment seg ("" for the whole test).
func newHarness(t *testing.T, optionsJSON, seg, seq string, iterate func(context.Context, *Iteration) error) *harness {
	t.Helper()
	o, err := options.Parse([]byte(optionsJSON))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, iterate: iterate, builtins: metrics.RegisterBuiltins(metrics.NewRegistry())}
	s, err := segment.ParseSegment(seg)
	if err != nil {
		t.Fatal(err)
	}
	q, err := segment.ParseSequence(seq)
	if err != nil {
		t.Fatal(err)
	}
	h.sched, err = NewScheduler(Config{
		Scenarios: o.Scenarios, Segment: s, Sequence: q,
		NewVU: func(ctx context.Context, idInInstance, idInTest uint64) (VU, error) {
			h.inits.Add(1)
			busy := h.initBusy.Add(1)
			for {
				peak := h.initPeak.Load()
				if busy <= peak || h.initPeak.CompareAndSwap(peak, busy) {
					break
				}
			}
			time.Sleep(h.initWait)
			h.initBusy.Add(-1)
			return &fakeVU{h: h, inInst: idInInstance, inTest: idInTest}, nil
		},
		Builtins: h.builtins,
		Collector: metrics.CollectorFunc(func(samples ...metrics.Sample) {
			h.mu.Lock()
			h.samples = append(h.samples, samples...)
			h.mu.Unlock()
		}),
		Tags:                 metrics.NewTagSet(map[string]string{"testid": "t1"}),
		EmitIterationMetrics: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// run initializes the VUs and runs the test, returning Run's error and when Run started.
func (h *harness) run(ctx context.Context) (time.Time, error) {
	h.t.Helper()
	if err := h.sched.Init(ctx); err != nil {
		h.t.Fatal(err)
	}
	start := time.Now()
	return start, h.sched.Run(ctx)
}

// of returns the recorded iterations of a scenario, by start time.
func (h *harness) of(scenario string) []started {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []started
	for _, s := range h.starts {
		if s.scenario == scenario {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// sum adds the values of a metric's samples.
func (h *harness) sum(m *metrics.Metric) (total float64, count int, last metrics.Sample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.samples {
		if s.Metric == m {
			total += s.Value
			count++
			last = s
		}
	}
	return total, count, last
}

func (h *harness) values(m *metrics.Metric) []float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []float64
	for _, s := range h.samples {
		if s.Metric == m {
			out = append(out, s.Value)
		}
	}
	return out
}
