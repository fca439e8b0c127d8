package capacity

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFewest(t *testing.T) {
	// Each configuration sustains 5,000 msg/s per instance.
	pipelines := []Pipeline{{Label: "x1"}, {Label: "x2"}, {Label: "x4"}}
	perInstance := map[string]float64{"x1": 5000, "x2": 10000, "x4": 20000}
	cases := []struct {
		name      string
		target    float64
		wantTried int
		wantFirst int
		wantLine  string
	}{
		{"it stops at the first configuration that sustains the target", 8000, 2, 1, "fewest: x2 sustains 8,000 msg/s"},
		{"the smallest is enough for a low target", 1000, 1, 0, "fewest: x1 sustains 1,000 msg/s"},
		{"it says when none sustains the target", 50000, 3, -1, "none of the 3 configurations sustains 50,000 msg/s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var up, stopped []string
			var current string
			start := func(_ context.Context, p Pipeline) (func(), error) {
				up, current = append(up, p.Label), p.Label
				return func() { stopped = append(stopped, p.Label) }, nil
			}
			run := func(_ context.Context, _ Phase, rate float64) (Step, error) {
				return Step{Passed: rate <= perInstance[current], Achieved: rate}, nil
			}
			tried, first, err := Fewest(context.Background(), pipelines, c.target, start, run, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(tried) != c.wantTried || first != c.wantFirst {
				t.Fatalf("tried %d, first %d; want %d, %d", len(tried), first, c.wantTried, c.wantFirst)
			}
			if strings.Join(up, ",") != strings.Join(stopped, ",") {
				t.Fatalf("started %v but stopped %v", up, stopped)
			}
			if table := FewestTable(c.target, tried, first); !strings.Contains(table, c.wantLine) {
				t.Fatalf("table lacks %q:\n%s", c.wantLine, table)
			}
		})
	}
	t.Run("a configuration that does not start stops the search", func(t *testing.T) {
		boom := errors.New("no such command")
		_, _, err := Fewest(context.Background(), pipelines, 1000, func(context.Context, Pipeline) (func(), error) { return nil, boom }, nil, nil)
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want %v", err, boom)
		}
	})
}

func TestStartPipeline(t *testing.T) {
	t.Run("stop ends every process the command started", func(t *testing.T) {
		dir := t.TempDir()
		pidFile := filepath.Join(dir, "child.pid")
		// The command starts a child of its own; stopping must reach it too.
		s, err := StartPipeline(context.Background(), Pipeline{Label: "sleepers", Command: "sleep 60 & echo $! > " + pidFile + "; wait"},
			os.Environ(), filepath.Join(dir, "out.log"), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var pid []byte
		for i := 0; i < 50 && len(pid) == 0; i++ {
			time.Sleep(20 * time.Millisecond)
			pid, _ = os.ReadFile(pidFile)
		}
		s.Stop()
		time.Sleep(100 * time.Millisecond)
		// Gone, or a zombie waiting for init to reap it: either way it no longer runs.
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
		if err == nil && !strings.Contains(string(stat), ") Z ") {
			t.Fatalf("the child still runs after Stop: %s", stat)
		}
	})
	t.Run("a pipeline that exits before it is ready is an error naming its log", func(t *testing.T) {
		dir := t.TempDir()
		_, err := StartPipeline(context.Background(), Pipeline{Label: "broken", Command: "echo no config >&2; exit 3"},
			os.Environ(), filepath.Join(dir, "out.log"), "http://127.0.0.1:1/readyz", 5*time.Second)
		if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "out.log") {
			t.Fatalf("error %v", err)
		}
	})
}
