package executor

import (
	"context"
	"sync"
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/options"
	"spate.local/engine/internal/segment"
)

// arrivalSchedule gives the start of each global iteration of an arrival-rate scenario.
type arrivalSchedule interface {
	// at is when global iteration i starts, from the scenario's start; false past the end.
	at(i uint64) (time.Duration, bool)
	// duration is how long the scenario schedules iterations.
	duration() time.Duration
}

// arrivalRate starts iterations at the times of a schedule, whether or not earlier ones ended
// (k6's constant- and ramping-arrival-rate). This instance starts the global iterations of its
// segment. One goroutine keeps the schedule: it sleeps until the next start, then hands every
// iteration that is due to an idle VU, catching up at once when it woke late. Each VU has its
// own goroutine that waits for iterations. An iteration that finds no idle VU is dropped
// (dropped_iterations), and a VU is added in the background while the scenario has fewer than
// maxVUs.
type arrivalRate struct {
	schedule            arrivalSchedule
	striping            *segment.Striping
	preAllocated, maxVU int
}

func newArrivalRate(o *options.Scenario, st *segment.Striping, s arrivalSchedule) *arrivalRate {
	return &arrivalRate{schedule: s, striping: st, preAllocated: int(st.CountInt(o.PreAllocatedVUs)), maxVU: int(st.CountInt(o.MaxVUs))}
}

func (e *arrivalRate) vus() (int, int) { return e.preAllocated, e.maxVU }

func (e *arrivalRate) progress(_ *run, elapsed time.Duration) float64 {
	return float64(elapsed) / float64(e.schedule.duration())
}

// arrivalWorkers are the VUs of one arrival-rate scenario and their goroutines. An idle VU
// waits in idle; the schedule's goroutine takes one from there and hands it an iteration, so an
// iteration is dropped only when every VU is busy.
type arrivalWorkers struct {
	r          *run
	idle       chan *arrivalWorker // capacity maxVUs: putting a VU back never blocks
	done       chan struct{}       // closed when no iteration is left to start
	iterations context.Context
	delay      *metrics.Metric

	mu   sync.Mutex
	vus  []VU
	wg   sync.WaitGroup
	grow chan struct{} // a drop asks for one more VU
}

type arrivalWorker struct {
	vu   VU
	work chan *Iteration // capacity 1: the hand-over never blocks
}

func (w *arrivalWorkers) held() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.vus)
}

func (w *arrivalWorkers) start(vu VU) {
	w.mu.Lock()
	w.vus = append(w.vus, vu)
	w.mu.Unlock()
	wk := &arrivalWorker{vu: vu, work: make(chan *Iteration, 1)}
	w.idle <- wk
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer w.r.hold()()
		for {
			select {
			case it := <-wk.work:
				if !w.run(wk, it) {
					return
				}
			case <-w.done:
				select { // an iteration handed over just before the end still runs
				case it := <-wk.work:
					w.run(wk, it)
				default:
				}
				return
			}
			w.idle <- wk
		}
	}()
}

func (w *arrivalWorkers) run(wk *arrivalWorker, it *Iteration) bool {
	now := time.Now()
	w.r.sched.cfg.Collector.Collect(metrics.Sample{Metric: w.delay, Tags: w.r.tags, Time: now, Value: float64(now.Sub(it.Scheduled)) / float64(time.Millisecond)})
	return w.r.iterate(w.iterations, wk.vu, it)
}

func (e *arrivalRate) execute(ctx context.Context, r *run) error {
	pool := r.sched.pool
	vus, err := pool.take(ctx, e.preAllocated)
	if err != nil {
		return errScenario(r.opts.Name, err)
	}
	start := r.scenario.StartTime
	// The schedule itself ends the starts (at the end boundary included); iterations get
	// gracefulStop after the end.
	_, iterations, cancel := r.deadlines(ctx, start.Add(e.schedule.duration()))
	defer cancel()
	w := &arrivalWorkers{
		r: r, idle: make(chan *arrivalWorker, max(e.maxVU, 1)), done: make(chan struct{}), iterations: iterations,
		delay: r.sched.cfg.Builtins.IterationStartDelay, grow: make(chan struct{}),
	}
	for _, vu := range vus {
		w.start(vu)
	}
	defer func() { pool.put(w.vus...) }()

	// VUs beyond preAllocatedVUs are added one at a time, off the schedule's goroutine.
	growDone := make(chan struct{})
	go func() {
		defer close(growDone)
		for held := len(vus); held < e.maxVU; held++ {
			select {
			case <-w.grow:
			case <-w.done:
				return
			}
			vu := pool.takeIdle()
			if vu == nil {
				var err error
				if vu, err = pool.initialize(ctx); err != nil {
					if ctx.Err() == nil {
						r.sched.fail(errScenario(r.opts.Name, err))
					}
					return
				}
			}
			w.start(vu)
		}
	}()

	warned := false
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	// k numbers this instance's scheduled iterations; InInstance numbers those that started.
	var inInstance uint64
	for k := uint64(0); ; k++ {
		i := e.striping.IndexAt(k)
		offset, ok := e.schedule.at(i)
		if !ok {
			break
		}
		due := start.Add(offset)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case wk := <-w.idle:
			wk.work <- &Iteration{Scenario: r.scenario, InInstance: inInstance, InTest: i, Scheduled: due}
			inInstance++
			continue
		default:
		}
		r.drop(time.Now())
		select {
		case w.grow <- struct{}{}:
		default:
			if !warned && w.held() >= e.maxVU {
				warned = true
				r.sched.logger.Warn("insufficient VUs: iterations are dropped; raise maxVUs (or preAllocatedVUs)", "scenario", r.opts.Name, "maxVUs", e.maxVU)
			}
		}
	}
	timer.Stop()
	close(w.done)
	<-growDone
	w.wg.Wait()
	return nil
}
