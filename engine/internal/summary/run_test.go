package summary_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/output"
	"spate.local/engine/internal/summary"
	"spate.local/engine/internal/threshold"
)

// TestARunEndToEnd drives the pieces as `spate run` does: thresholds parsed against the
// registry, an aggregator with a JSON output, VUs collecting concurrently, Stop, then the
// summaries.
func TestARunEndToEnd(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	e2e := reg.MustRegister("spate_end_to_end_latency", metrics.Trend, metrics.Time)
	set, err := threshold.Parse(map[string][]threshold.Input{
		"spate_end_to_end_latency":                {{Expr: "p(95)<900"}},
		"spate_end_to_end_latency{scenario:slow}": {{Expr: "p(95)<900"}},
		"checks": {{Expr: "rate==1"}},
	}, reg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "run.json")
	jsonOut, err := output.New("json="+path, nil, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	agg := aggregate.New(aggregate.Config{Thresholds: set, Outputs: []output.Output{jsonOut}})
	if err := agg.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for vu := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scenario := "fast"
			if vu == 3 {
				scenario = "slow"
			}
			ts := metrics.NewTagSet(map[string]string{"scenario": scenario})
			for i := range 500 {
				latency := float64(i%100 + 1)
				if scenario == "slow" {
					latency *= 10
				}
				agg.Collect(
					metrics.Sample{Metric: e2e, Tags: ts, Time: time.Now(), Value: latency},
					metrics.Sample{Metric: b.Checks, Tags: ts.With("check", "in redis"), Time: time.Now(), Value: 1},
					metrics.Sample{Metric: b.Iterations, Tags: ts, Time: time.Now(), Value: 1},
				)
			}
		}()
	}
	wg.Wait()
	if err := agg.Stop(); err != nil {
		t.Fatal(err)
	}
	snap := agg.Snapshot()

	t.Run("the JSON output has one Point per sample", func(t *testing.T) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		points := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), `{"type":"Point"`) {
				points++
			}
		}
		if points != 4*500*3 {
			t.Fatalf("%d points", points)
		}
	})
	t.Run("the slow scenario's sub-metric fails its threshold while the whole metric holds", func(t *testing.T) {
		raw, _ := json.Marshal(summary.Data(snap, summary.Options{NoColor: true}))
		var data struct {
			Metrics map[string]struct {
				Values     map[string]float64
				Thresholds map[string]struct{ OK bool }
			}
			RootGroup struct {
				Checks []struct{ Passes int }
			} `json:"root_group"`
		}
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatal(err)
		}
		if !data.Metrics["spate_end_to_end_latency"].Thresholds["p(95)<900"].OK ||
			data.Metrics["spate_end_to_end_latency{scenario:slow}"].Thresholds["p(95)<900"].OK {
			t.Fatalf("%+v", data.Metrics)
		}
		if data.Metrics["iterations"].Values["count"] != 2000 || data.RootGroup.Checks[0].Passes != 2000 {
			t.Fatalf("%+v %+v", data.Metrics["iterations"], data.RootGroup)
		}
		if !snap.Failed() {
			t.Fatal("the run does not count as failed")
		}
	})
	t.Run("the text summary marks the failed threshold", func(t *testing.T) {
		text := summary.Text(snap, summary.Options{NoColor: true})
		if !strings.Contains(text, "    spate_end_to_end_latency{scenario:slow}\n    ✗ 'p(95)<900' p(95)=") {
			t.Fatalf("\n%s", text)
		}
	})
}
