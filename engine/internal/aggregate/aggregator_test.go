package aggregate

import (
	"math"
	"sync"
	"testing"
	"time"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/output"
	"spate.local/engine/internal/threshold"
)

// recordingOutput keeps what it is given, to check the forwarding.
type recordingOutput struct {
	mu               sync.Mutex
	samples          int
	started, stopped int
	afterStop        int
}

func (r *recordingOutput) Description() string { return "recording" }
func (r *recordingOutput) Start() error        { r.started++; return nil }
func (r *recordingOutput) Stop() error         { r.stopped++; return nil }
func (r *recordingOutput) AddSamples(s []metrics.Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped > 0 {
		r.afterStop += len(s)
	}
	r.samples += len(s)
}

type fixture struct {
	reg      *metrics.Registry
	builtins *metrics.Builtins
	latency  *metrics.Metric
}

func newFixture() fixture {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	return fixture{reg: reg, builtins: b, latency: reg.MustRegister("kafka_writer_write_seconds", metrics.Trend, metrics.Time)}
}

func tags(kv ...string) *metrics.TagSet {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return metrics.NewTagSet(m)
}

func find(t *testing.T, s *Snapshot, name string) MetricSnapshot {
	t.Helper()
	for _, m := range s.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %q in the snapshot", name)
	return MetricSnapshot{}
}

func TestAggregatorSinksFromConcurrentVUs(t *testing.T) {
	f := newFixture()
	set, err := threshold.Parse(map[string][]threshold.Input{
		"kafka_writer_write_seconds{topic:a}": {{Expr: "max<=100"}},
		"iterations":                          {{Expr: "count==80000"}},
	}, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	out := &recordingOutput{}
	agg := New(Config{Thresholds: set, Outputs: []output.Output{out}, FlushInterval: 5 * time.Millisecond})
	if err := agg.Start(); err != nil {
		t.Fatal(err)
	}
	const vus, perVU = 8, 10_000
	base := time.Now()
	var wg sync.WaitGroup
	for vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			topic := "a"
			if vu%2 == 1 {
				topic = "b"
			}
			ts := tags("topic", topic, "vu", string(rune('0'+vu)))
			now := base
			for i := range perVU {
				agg.Collect(
					metrics.Sample{Metric: f.builtins.Iterations, Tags: ts, Time: now, Value: 1},
					metrics.Sample{Metric: f.latency, Tags: ts, Time: now, Value: float64(i%100 + 1)},
					metrics.Sample{Metric: f.builtins.Checks, Tags: ts, Time: now, Value: float64(i % 4 / 3)},
				)
			}
			agg.Collect(metrics.Sample{Metric: f.builtins.VUs, Tags: ts, Time: now.Add(time.Duration(vu) * time.Millisecond), Value: float64(vu)})
		}()
	}
	wg.Wait()
	if err := agg.Stop(); err != nil {
		t.Fatal(err)
	}
	snap := agg.Snapshot()

	t.Run("the counter has every sample and a rate over the run", func(t *testing.T) {
		it := find(t, snap, "iterations")
		if it.Sink.Count != vus*perVU {
			t.Fatalf("count %g", it.Sink.Count)
		}
		if r := it.Sink.Rate(snap.Duration); math.Abs(r-vus*perVU/snap.Duration.Seconds()) > 1e-6 {
			t.Fatalf("rate %g over %s", r, snap.Duration)
		}
	})
	t.Run("the gauge keeps the value of the latest sample with min and max", func(t *testing.T) {
		g := find(t, snap, "vus").Sink
		if g.Value != vus-1 || g.Min != 0 || g.Max != vus-1 {
			t.Fatalf("value/min/max %g/%g/%g", g.Value, g.Min, g.Max)
		}
	})
	t.Run("the rate counts passes and fails", func(t *testing.T) {
		c := find(t, snap, "checks").Sink
		if c.Passes != vus*perVU/4 || c.Fails != vus*perVU*3/4 || c.Rate(0) != 0.25 {
			t.Fatalf("passes/fails %d/%d", c.Passes, c.Fails)
		}
	})
	t.Run("the trend's histogram has every sample", func(t *testing.T) {
		h := find(t, snap, "kafka_writer_write_seconds").Sink.Histogram
		if h.Count() != vus*perVU || h.Min() != 1 || h.Max() != 100 || math.Abs(h.Avg()-50.5) > 1e-9 {
			t.Fatalf("count/min/max/avg %d/%g/%g/%g", h.Count(), h.Min(), h.Max(), h.Avg())
		}
	})
	t.Run("the sub-metric gets only the samples whose tags match", func(t *testing.T) {
		sub := find(t, snap, "kafka_writer_write_seconds{topic:a}")
		if sub.Sink.Histogram.Count() != vus/2*perVU || sub.Selector == nil {
			t.Fatalf("count %d", sub.Sink.Histogram.Count())
		}
		if len(sub.Thresholds) != 1 || !sub.Thresholds[0].OK {
			t.Fatalf("thresholds %+v", sub.Thresholds)
		}
	})
	t.Run("thresholds are judged at the end on every sample", func(t *testing.T) {
		th := find(t, snap, "iterations").Thresholds
		if len(th) != 1 || !th[0].OK || snap.Failed() {
			t.Fatalf("thresholds %+v", th)
		}
	})
	t.Run("the output got every sample once, between Start and Stop", func(t *testing.T) {
		if out.samples != vus*perVU*3+vus || out.started != 1 || out.stopped != 1 || out.afterStop != 0 {
			t.Fatalf("samples %d started %d stopped %d", out.samples, out.started, out.stopped)
		}
	})
	t.Run("a second Stop returns at once", func(t *testing.T) {
		if err := agg.Stop(); err != nil || out.stopped != 1 {
			t.Fatalf("err %v, stopped %d", err, out.stopped)
		}
	})
}

func TestAggregatorGroupTree(t *testing.T) {
	f := newFixture()
	agg := New(Config{})
	now := time.Now()
	check := func(group, name string, ok bool) metrics.Sample {
		v := 0.0
		if ok {
			v = 1
		}
		ts := tags("check", name)
		if group != "" {
			ts = ts.With("group", group)
		}
		return metrics.Sample{Metric: f.builtins.Checks, Tags: ts, Time: now, Value: v}
	}
	agg.Collect(
		check("", "written", true), check("", "written", false), check("", "written", true),
		check("::produce", "acked", true),
		check("::produce::verify", "in redis", false),
		check("::produce", "acked", true),
		metrics.Sample{Metric: f.builtins.IterationDuration, Tags: tags("group", "::idle"), Time: now, Value: 3},
	)
	_ = agg.Stop()
	root := agg.Snapshot().Root

	t.Run("the root group is k6's: empty name and path, MD5 of the path as id", func(t *testing.T) {
		if root.Name != "" || root.Path != "" || root.ID != "d41d8cd98f00b204e9800998ecf8427e" {
			t.Fatalf("%+v", root)
		}
	})
	t.Run("root checks count passes and fails", func(t *testing.T) {
		if len(root.Checks) != 1 || root.Checks[0].Name != "written" || root.Checks[0].Path != "::written" ||
			root.Checks[0].Passes != 2 || root.Checks[0].Fails != 1 {
			t.Fatalf("%+v", root.Checks)
		}
	})
	t.Run("nested groups appear in first-seen order with their checks", func(t *testing.T) {
		if len(root.Groups) != 2 || root.Groups[0].Name != "produce" || root.Groups[1].Name != "idle" {
			t.Fatalf("groups %+v", root.Groups)
		}
		produce := root.Groups[0]
		if produce.Path != "::produce" || produce.Checks[0].Passes != 2 || produce.ID != PathID("::produce") {
			t.Fatalf("%+v", produce)
		}
		verify := produce.Groups[0]
		if verify.Path != "::produce::verify" || verify.Checks[0].Fails != 1 || verify.Checks[0].Path != "::produce::verify::in redis" {
			t.Fatalf("%+v", verify)
		}
	})
}

func TestAggregatorThresholdsDuringTheRun(t *testing.T) {
	f := newFixture()
	set, err := threshold.Parse(map[string][]threshold.Input{
		"dropped_iterations": {{Expr: "count==0", AbortOnFail: true, DelayAbortEval: 300 * time.Millisecond}},
		"checks":             {{Expr: "rate>0.9"}},
	}, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	aborts := make(chan error, 4)
	agg := New(Config{Thresholds: set, EvalInterval: 20 * time.Millisecond,
		OnAbort: func(reason error) { aborts <- reason }})
	if err := agg.Start(); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	agg.Collect(metrics.Sample{Metric: f.builtins.DroppedIterations, Time: began, Value: 1})

	t.Run("abortOnFail waits for delayAbortEval, then calls back once with exit code 99", func(t *testing.T) {
		select {
		case reason := <-aborts:
			if waited := time.Since(began); waited < 280*time.Millisecond {
				t.Fatalf("aborted after %s, before the delay", waited)
			}
			if exitcode.Of(reason) != exitcode.ThresholdsFailed {
				t.Fatalf("reason %v", reason)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no abort")
		}
		time.Sleep(100 * time.Millisecond)
		if len(aborts) != 0 {
			t.Fatal("called back more than once")
		}
	})
	_ = agg.Stop()
	snap := agg.Snapshot()
	t.Run("a threshold on a metric with no samples is judged at the end", func(t *testing.T) {
		c := find(t, snap, "checks")
		if len(c.Thresholds) != 1 || c.Thresholds[0].OK {
			t.Fatalf("%+v", c.Thresholds)
		}
		if !snap.Failed() {
			t.Fatal("the snapshot does not report the failure")
		}
	})
}

func TestAggregatorCollectsWithoutStart(t *testing.T) {
	f := newFixture()
	agg := New(Config{})
	agg.Collect(metrics.Sample{Metric: f.builtins.Iterations, Time: time.Now(), Value: 2})
	t.Run("a snapshot before Start already shows the samples", func(t *testing.T) {
		if got := find(t, agg.Snapshot(), "iterations").Sink.Count; got != 2 {
			t.Fatalf("count %g", got)
		}
	})
	t.Run("Stop without Start does not block", func(t *testing.T) {
		if err := agg.Stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkCollect measures what a VU pays per sample when every VU collects at once.
func BenchmarkCollect(b *testing.B) {
	f := newFixture()
	agg := New(Config{})
	if err := agg.Start(); err != nil {
		b.Fatal(err)
	}
	ts := tags("topic", "bench")
	b.RunParallel(func(pb *testing.PB) {
		now := time.Now()
		for pb.Next() {
			agg.Collect(metrics.Sample{Metric: f.latency, Tags: ts, Time: now, Value: 12.5})
		}
	})
	_ = agg.Stop()
}
