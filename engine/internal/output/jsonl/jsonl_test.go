package jsonl

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"spate.local/engine/internal/metrics"
)

type line struct {
	Type   string `json:"type"`
	Metric string `json:"metric"`
	Data   struct {
		Name       string            `json:"name"`
		Type       string            `json:"type"`
		Contains   string            `json:"contains"`
		Thresholds []string          `json:"thresholds"`
		Submetrics any               `json:"submetrics"`
		Time       string            `json:"time"`
		Value      *float64          `json:"value"`
		Tags       map[string]string `json:"tags"`
	} `json:"data"`
}

func readLines(t *testing.T, path string) []line {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if filepath.Ext(path) == ".gz" {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	var lines []line
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestJSONLines(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	at := time.Date(2026, 12, 2, 3, 4, 5, 123456789, time.UTC)
	tags := metrics.NewTagSet(map[string]string{"scenario": "spike", "topic": `a"b`})
	samples := []metrics.Sample{
		{Metric: b.Iterations, Tags: tags, Time: at, Value: 1},
		{Metric: b.IterationDuration, Tags: tags, Time: at, Value: 12.5},
		{Metric: b.Iterations, Tags: nil, Time: at.Add(time.Millisecond), Value: 1},
		{Metric: b.VUs, Time: at, Value: math.NaN()},
	}
	for _, name := range []string{"results.json", "results.json.gz"} {
		t.Run("k6's lines are written to "+name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			o := New(path, map[string][]string{"iterations": {"count>0"}})
			if err := o.Start(); err != nil {
				t.Fatal(err)
			}
			o.AddSamples(samples[:2])
			o.AddSamples(samples[2:])
			if err := o.Stop(); err != nil {
				t.Fatal(err)
			}
			lines := readLines(t, path)
			if len(lines) != 7 {
				t.Fatalf("%d lines, want 3 Metric and 4 Point", len(lines))
			}
			first := lines[0]
			if first.Type != "Metric" || first.Metric != "iterations" || first.Data.Name != "iterations" || first.Data.Type != "counter" ||
				first.Data.Contains != "default" || len(first.Data.Thresholds) != 1 || first.Data.Submetrics != nil {
				t.Fatalf("metric line %+v", first)
			}
			point := lines[1]
			if point.Type != "Point" || point.Metric != "iterations" || point.Data.Time != "2026-12-02T03:04:05.123456789Z" ||
				*point.Data.Value != 1 || point.Data.Tags["topic"] != `a"b` || point.Data.Tags["scenario"] != "spike" {
				t.Fatalf("point line %+v", point)
			}
			if lines[2].Type != "Metric" || lines[2].Data.Contains != "time" || lines[2].Data.Thresholds == nil || lines[3].Data.Value == nil || *lines[3].Data.Value != 12.5 {
				t.Fatalf("trend lines %+v %+v", lines[2], lines[3])
			}
			if lines[4].Type != "Point" || len(lines[4].Data.Tags) != 0 {
				t.Fatalf("a second metric line for iterations, or tags on an untagged sample: %+v", lines[4])
			}
			if lines[6].Data.Value != nil {
				t.Fatalf("NaN written as %v, want null", *lines[6].Data.Value)
			}
		})
	}
	t.Run("lines reach the file within about a second, before Stop", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "live.json")
		o := New(path, nil)
		if err := o.Start(); err != nil {
			t.Fatal(err)
		}
		defer o.Stop()
		o.AddSamples(samples[:1])
		deadline := time.Now().Add(3 * time.Second)
		for len(readLines(t, path)) < 2 {
			if time.Now().After(deadline) {
				t.Fatal("nothing written after 3 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	t.Run("a file in a missing directory is a one-line error", func(t *testing.T) {
		o := New(filepath.Join(t.TempDir(), "missing", "x.json"), nil)
		if err := o.Start(); err == nil {
			t.Fatal("no error")
		}
	})
}
