package executor

import (
	"context"
	"sync"
	"time"

	"spate.local/engine/internal/options"
	"spate.local/engine/internal/segment"
)

// rampingVUs changes the number of looping VUs over stages (k6's ramping-vus). Within a stage
// the target moves linearly from the previous target to the stage's: the global VU count steps
// by one each time the line crosses a whole number, and this instance runs the VUs of its
// segment among them. A VU above the target starts no new iteration; its current one gets
// gracefulRampDown to end before it is interrupted.
type rampingVUs struct {
	start    int      // this instance's VUs at the start
	peak     int      // and at most
	steps    []vuStep // when this instance's count changes
	total    time.Duration
	rampDown time.Duration
}

type vuStep struct {
	at  time.Duration
	vus int
}

func newRampingVUs(o *options.Scenario, st *segment.Striping) *rampingVUs {
	e := &rampingVUs{rampDown: o.GracefulRampDown}
	global := o.StartVUs
	e.start = int(st.CountInt(global))
	e.peak = e.start
	last := e.start
	for _, stage := range o.Stages {
		e.total += stage.Duration
	}
	var at time.Duration
	add := func(t time.Duration, v int64) {
		if t >= e.total {
			return // no iteration starts at or after the end: a VU added then would idle
		}
		local := int(st.CountInt(v))
		if local != last {
			e.steps = append(e.steps, vuStep{at: t, vus: local})
			last = local
			e.peak = max(e.peak, local)
		}
	}
	for _, stage := range o.Stages {
		from, to := global, stage.Target
		change := to - from
		if change < 0 {
			change = -change
		}
		for k := int64(1); k <= change; k++ {
			t := at + time.Duration(float64(stage.Duration)*float64(k)/float64(change))
			v := from + k
			if to < from {
				v = from - k
			}
			add(t, v)
		}
		global = to
		at += stage.Duration
	}
	return e
}

func (e *rampingVUs) vus() (int, int) { return e.peak, e.peak }

func (e *rampingVUs) progress(_ *run, elapsed time.Duration) float64 {
	return float64(elapsed) / float64(e.total)
}

func (e *rampingVUs) execute(ctx context.Context, r *run) error {
	if e.peak == 0 {
		return nil
	}
	vus, err := r.sched.pool.take(ctx, e.peak)
	if err != nil {
		return errScenario(r.opts.Name, err)
	}
	defer r.sched.pool.put(vus...)
	start := r.scenario.StartTime
	starting, iterations, cancel := r.deadlines(ctx, start.Add(e.total))
	defer cancel()
	var wg sync.WaitGroup
	slots := make([]*vuSlot, len(vus))
	for k, vu := range vus {
		slots[k] = &vuSlot{vu: vu, r: r, wg: &wg, starting: starting, iterations: iterations, rampDown: e.rampDown}
	}
	current := 0
	setTarget := func(n int) {
		for k := current; k < n; k++ {
			slots[k].activate()
		}
		for k := n; k < current; k++ {
			slots[k].deactivate()
		}
		current = n
	}
	setTarget(e.start)
	for _, st := range e.steps {
		if !sleepUntil(starting, start.Add(st.at)) {
			break
		}
		setTarget(st.vus)
	}
	<-starting.Done()
	wg.Wait()
	for _, sl := range slots {
		sl.stopTimer()
	}
	return nil
}

// vuSlot is one of a ramping-vus scenario's VUs, switched on and off as the target moves.
type vuSlot struct {
	vu                   VU
	r                    *run
	wg                   *sync.WaitGroup
	starting, iterations context.Context
	rampDown             time.Duration

	mu      sync.Mutex
	want    bool // the target includes this VU
	running bool // its goroutine runs
	gen     uint64
	cancel  context.CancelFunc // interrupts the current iteration
	timer   *time.Timer
}

func (s *vuSlot) activate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.want = true
	s.gen++ // a pending ramp-down no longer applies
	if s.running {
		return
	}
	s.running = true
	s.wg.Add(1)
	go s.loop()
}

func (s *vuSlot) deactivate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.want = false
	s.gen++
	if !s.running {
		return
	}
	gen := s.gen
	s.timer = time.AfterFunc(s.rampDown, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.gen == gen && s.cancel != nil {
			s.cancel()
		}
	})
}

func (s *vuSlot) stopTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
}

func (s *vuSlot) loop() {
	defer s.wg.Done()
	defer s.r.hold()()
	for {
		s.mu.Lock()
		if !s.want || s.starting.Err() != nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		ctx, cancel := context.WithCancel(s.iterations)
		s.cancel = cancel
		s.mu.Unlock()
		ok := s.r.iterate(ctx, s.vu, s.r.iteration())
		cancel()
		if !ok {
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
			return
		}
	}
}
