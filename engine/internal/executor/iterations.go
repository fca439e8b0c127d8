package executor

import (
	"context"
	"sync"
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/segment"
)

// perVUIterations has each of n VUs run the same number of iterations, within maxDuration
// (k6's per-vu-iterations).
type perVUIterations struct {
	n           int
	iterations  uint64
	maxDuration time.Duration
}

func (e *perVUIterations) vus() (int, int) { return e.n, e.n }

func (e *perVUIterations) progress(r *run, _ time.Duration) float64 {
	if e.n == 0 {
		return 1
	}
	return float64(r.completed.Load()+r.interrupted.Load()) / float64(uint64(e.n)*e.iterations)
}

func (e *perVUIterations) execute(ctx context.Context, r *run) error {
	var slot uint64
	planned := uint64(e.n) * e.iterations
	return runIterations(ctx, r, e.n, e.maxDuration, planned, r.nextIter.Load, func() func() *Iteration {
		// The VU's j-th iteration is number g*iterations+j in the test, g being the VU's
		// index among the scenario's VUs in the whole test: the instances' numbers are then
		// exactly 0 to vus*iterations-1.
		g := r.sched.striping.IndexAt(slot)
		slot++
		var j uint64
		return func() *Iteration {
			if j == e.iterations {
				return nil
			}
			it := &Iteration{Scenario: r.scenario, InInstance: r.nextIter.Add(1) - 1, InTest: g*e.iterations + j}
			j++
			return it
		}
	})
}

// sharedIterations has n VUs take a total of iterations from a shared count, within
// maxDuration (k6's shared-iterations): a faster VU runs more of them. In a segmented test an
// instance takes the global iterations i whose i mod vus is one of its VU slots, so the
// instances together run each iteration exactly once, and one without a VU runs none.
type sharedIterations struct {
	n           int
	total       uint64 // this instance's iterations
	slots       []uint64
	allVUs, all uint64 // the whole test's VUs and iterations
	maxDuration time.Duration
}

func newSharedIterations(vus, iterations int64, maxDuration time.Duration, st *segment.Striping) *sharedIterations {
	e := &sharedIterations{n: int(st.CountInt(vus)), allVUs: uint64(vus), all: uint64(iterations), maxDuration: maxDuration}
	for k := 0; k < e.n; k++ {
		e.slots = append(e.slots, st.IndexAt(uint64(k)))
	}
	if e.n > 0 {
		full := e.all / e.allVUs * uint64(e.n)
		for _, g := range e.slots {
			if g < e.all%e.allVUs {
				full++
			}
		}
		e.total = full
	}
	return e
}

// global is the test-wide number of the instance's k-th iteration.
func (e *sharedIterations) global(k uint64) uint64 {
	n := uint64(len(e.slots))
	return k/n*e.allVUs + e.slots[k%n]
}

func (e *sharedIterations) vus() (int, int) { return e.n, e.n }

func (e *sharedIterations) progress(r *run, _ time.Duration) float64 {
	if e.total == 0 {
		return 1
	}
	return float64(r.completed.Load()+r.interrupted.Load()) / float64(e.total)
}

func (e *sharedIterations) execute(ctx context.Context, r *run) error {
	next := func() *Iteration {
		k := r.nextIter.Add(1) - 1
		if k >= e.total {
			return nil
		}
		return &Iteration{Scenario: r.scenario, InInstance: k, InTest: e.global(k)}
	}
	started := func() uint64 { return min(r.nextIter.Load(), e.total) }
	return runIterations(ctx, r, e.n, e.maxDuration, e.total, started, func() func() *Iteration { return next })
}

// runIterations runs n VUs, each taking iterations from its own next (made by perVU), until
// they have none left or maxDuration (plus gracefulStop) is over. The planned iterations that
// did not start within maxDuration are counted in dropped_iterations, as k6 does.
func runIterations(ctx context.Context, r *run, n int, maxDuration time.Duration, planned uint64, started func() uint64, perVU func() func() *Iteration) error {
	if n == 0 {
		return nil
	}
	vus, err := r.sched.pool.take(ctx, n)
	if err != nil {
		return errScenario(r.opts.Name, err)
	}
	defer r.sched.pool.put(vus...)
	starting, iterations, cancel := r.deadlines(ctx, r.scenario.StartTime.Add(maxDuration))
	defer cancel()
	var wg sync.WaitGroup
	for _, vu := range vus {
		wg.Add(1)
		next := perVU()
		go func() {
			defer wg.Done()
			defer r.hold()()
			loop(starting, iterations, r, vu, next)
		}()
	}
	wg.Wait()
	if left := planned - min(started(), planned); left > 0 && ctx.Err() == nil {
		r.dropped.Add(left)
		r.sched.cfg.Collector.Collect(metrics.Sample{Metric: r.sched.cfg.Builtins.DroppedIterations, Tags: r.tags, Time: time.Now(), Value: float64(left)})
	}
	return nil
}
