package executor

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/options"
)

// run is one scenario while the test runs: its plan for this instance and its counters.
type run struct {
	sched    *Scheduler
	opts     *options.Scenario
	scenario *Scenario
	tags     *metrics.TagSet
	exec     executor

	initialVUs int // VUs it takes from the pool when it starts
	maxVUs     int // VUs it may hold at most

	startedAt   atomic.Int64 // UnixNano; 0 before it starts
	endedAt     atomic.Int64 // UnixNano; 0 before it ends
	active      atomic.Int64
	nextIter    atomic.Uint64 // next InInstance for executors without a fixed order
	completed   atomic.Uint64
	interrupted atomic.Uint64
	dropped     atomic.Uint64
}

// executor is one executor's schedule for one scenario in this instance.
type executor interface {
	// vus are the VUs it needs at its start and at most (this instance's share).
	vus() (initial, most int)
	// execute runs the scenario from now on, with VUs from r's pool, until it ends.
	execute(ctx context.Context, r *run) error
	// progress is how far the scenario is, from 0 to 1, elapsed since its start.
	progress(r *run, elapsed time.Duration) float64
}

func newRun(s *Scheduler, o *options.Scenario) (*run, error) {
	tags := s.cfg.Tags.Merge(metrics.NewTagSet(o.Tags)).With("scenario", o.Name)
	r := &run{sched: s, opts: o, tags: tags}
	var err error
	r.exec, err = newExecutor(o, s.striping)
	if err != nil {
		return nil, err
	}
	r.initialVUs, r.maxVUs = r.exec.vus()
	r.scenario = &Scenario{
		Name: o.Name, Executor: o.Executor, Exec: o.Exec, Env: o.Env, Tags: tags,
		Progress: func() float64 { return r.fraction(time.Now()) },
	}
	return r, nil
}

func (r *run) execute(ctx context.Context) error {
	now := time.Now()
	r.scenario.StartTime = now
	r.startedAt.Store(now.UnixNano())
	defer func() { r.endedAt.Store(time.Now().UnixNano()) }()
	return r.exec.execute(ctx, r)
}

// fraction is the scenario's progress at now.
func (r *run) fraction(now time.Time) float64 {
	started := r.startedAt.Load()
	if started == 0 {
		return 0
	}
	if r.endedAt.Load() != 0 {
		return 1
	}
	return min(1, max(0, r.exec.progress(r, now.Sub(time.Unix(0, started)))))
}

// iterate runs one iteration on vu and counts it. It returns false when the error ends the test
// (the scheduler has been told), true otherwise (completed or interrupted).
func (r *run) iterate(ctx context.Context, vu VU, it *Iteration) bool {
	start := time.Now()
	err := vu.RunIteration(ctx, it)
	switch {
	case err == nil:
		r.completed.Add(1)
		if r.sched.cfg.EmitIterationMetrics {
			b := r.sched.cfg.Builtins
			r.sched.cfg.Collector.Collect(
				metrics.Sample{Metric: b.Iterations, Tags: r.tags, Time: time.Now(), Value: 1},
				metrics.Sample{Metric: b.IterationDuration, Tags: r.tags, Time: time.Now(), Value: float64(time.Since(start)) / float64(time.Millisecond)},
			)
		}
		return true
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		r.interrupted.Add(1)
		return true
	}
	r.sched.fail(err)
	return false
}

// iteration returns the next iteration of an executor that numbers them as VUs start them:
// InTest is the striping's index of InInstance, unique across instances.
func (r *run) iteration() *Iteration {
	k := r.nextIter.Add(1) - 1
	return &Iteration{Scenario: r.scenario, InInstance: k, InTest: r.sched.striping.IndexAt(k)}
}

// hold marks a VU as running this scenario (the vus gauge) until the returned func is called.
func (r *run) hold() func() {
	r.active.Add(1)
	r.sched.active.Add(1)
	return func() {
		r.active.Add(-1)
		r.sched.active.Add(-1)
	}
}

// drop counts an iteration that found no free VU.
func (r *run) drop(now time.Time) {
	r.dropped.Add(1)
	r.sched.cfg.Collector.Collect(metrics.Sample{Metric: r.sched.cfg.Builtins.DroppedIterations, Tags: r.tags, Time: now, Value: 1})
}

// deadlines returns the contexts of a scenario that stops starting iterations at end: starting
// ends then, and iterations are interrupted gracefulStop later.
func (r *run) deadlines(ctx context.Context, end time.Time) (starting, iterations context.Context, cancel func()) {
	starting, cancelStarting := context.WithDeadline(ctx, end)
	iterations, cancelIterations := context.WithDeadline(ctx, end.Add(r.opts.GracefulStop))
	return starting, iterations, func() { cancelStarting(); cancelIterations() }
}
