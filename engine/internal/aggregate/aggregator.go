// Package aggregate turns the samples of a run into per-metric sinks, sub-metric sinks for
// threshold selectors and k6's group/check tree, forwards every sample to the outputs, and
// evaluates thresholds during the run and at its end.
package aggregate

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/output"
	"spate.local/engine/internal/threshold"
)

// Config is what an Aggregator needs.
type Config struct {
	Thresholds *threshold.Set // nil: no thresholds
	Outputs    []output.Output
	// OnAbort is called once, from the aggregator's goroutine, when a threshold with abortOnFail
	// fails after its delayAbortEval (counted from Start). The error carries exit code 99 and
	// names the threshold. It must not block or call Stop.
	OnAbort func(reason error)
	// EvalInterval is how often thresholds are evaluated during the run (k6: 2 s).
	EvalInterval time.Duration
	// FlushInterval is how often buffered samples reach the sinks and the outputs (default 100 ms).
	FlushInterval time.Duration
}

// bufferLimit is the number of samples a shard holds before the collecting goroutine aggregates
// them itself, which slows VUs down rather than letting memory grow.
const bufferLimit = 16 << 10

// shard is one of several sample buffers, so that concurrent VUs rarely wait on one lock.
type shard struct {
	mu  sync.Mutex
	buf []metrics.Sample
	_   [64]byte // keep shards on separate cache lines
}

// series is the sinks one metric's samples feed: the metric's own and its sub-metrics'.
type series struct {
	metric *metrics.Metric
	sink   *Sink
	subs   []*subSeries
}

type subSeries struct {
	target *threshold.Target
	sink   *Sink
}

// Aggregator implements metrics.Collector. Create it with New, then Start, Collect, Stop.
type Aggregator struct {
	cfg    Config
	shards []shard
	next   atomic.Uint64

	mu       sync.Mutex // guards everything below
	series   map[*metrics.Metric]*series
	root     *Group
	start    time.Time
	end      time.Time
	results  map[*threshold.Threshold]evaluation
	aborted  bool
	started  bool
	stopping bool

	outMu       sync.Mutex // serialises calls to the outputs
	outputsLive bool       // between the outputs' Start and Stop; guarded by outMu

	done     chan struct{} // closed by Stop to end the loop
	stopped  chan struct{} // closed by the loop when it ends
	finished chan struct{} // closed when Stop has returned
	stopErr  error
}

// New returns an aggregator; no goroutine runs before Start.
func New(cfg Config) *Aggregator {
	if cfg.EvalInterval <= 0 {
		cfg.EvalInterval = 2 * time.Second
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 100 * time.Millisecond
	}
	a := &Aggregator{
		cfg:      cfg,
		shards:   make([]shard, 4*runtime.GOMAXPROCS(0)),
		series:   map[*metrics.Metric]*series{},
		root:     newRootGroup(),
		results:  map[*threshold.Threshold]evaluation{},
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
		finished: make(chan struct{}),
	}
	if cfg.Thresholds != nil {
		for _, t := range cfg.Thresholds.Targets {
			s := a.seriesOf(t.Metric)
			if t.Selector != nil {
				s.subs = append(s.subs, &subSeries{target: t, sink: NewSink(t.Metric.Type)})
			}
			for _, th := range t.Thresholds {
				a.results[th] = evaluation{ok: true}
			}
		}
	}
	return a
}

func (a *Aggregator) seriesOf(m *metrics.Metric) *series {
	s := a.series[m]
	if s == nil {
		s = &series{metric: m, sink: NewSink(m.Type)}
		a.series[m] = s
	}
	return s
}

// Start starts the outputs, then the flushing and threshold loops; the test's clock starts now.
func (a *Aggregator) Start() error {
	a.mu.Lock()
	if a.started {
		a.mu.Unlock()
		return errors.New("the aggregator was started twice")
	}
	a.started = true
	a.start = time.Now()
	a.mu.Unlock()
	for i, o := range a.cfg.Outputs {
		if err := o.Start(); err != nil {
			for _, started := range a.cfg.Outputs[:i] {
				_ = started.Stop()
			}
			a.mu.Lock()
			a.started = false // Stop must not wait for a loop that never ran
			a.mu.Unlock()
			return err
		}
	}
	a.outMu.Lock()
	a.outputsLive = true
	a.outMu.Unlock()
	go a.loop()
	return nil
}

// Collect buffers samples; it is safe for concurrent use and cheap (one uncontended lock per
// call in the common case).
func (a *Aggregator) Collect(samples ...metrics.Sample) {
	if len(samples) == 0 {
		return
	}
	sh := &a.shards[a.next.Add(1)%uint64(len(a.shards))]
	sh.mu.Lock()
	sh.buf = append(sh.buf, samples...)
	var full []metrics.Sample
	if len(sh.buf) >= bufferLimit {
		full, sh.buf = sh.buf, make([]metrics.Sample, 0, bufferLimit)
	}
	sh.mu.Unlock()
	if full != nil {
		a.process(full)
	}
}

func (a *Aggregator) loop() {
	defer close(a.stopped)
	flush := time.NewTicker(a.cfg.FlushInterval)
	defer flush.Stop()
	eval := time.NewTicker(a.cfg.EvalInterval)
	defer eval.Stop()
	for {
		select {
		case <-a.done:
			return
		case <-flush.C:
			a.flush()
		case <-eval.C:
			a.flush()
			a.evaluate(true)
		}
	}
}

// flush moves every shard's buffer to the sinks and the outputs.
func (a *Aggregator) flush() {
	for i := range a.shards {
		sh := &a.shards[i]
		sh.mu.Lock()
		batch := sh.buf
		sh.buf = nil
		sh.mu.Unlock()
		if len(batch) > 0 {
			a.process(batch)
		}
	}
}

func (a *Aggregator) process(batch []metrics.Sample) {
	a.mu.Lock()
	for _, smp := range batch {
		if smp.Metric == nil {
			continue
		}
		s := a.seriesOf(smp.Metric)
		s.sink.Add(smp.Value, smp.Time)
		for _, sub := range s.subs {
			if sub.target.Matches(smp.Tags) {
				sub.sink.Add(smp.Value, smp.Time)
			}
		}
		a.addToGroups(smp)
	}
	a.mu.Unlock()
	a.outMu.Lock()
	if a.outputsLive {
		for _, o := range a.cfg.Outputs {
			o.AddSamples(batch)
		}
	}
	a.outMu.Unlock()
}

// addToGroups builds k6's root_group: groups from "group" tags, checks from samples of the
// metric named "checks" with a "check" tag.
func (a *Aggregator) addToGroups(smp metrics.Sample) {
	path, _ := smp.Tags.Get("group")
	if smp.Metric.Name != "checks" {
		if path != "" {
			a.root.group(path)
		}
		return
	}
	name, ok := smp.Tags.Get("check")
	if !ok {
		return
	}
	c := a.root.group(path).check(name)
	if smp.Value != 0 {
		c.Passes++
	} else {
		c.Fails++
	}
}

// duration is the test's run time so far (or until Stop). Callers hold a.mu.
func (a *Aggregator) duration() time.Duration {
	switch {
	case a.start.IsZero():
		return 0
	case !a.end.IsZero():
		return a.end.Sub(a.start)
	}
	return time.Since(a.start)
}

// Stop flushes every buffered sample, evaluates the thresholds a last time (empty metrics
// included) and stops the outputs. It returns the outputs' errors joined; calling it again waits
// for the first call and returns the same. Samples collected after Stop still reach the sinks
// (for the summary), not the outputs.
func (a *Aggregator) Stop() error {
	a.mu.Lock()
	if a.stopping {
		a.mu.Unlock()
		<-a.finished
		return a.stopErr
	}
	a.stopping = true
	started := a.started
	a.mu.Unlock()
	defer close(a.finished)
	if started {
		close(a.done)
		<-a.stopped // the loop may be mid-flush: let it finish first
	}
	a.flush()
	a.mu.Lock()
	a.end = time.Now()
	a.mu.Unlock()
	a.evaluate(false)
	a.outMu.Lock()
	defer a.outMu.Unlock()
	if !a.outputsLive {
		return nil
	}
	a.outputsLive = false
	var errs []error
	for _, o := range a.cfg.Outputs {
		if err := o.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	a.stopErr = errors.Join(errs...)
	return a.stopErr
}
