package executor

import (
	"context"
	"sync"
	"time"
)

// constantVUs runs n looping VUs for a duration (k6's constant-vus).
type constantVUs struct {
	n        int
	duration time.Duration
}

func (e *constantVUs) vus() (int, int) { return e.n, e.n }

func (e *constantVUs) progress(_ *run, elapsed time.Duration) float64 {
	return float64(elapsed) / float64(e.duration)
}

func (e *constantVUs) execute(ctx context.Context, r *run) error {
	if e.n == 0 {
		return nil // this instance's segment has no VU of this scenario
	}
	vus, err := r.sched.pool.take(ctx, e.n)
	if err != nil {
		return errScenario(r.opts.Name, err)
	}
	defer r.sched.pool.put(vus...)
	starting, iterations, cancel := r.deadlines(ctx, r.scenario.StartTime.Add(e.duration))
	defer cancel()
	var wg sync.WaitGroup
	for _, vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.hold()()
			loop(starting, iterations, r, vu, r.iteration)
		}()
	}
	wg.Wait()
	return nil
}

// loop runs iterations on vu until starting ends or next has none left (nil).
func loop(starting, iterations context.Context, r *run, vu VU, next func() *Iteration) {
	for starting.Err() == nil {
		it := next()
		if it == nil || !r.iterate(iterations, vu, it) {
			return
		}
	}
}
