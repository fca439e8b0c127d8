package capacity

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeRun stands in for `spate run`: it writes a summary like the load scripts' and exits
// with FAKE_CODE. The step's variables reach it as they would reach the script.
const fakeRun = `
set -e
[ -n "$FAKE_NO_SUMMARY" ] && exit "$FAKE_CODE"
ok=true; [ "$FAKE_CODE" = 99 ] && ok=false
cat > "$SPATE_REPORT_DIR/k6-summary.json" <<JSON
{"metrics": {
  "kafka_writer_message_count": {"type": "counter", "values": {"count": $((SPATE_RATE * 2))}},
  "spate_end_to_end_latency": {"type": "trend", "values": {"p(99)": 42.5}, "thresholds": {"p(99)<1000": {"ok": $ok}}},
  "spate_records_lost": {"type": "counter", "values": {"count": 0}, "thresholds": {"count==0": {"ok": true}}}
}, "run": "$SPATE_RUN_ID", "duration": "$SPATE_DURATION"}
JSON
echo "the last line of the run" >&2
exit "$FAKE_CODE"
`

func TestRunnerStep(t *testing.T) {
	cases := []struct {
		name         string
		env          map[string]string
		wantPassed   bool
		wantBreached string
		wantErr      string
	}{
		{"a run that exits 0 with every threshold held passes", map[string]string{"FAKE_CODE": "0"}, true, "", ""},
		{"a run that breaches a threshold fails and names the metric", map[string]string{"FAKE_CODE": "99"}, false, "spate_end_to_end_latency", ""},
		{"a run that cannot be judged stops the search", map[string]string{"FAKE_CODE": "107"}, false, "", "exited 107: the last line of the run"},
		{"a run without a summary stops the search", map[string]string{"FAKE_CODE": "0", "FAKE_NO_SUMMARY": "1"}, false, "", "wrote no summary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Runner{Command: []string{"sh", "-c", fakeRun, "sh"}, Script: "steady.ts", Duration: 2 * time.Second,
				Env: c.env, Dir: t.TempDir(), RunID: "cap-test"}
			step, err := r.Step(context.Background(), Ramp, 1500)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if step.Passed != c.wantPassed || strings.Join(step.Breached, ",") != c.wantBreached {
				t.Fatalf("passed %v breached %v, want %v %q", step.Passed, step.Breached, c.wantPassed, c.wantBreached)
			}
			if step.Achieved != 1500 || step.P99Ms != 42.5 {
				t.Fatalf("achieved %v p99 %v, want 1500 and 42.5", step.Achieved, step.P99Ms)
			}
			raw, _ := os.ReadFile(filepath.Join(r.Dir, "step-1", "k6-summary.json"))
			if !strings.Contains(string(raw), `"run": "cap-test-1"`) || !strings.Contains(string(raw), `"duration": "2s"`) {
				t.Fatalf("the step's variables did not reach the run: %s", raw)
			}
		})
	}
	for _, c := range []struct{ name, summary string }{
		{"a script without a latency metric shows no p99", `{"metrics": {}}`},
		{"a step that verified no record shows no p99", `{"metrics": {"spate_records_verified": {"values": {"count": 0}}, "spate_end_to_end_latency": {"values": {"p(99)": 0}}}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k6-summary.json")
			if err := os.WriteFile(path, []byte(c.summary), 0o644); err != nil {
				t.Fatal(err)
			}
			step, err := readStep(path, time.Second)
			if err != nil || !math.IsNaN(step.P99Ms) {
				t.Fatalf("p99 %v err %v, want NaN", step.P99Ms, err)
			}
		})
	}
}
