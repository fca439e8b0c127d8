package summary

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/threshold"
)

func TestMerge(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	set, err := threshold.Parse(map[string][]threshold.Input{
		"iteration_duration":             {{Expr: "p(95)<150"}},
		"iteration_duration{scenario:a}": {{Expr: "max<=100"}},
		"iterations":                     {{Expr: "count>=300"}},
	}, reg)
	if err != nil {
		t.Fatal(err)
	}
	// Instance 1 runs scenario a (fast), instance 2 scenario b (slow); "whole" gets both.
	one, two, whole := aggregate.New(aggregate.Config{Thresholds: set}), aggregate.New(aggregate.Config{Thresholds: set}), aggregate.New(aggregate.Config{Thresholds: set})
	at := time.Now()
	for i := 1; i <= 200; i++ {
		for _, c := range []struct {
			agg      *aggregate.Aggregator
			scenario string
			ms       float64
		}{{one, "a", float64(i % 100)}, {two, "b", float64(100 + i)}} {
			ts := metrics.NewTagSet(map[string]string{"scenario": c.scenario})
			samples := []metrics.Sample{
				{Metric: b.Iterations, Tags: ts, Time: at, Value: 1},
				{Metric: b.IterationDuration, Tags: ts, Time: at, Value: c.ms},
				{Metric: b.Checks, Tags: ts.With("check", "ok").With("group", "::g"), Time: at, Value: float64(i % 2)},
				{Metric: b.VUs, Tags: ts, Time: at, Value: 5},
			}
			c.agg.Collect(samples...)
			whole.Collect(samples...)
		}
	}
	var parts [][]byte
	for _, agg := range []*aggregate.Aggregator{one, two, whole} {
		_ = agg.Stop()
		raw, err := json.Marshal(Data(agg.Snapshot(), Options{}))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, raw)
	}
	mergedData, err := Merge(parts[0], parts[1])
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(mergedData)
	var merged, single struct {
		Metrics map[string]struct {
			Values     map[string]float64
			Thresholds map[string]struct{ OK bool }
		}
		RootGroup struct {
			Groups []struct {
				Path   string
				Checks []struct{ Passes, Fails int }
			}
		} `json:"root_group"`
	}
	_ = json.Unmarshal(raw, &merged)
	_ = json.Unmarshal(parts[2], &single)

	t.Run("counters, rates and trends equal those of one instance that got every sample", func(t *testing.T) {
		for _, name := range []string{"iterations", "checks", "iteration_duration", "iteration_duration{scenario:a}"} {
			for k, want := range single.Metrics[name].Values {
				if k == "rate" && name == "iterations" {
					continue // per second of each run's own duration
				}
				if got := merged.Metrics[name].Values[k]; got != want {
					t.Errorf("%s %s: merged %g, single %g", name, k, got, want)
				}
			}
		}
	})
	t.Run("gauges add up across instances", func(t *testing.T) {
		if v := merged.Metrics["vus"].Values; v["value"] != 10 || v["max"] != 10 {
			t.Fatalf("%v", v)
		}
	})
	t.Run("thresholds are evaluated again on the merged values", func(t *testing.T) {
		if !merged.Metrics["iterations"].Thresholds["count>=300"].OK {
			t.Fatal("count>=300 fails on 400 iterations")
		}
		if merged.Metrics["iteration_duration"].Thresholds["p(95)<150"].OK {
			t.Fatal("p(95)<150 holds though half the samples are 101..300 ms")
		}
		if !merged.Metrics["iteration_duration{scenario:a}"].Thresholds["max<=100"].OK {
			t.Fatal("the sub-metric's threshold fails")
		}
	})
	t.Run("checks of the same group add up", func(t *testing.T) {
		g := merged.RootGroup.Groups
		if len(g) != 1 || g[0].Path != "::g" || g[0].Checks[0].Passes != 200 || g[0].Checks[0].Fails != 200 {
			t.Fatalf("%+v", g)
		}
	})
	t.Run("a summary without histograms cannot be merged", func(t *testing.T) {
		var m map[string]any
		_ = json.Unmarshal(parts[0], &m)
		delete(m, "spate")
		bare, _ := json.Marshal(m)
		if _, err := Merge(bare, parts[1]); err == nil || !strings.Contains(err.Error(), "no histogram") {
			t.Fatalf("got %v", err)
		}
	})
}
