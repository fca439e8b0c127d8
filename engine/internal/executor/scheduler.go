package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/options"
	"spate.local/engine/internal/segment"
)

// Config is what a Scheduler needs.
type Config struct {
	// Scenarios to run (options.Options.Scenarios).
	Scenarios []*options.Scenario
	// Segment and Sequence split the test across instances (zero Segment: the whole test).
	Segment  segment.Segment
	Sequence segment.Sequence
	// NewVU initializes a VU.
	NewVU NewVUFunc
	// Builtins and Collector receive the scheduler's samples: dropped_iterations,
	// iteration_start_delay, vus and vus_max (and iterations, iteration_duration when
	// EmitIterationMetrics is set).
	Builtins  *metrics.Builtins
	Collector metrics.Collector
	// Tags are the run's tags, on every sample and under each scenario's own tags.
	Tags *metrics.TagSet
	// Logger gets warnings such as an arrival-rate scenario running out of VUs (nil: none).
	Logger *slog.Logger
	// EmitIterationMetrics makes the scheduler emit `iterations` (completed iterations) and
	// `iteration_duration` with the scenario's tags; leave it off when the VU emits them.
	EmitIterationMetrics bool
}

// Scheduler runs a test's scenarios on one pool of VUs.
type Scheduler struct {
	cfg      Config
	striping *segment.Striping
	pool     *pool
	runs     []*run
	initial  int // VUs Init prepares
	maxVUs   int // VUs the test may need at most
	logger   *slog.Logger

	started atomic.Int64 // UnixNano of Run's start; 0 before
	active  atomic.Int64 // VUs running a scenario (vus)

	failOnce sync.Once
	failErr  error
	cancel   context.CancelCauseFunc
}

// NewScheduler checks the configuration and plans the VUs; no VU is initialized yet.
func NewScheduler(cfg Config) (*Scheduler, error) {
	if cfg.NewVU == nil || cfg.Builtins == nil || cfg.Collector == nil {
		return nil, errors.New("executor: Config needs NewVU, Builtins and Collector")
	}
	if len(cfg.Scenarios) == 0 {
		return nil, exitcode.New(exitcode.InvalidConfig, "invalid options: no scenario to run; define a scenario, or set vus and duration")
	}
	if cfg.Segment.From == nil {
		cfg.Segment = segment.Whole()
	}
	st, err := segment.New(cfg.Segment, cfg.Sequence)
	if err != nil {
		return nil, exitcode.Wrap(exitcode.InvalidConfig, err, "")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Scheduler{cfg: cfg, striping: st, pool: newPool(cfg.NewVU, st), logger: logger}
	seen := map[string]bool{}
	for _, sc := range cfg.Scenarios {
		if seen[sc.Name] {
			return nil, exitcode.New(exitcode.InvalidConfig, "invalid options: two scenarios are named %q; rename one", sc.Name)
		}
		seen[sc.Name] = true
		r, err := newRun(s, sc)
		if err != nil {
			return nil, err
		}
		if a, ok := r.exec.(*arrivalRate); ok && a.maxVU == 0 {
			if _, owns := a.schedule.at(st.IndexAt(0)); owns {
				logger.Warn("this execution segment has no VU for the scenario, so its share of the iterations will be dropped; give maxVUs at least one VU per instance", "scenario", sc.Name, "maxVUs", sc.MaxVUs, "segment", st.Segment().String())
			}
		}
		s.runs = append(s.runs, r)
	}
	sort.SliceStable(s.runs, func(i, j int) bool { return s.runs[i].opts.StartTime < s.runs[j].opts.StartTime })
	s.initial = s.peakVUs(func(r *run) int { return r.initialVUs })
	s.maxVUs = s.peakVUs(func(r *run) int { return r.maxVUs })
	return s, nil
}

// peakVUs is the most VUs the scenarios that run at the same time hold together; a scenario
// holds its VUs from its startTime to the end of its gracefulStop.
func (s *Scheduler) peakVUs(vus func(*run) int) int {
	type event struct {
		at    time.Duration
		delta int
	}
	var events []event
	for _, r := range s.runs {
		events = append(events, event{r.opts.StartTime, vus(r)}, event{r.opts.StartTime + r.opts.PlannedDuration() + r.opts.GracefulStop, -vus(r)})
	}
	// At the same instant, a scenario ending gives its VUs back before one starting takes them.
	sort.Slice(events, func(i, j int) bool {
		if events[i].at != events[j].at {
			return events[i].at < events[j].at
		}
		return events[i].delta < events[j].delta
	})
	peak, now := 0, 0
	for _, e := range events {
		now += e.delta
		peak = max(peak, now)
	}
	return peak
}

// MaxVUs is the most VUs the test may initialize (with every arrival-rate scenario at its maxVUs).
func (s *Scheduler) MaxVUs() int { return s.maxVUs }

// InitialVUs is the number of VUs Init initializes.
func (s *Scheduler) InitialVUs() int { return s.initial }

// PlannedDuration is when the last scenario's schedule ends, gracefulStop not included.
func (s *Scheduler) PlannedDuration() time.Duration {
	var d time.Duration
	for _, r := range s.runs {
		d = max(d, r.opts.StartTime+r.opts.PlannedDuration())
	}
	return d
}

// MaxDuration is PlannedDuration with every scenario's gracefulStop: the longest the run can take.
func (s *Scheduler) MaxDuration() time.Duration {
	var d time.Duration
	for _, r := range s.runs {
		d = max(d, r.opts.StartTime+r.opts.PlannedDuration()+r.opts.GracefulStop)
	}
	return d
}

// Init initializes the VUs the scenarios need at their start, in parallel up to GOMAXPROCS.
func (s *Scheduler) Init(ctx context.Context) error {
	if err := s.pool.prepare(ctx, s.initial); err != nil {
		return err
	}
	s.emitGauges(time.Now())
	return nil
}

// Run runs every scenario from its startTime until all have ended. It returns the first error
// that ends the test (an *exitcode.Error from a VU, such as exec.test.abort(), or a VU that
// failed to initialize), after cancelling the other iterations; ctx.Err() when ctx was cancelled;
// nil otherwise.
func (s *Scheduler) Run(parent context.Context) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	s.cancel = cancel
	start := time.Now()
	s.started.Store(start.UnixNano())

	gaugesDone := make(chan struct{})
	go func() {
		defer close(gaugesDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case now := <-tick.C:
				s.emitGauges(now)
			case <-ctx.Done():
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for _, r := range s.runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !sleepUntil(ctx, start.Add(r.opts.StartTime)) {
				return
			}
			// An error after the run was cancelled (a VU's init cut short) is not the cause.
			if err := r.execute(ctx); err != nil && ctx.Err() == nil {
				s.fail(err)
			}
		}()
	}
	wg.Wait()
	cancel(nil)
	<-gaugesDone
	s.emitGauges(time.Now())
	if s.failErr != nil {
		return s.failErr
	}
	return parent.Err()
}

// fail records the first error that ends the test and cancels everything else.
func (s *Scheduler) fail(err error) {
	s.failOnce.Do(func() {
		s.failErr = err
		if s.cancel != nil {
			s.cancel(err)
		}
	})
}

func (s *Scheduler) emitGauges(now time.Time) {
	s.cfg.Collector.Collect(
		metrics.Sample{Metric: s.cfg.Builtins.VUs, Tags: s.cfg.Tags, Time: now, Value: float64(s.active.Load())},
		metrics.Sample{Metric: s.cfg.Builtins.VUsMax, Tags: s.cfg.Tags, Time: now, Value: float64(s.pool.initialized())},
	)
}

// sleepUntil waits for t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// errScenario gives an internal error the scenario's name.
func errScenario(name string, err error) error {
	return fmt.Errorf("scenario %s: %w", name, err)
}
