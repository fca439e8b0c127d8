// Package jstest runs small scripts in real js VUs for the tests of modules: a script written
// to a temporary directory, compiled, and VUs whose samples and log lines are kept in memory.
package jstest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/js"
	"spate.local/engine/internal/metrics"
)

// Rig is one compiled script and the in-memory parts its VUs report to.
type Rig struct {
	Config  *js.Config
	Samples *Samples
	Log     *Log
	Test    *Test
}

// New writes files (name, source, name, source...) to a temporary directory, compiles the first
// and returns a rig with run tags testid=jstest.
func New(t testing.TB, files ...string) *Rig {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		path := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	program, err := js.Compile(filepath.Join(dir, files[0]))
	if err != nil {
		t.Fatal(err)
	}
	registry := metrics.NewRegistry()
	r := &Rig{Samples: &Samples{}, Log: &Log{}, Test: &Test{OptionsValue: map[string]any{}}}
	r.Config = &js.Config{
		Program: program, Env: map[string]string{}, Registry: registry, Builtins: metrics.RegisterBuiltins(registry),
		Collector: r.Samples, Tags: metrics.NewTagSet(map[string]string{"testid": "jstest"}), Logger: r.Log, Test: r.Test,
	}
	return r
}

// VU initializes a VU with idInInstance and idInTest both id.
func (r *Rig) VU(t testing.TB, id uint64) *js.VU {
	t.Helper()
	vu, err := js.NewVU(context.Background(), r.Config, id, id)
	if err != nil {
		t.Fatal(err)
	}
	return vu
}

// Scenario returns a scenario named name that runs the export exec ("" for default).
func Scenario(name, exec string) *executor.Scenario {
	return &executor.Scenario{
		Name: name, Executor: "shared-iterations", Exec: exec,
		Tags: metrics.NewTagSet(map[string]string{"scenario": name}), StartTime: time.Now(),
		Progress: func() float64 { return 0.5 },
	}
}

// Iterate runs one iteration of s on vu and fails the test on a returned error.
func Iterate(t testing.TB, vu *js.VU, s *executor.Scenario) {
	t.Helper()
	if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: s}); err != nil {
		t.Fatal(err)
	}
}

// Samples is an in-memory metrics.Collector.
type Samples struct {
	mu  sync.Mutex
	all []metrics.Sample
}

func (s *Samples) Collect(in ...metrics.Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, in...)
}

// Of returns the samples of the metric named name, in order.
func (s *Samples) Of(name string) []metrics.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []metrics.Sample
	for _, x := range s.all {
		if x.Metric.Name == name {
			out = append(out, x)
		}
	}
	return out
}

// Log is a modules.Logger that keeps its lines ("INFO ..." and "WARN ...").
type Log struct {
	mu    sync.Mutex
	lines []string
}

func (l *Log) Infof(f string, a ...any) { l.add("INFO " + fmt.Sprintf(f, a...)) }
func (l *Log) Warnf(f string, a ...any) { l.add("WARN " + fmt.Sprintf(f, a...)) }

func (l *Log) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

// String is every line, newline-separated.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// Test is a js.Test that records aborts and failures.
type Test struct {
	mu           sync.Mutex
	Aborted      []string
	Failed       []string
	OptionsValue any
	StatsValue   js.InstanceStats
}

func (f *Test) Abort(r string) { f.mu.Lock(); f.Aborted = append(f.Aborted, r); f.mu.Unlock() }
func (f *Test) Fail(r string)  { f.mu.Lock(); f.Failed = append(f.Failed, r); f.mu.Unlock() }
func (f *Test) Options() any   { return f.OptionsValue }
func (f *Test) Stats() js.InstanceStats {
	return f.StatsValue
}
