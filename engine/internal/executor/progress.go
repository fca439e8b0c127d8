package executor

import (
	"fmt"
	"time"

	"spate.local/engine/internal/options"
)

// ScenarioProgress is one scenario's state, for a live progress line.
type ScenarioProgress struct {
	Name     string
	Executor string
	// Started and Done say whether the scenario has begun and ended.
	Started, Done bool
	// Elapsed since the scenario started; Planned is how long it schedules iterations (for
	// per-vu-iterations and shared-iterations: at most, their maxDuration).
	Elapsed, Planned time.Duration
	// Fraction is its progress from 0 to 1 (by time, or by iterations for the iteration-count
	// executors).
	Fraction float64
	// ActiveVUs run the scenario now.
	ActiveVUs int64
	// Iterations completed, interrupted (by gracefulStop, gracefulRampDown or the end of the
	// test), and dropped (no free VU at their scheduled start).
	Iterations, Interrupted, Dropped uint64
}

// Progress returns every scenario's state, in start order.
func (s *Scheduler) Progress() []ScenarioProgress {
	now := time.Now()
	out := make([]ScenarioProgress, 0, len(s.runs))
	for _, r := range s.runs {
		p := ScenarioProgress{
			Name: r.opts.Name, Executor: r.opts.Executor, Planned: r.opts.PlannedDuration(),
			ActiveVUs: r.active.Load(), Iterations: r.completed.Load(),
			Interrupted: r.interrupted.Load(), Dropped: r.dropped.Load(),
			Fraction: r.fraction(now),
		}
		if started := r.startedAt.Load(); started != 0 {
			p.Started = true
			end := now
			if ended := r.endedAt.Load(); ended != 0 {
				p.Done = true
				end = time.Unix(0, ended)
			}
			p.Elapsed = end.Sub(time.Unix(0, started))
		}
		out = append(out, p)
	}
	return out
}

// Elapsed is the time since Run started (0 before).
func (s *Scheduler) Elapsed() time.Duration {
	started := s.started.Load()
	if started == 0 {
		return 0
	}
	return time.Since(time.Unix(0, started))
}

// String is the scenario's progress line, e.g.
// "load  [ 45%] 20 VUs  27.0s/1m0s  1234 complete, 0 interrupted, 5 dropped".
func (p ScenarioProgress) String() string {
	state := fmt.Sprintf("[%3.0f%%]", 100*p.Fraction)
	switch {
	case !p.Started:
		state = "[waiting]"
	case p.Done:
		state = "[done]"
	}
	line := fmt.Sprintf("%s  %s %d VUs  %s/%s  %d complete, %d interrupted", p.Name, state, p.ActiveVUs,
		p.Elapsed.Truncate(100*time.Millisecond), p.Planned, p.Iterations, p.Interrupted)
	if p.Executor == options.ConstantArrivalRate || p.Executor == options.RampingArrivalRate {
		line += fmt.Sprintf(", %d dropped", p.Dropped)
	}
	return line
}

// InstanceState is what the script reads as exec.instance.
type InstanceState struct {
	VUsActive             int64
	VUsInitialized        uint64
	IterationsCompleted   uint64
	IterationsInterrupted uint64
	// CurrentTestRunDuration is the time since Run started.
	CurrentTestRunDuration time.Duration
}

// Instance returns this instance's state now (exec.instance).
func (s *Scheduler) Instance() InstanceState {
	st := InstanceState{VUsActive: s.active.Load(), VUsInitialized: s.pool.initialized(), CurrentTestRunDuration: s.Elapsed()}
	for _, r := range s.runs {
		st.IterationsCompleted += r.completed.Load()
		st.IterationsInterrupted += r.interrupted.Load()
	}
	return st
}
