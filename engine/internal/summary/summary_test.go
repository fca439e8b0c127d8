package summary

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

// handBuilt is the state of a 10 s run: 200 iterations, a write-latency trend of 1..100 ms with
// a sub-metric, 2 VUs, 5 kB sent, checks in the root and in a group, and two thresholds.
func handBuilt() *aggregate.Snapshot {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	latency := reg.MustRegister("kafka_writer_write_seconds", metrics.Trend, metrics.Time)
	at := time.Unix(1700000000, 0)

	iterations := aggregate.NewSink(metrics.Counter)
	for range 200 {
		iterations.Add(1, at)
	}
	trend := aggregate.NewSink(metrics.Trend)
	sub := aggregate.NewSink(metrics.Trend)
	for i := 1; i <= 100; i++ {
		trend.Add(float64(i), at)
		if i <= 50 {
			sub.Add(float64(i), at)
		}
	}
	vus := aggregate.NewSink(metrics.Gauge)
	vus.Add(1, at)
	vus.Add(2, at.Add(time.Second))
	sent := aggregate.NewSink(metrics.Counter)
	sent.Add(5000, at)
	checks := aggregate.NewSink(metrics.Rate)
	for i := range 4 {
		checks.Add(float64(min(i, 1)), at)
	}

	root := &aggregate.Group{ID: "d41d8cd98f00b204e9800998ecf8427e",
		Checks: []*aggregate.Check{{Name: "acked", Path: "::acked", ID: "x1", Passes: 2, Fails: 0}},
		Groups: []*aggregate.Group{{Name: "verify", Path: "::verify", ID: "x2",
			Checks: []*aggregate.Check{{Name: "in redis", Path: "::verify::in redis", ID: "x3", Passes: 1, Fails: 1}}}},
	}
	return &aggregate.Snapshot{
		Duration: 10 * time.Second,
		Root:     root,
		Metrics: []aggregate.MetricSnapshot{
			{Name: "checks", Metric: b.Checks, Sink: checks,
				Thresholds: []aggregate.ThresholdResult{{Source: "rate>0.9", Aggregation: "rate", Value: 0.75, OK: false}}},
			{Name: "data_sent", Metric: b.DataSent, Sink: sent},
			{Name: "iterations", Metric: b.Iterations, Sink: iterations},
			{Name: "kafka_writer_write_seconds", Metric: latency, Sink: trend},
			{Name: "kafka_writer_write_seconds{topic:a}", Metric: latency, Sink: sub,
				Selector:   metrics.NewTagSet(map[string]string{"topic": "a"}),
				Thresholds: []aggregate.ThresholdResult{{Source: "p(95)<100", Aggregation: "p(95)", Value: 47.55, OK: true}}},
			{Name: "vus", Metric: b.VUs, Sink: vus},
		},
	}
}

func TestData(t *testing.T) {
	raw, err := json.Marshal(Data(handBuilt(), Options{TrendStats: []string{"avg", "min", "med", "max", "p(95)", "p(99.9)", "count"}, NoColor: true}))
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Metrics map[string]struct {
			Type       string                     `json:"type"`
			Contains   string                     `json:"contains"`
			Values     map[string]float64         `json:"values"`
			Thresholds map[string]map[string]bool `json:"thresholds"`
		} `json:"metrics"`
		RootGroup struct {
			Name, Path, ID string
			Groups         []struct {
				Name   string
				Checks []struct {
					Name          string
					Passes, Fails int
				}
			}
			Checks []struct {
				Name, Path    string
				Passes, Fails int
			}
		} `json:"root_group"`
		Options map[string]any `json:"options"`
		State   map[string]any `json:"state"`
		Spate   struct {
			Histograms map[string]*metrics.Histogram `json:"histograms"`
		} `json:"spate"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	m := data.Metrics
	t.Run("a counter has count and rate per second of the run", func(t *testing.T) {
		it := m["iterations"]
		if it.Type != "counter" || it.Contains != "default" || it.Values["count"] != 200 || it.Values["rate"] != 20 {
			t.Fatalf("%+v", it)
		}
		if m["data_sent"].Contains != "data" {
			t.Fatalf("%+v", m["data_sent"])
		}
	})
	t.Run("a gauge has value, min and max", func(t *testing.T) {
		if v := m["vus"].Values; v["value"] != 2 || v["min"] != 1 || v["max"] != 2 {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("a rate has rate, passes and fails, and its failed threshold is ok false", func(t *testing.T) {
		c := m["checks"]
		if c.Values["rate"] != 0.75 || c.Values["passes"] != 3 || c.Values["fails"] != 1 || c.Thresholds["rate>0.9"]["ok"] {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("a trend has exactly the summaryTrendStats keys, in milliseconds", func(t *testing.T) {
		v := m["kafka_writer_write_seconds"].Values
		if len(v) != 7 || v["min"] != 1 || v["max"] != 100 || v["avg"] != 50.5 || v["count"] != 100 {
			t.Fatalf("%+v", v)
		}
		if d := v["p(95)"] - 95.05; d > 95.05*0.005 || d < -95.05*0.005 {
			t.Fatalf("p(95) %g", v["p(95)"])
		}
		if m["kafka_writer_write_seconds"].Contains != "time" {
			t.Fatal("contains is not time")
		}
	})
	t.Run("a sub-metric is its own entry with its threshold", func(t *testing.T) {
		s := m["kafka_writer_write_seconds{topic:a}"]
		if s.Values["max"] != 50 || !s.Thresholds["p(95)<100"]["ok"] {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("root_group lists groups and checks as arrays", func(t *testing.T) {
		g := data.RootGroup
		if g.Name != "" || g.ID != "d41d8cd98f00b204e9800998ecf8427e" || len(g.Checks) != 1 || g.Checks[0].Passes != 2 ||
			len(g.Groups) != 1 || g.Groups[0].Checks[0].Fails != 1 {
			t.Fatalf("%+v", g)
		}
	})
	t.Run("options and state are k6's", func(t *testing.T) {
		if data.Options["noColor"] != true || data.Options["summaryTimeUnit"] != "" || len(data.Options["summaryTrendStats"].([]any)) != 7 {
			t.Fatalf("%+v", data.Options)
		}
		if data.State["testRunDurationMs"] != 10000.0 || data.State["isStdOutTTY"] != false {
			t.Fatalf("%+v", data.State)
		}
	})
	t.Run("spate's histograms come back from JSON with the same quantiles", func(t *testing.T) {
		h := data.Spate.Histograms["kafka_writer_write_seconds"]
		if h == nil || h.Count() != 100 || h.Quantile(0.95) != m["kafka_writer_write_seconds"].Values["p(95)"] {
			t.Fatalf("%+v", h)
		}
	})
}

func TestExport(t *testing.T) {
	raw, err := Export(handBuilt(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Metrics   map[string]map[string]any `json:"metrics"`
		RootGroup struct {
			Groups map[string]struct {
				Checks map[string]map[string]any
			}
			Checks map[string]map[string]any
		} `json:"root_group"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	t.Run("values are flattened next to thresholds that are true when they failed", func(t *testing.T) {
		c := out.Metrics["checks"]
		if c["value"] != 0.75 || c["passes"] != 3.0 || c["thresholds"].(map[string]any)["rate>0.9"] != true {
			t.Fatalf("%+v", c)
		}
		sub := out.Metrics["kafka_writer_write_seconds{topic:a}"]
		if sub["thresholds"].(map[string]any)["p(95)<100"] != false || sub["p(90)"] == nil {
			t.Fatalf("%+v", sub)
		}
	})
	t.Run("groups and checks are keyed by name", func(t *testing.T) {
		if out.RootGroup.Checks["acked"]["passes"] != 2.0 || out.RootGroup.Groups["verify"].Checks["in redis"]["fails"] != 1.0 {
			t.Fatalf("%+v", out.RootGroup)
		}
	})
}

func TestText(t *testing.T) {
	text := Text(handBuilt(), Options{NoColor: true})
	t.Logf("\n%s", text)
	for _, want := range []string{
		"  █ THRESHOLDS \n\n    checks\n    ✗ 'rate>0.9' rate=75.00%\n",
		"    kafka_writer_write_seconds{topic:a}\n    ✓ 'p(95)<100' p(95)=47.55ms\n",
		"  █ TOTAL RESULTS \n",
		"    checks_total.......................: 4       0.4/s\n",
		"    checks_succeeded...................: 75.00%  3 out of 4\n",
		"    ✓ acked\n",
		"    █ verify\n",
		"      ✗ in redis\n        ↳  50% — ✓ 1 / ✗ 1\n",
		"    KAFKA\n    kafka_writer_write_seconds.........: avg=50.5ms min=1ms",
		"      { topic:a }......................: avg=25.5ms min=1ms",
		"    EXECUTION\n    iterations.........................: 200     20/s\n",
		"    vus................................: 2       min=1      max=2\n",
		"    NETWORK\n    data_sent..........................: 5 kB    500 B/s\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	t.Run("without noColor the marks are coloured", func(t *testing.T) {
		if !strings.Contains(Text(handBuilt(), Options{}), "\x1b[31m✗\x1b[0m") {
			t.Fatal("no red ✗")
		}
	})
}

func TestFormatting(t *testing.T) {
	cases := []struct {
		name     string
		v        float64
		contains metrics.ValueType
		unit     string
		want     string
	}{
		{"milliseconds", 148.214, metrics.Time, "", "148.21ms"},
		{"seconds", 1200, metrics.Time, "", "1.2s"},
		{"minutes", 62500, metrics.Time, "", "1m2.5s"},
		{"microseconds", 0.352, metrics.Time, "", "352µs"},
		{"zero time", 0, metrics.Time, "", "0s"},
		{"a fixed unit of seconds", 148.21, metrics.Time, "s", "0.15s"},
		{"a fixed unit of microseconds", 1.5, metrics.Time, "us", "1500µs"},
		{"bytes", 76, metrics.Data, "", "76 B"},
		{"kilobytes", 9100, metrics.Data, "", "9.1 kB"},
		{"tens of kilobytes", 15300, metrics.Data, "", "15 kB"},
		{"plain numbers to 6 decimals", 152.3555561, metrics.Default, "", "152.355556"},
	}
	for _, c := range cases {
		t.Run(c.name+" read as k6 writes them", func(t *testing.T) {
			if got := formatValue(c.v, c.contains, c.unit); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestValidateOptions(t *testing.T) {
	for _, ok := range []Options{{}, {TrendStats: []string{"avg", "p(99.9)", "count"}, TimeUnit: "ms"}} {
		t.Run("valid options pass", func(t *testing.T) {
			if err := ValidateOptions(ok); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, bad := range []Options{{TrendStats: []string{"p(101)"}}, {TrendStats: []string{"mean"}}, {TimeUnit: "min"}} {
		t.Run("invalid options are 104", func(t *testing.T) {
			if err := ValidateOptions(bad); exitcode.Of(err) != exitcode.InvalidConfig {
				t.Fatalf("got %v", err)
			}
		})
	}
}
