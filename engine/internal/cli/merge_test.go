package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	// The scripts here import k6/metrics, which the spate command registers in main.
	_ "spate.local/engine/internal/modules/k6"
)

// A script whose counter thresholds only hold for the whole test, so that the merge (and not
// each instance) decides the verdict.
const halvesScript = `
import { Counter, Trend } from 'k6/metrics'
const done = new Counter('done')
const took = new Trend('took', true)
export const options = {
  scenarios: { work: { executor: 'shared-iterations', vus: 2, iterations: 40 } },
  thresholds: { done: [__ENV.DONE_THRESHOLD], took: ['p(95)<1000'] },
}
export default function () { done.add(1); took.add(__ITER % 10) }
export function handleSummary (data) { return { [__ENV.OUT]: JSON.stringify(data) } }
`

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "halves.js")
	if err := os.WriteFile(script, []byte(halvesScript), 0o644); err != nil {
		t.Fatal(err)
	}
	// runHalves runs the test as two instances (segments 0:1/2 and 1/2:1) and returns their
	// summaries' paths.
	runHalves := func(t *testing.T, threshold string) []string {
		var paths []string
		for i, seg := range []string{"0:1/2", "1/2:1"} {
			out := filepath.Join(t.TempDir(), "part.json")
			var stdout, stderr bytes.Buffer
			code := Main([]string{"run", "--quiet", "--include-system-env-vars=false", "-e", "OUT=" + out, "-e", "DONE_THRESHOLD=" + threshold,
				"--execution-segment", seg, "--execution-segment-sequence", "0,1/2,1", script}, &stdout, &stderr)
			if code != 0 && code != 99 {
				t.Fatalf("instance %d exited %d: %s", i+1, code, stderr.String())
			}
			paths = append(paths, out)
		}
		return paths
	}
	cases := []struct {
		name      string
		threshold string
		wantCode  int
		wantOK    bool
	}{
		{"halves that each miss a whole-test count pass once merged", "count==40", 0, true},
		{"halves that each hold a bound breach it once merged", "count<30", 99, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := runHalves(t, c.threshold)
			merged, junit := filepath.Join(t.TempDir(), "merged.json"), filepath.Join(t.TempDir(), "junit.xml")
			var stdout, stderr bytes.Buffer
			code := Main(append([]string{"merge", "--summary", merged, "--junit", junit}, parts...), &stdout, &stderr)
			if code != c.wantCode {
				t.Fatalf("merge exited %d, want %d: %s", code, c.wantCode, stderr.String())
			}
			var data struct {
				Metrics map[string]struct {
					Values     map[string]float64           `json:"values"`
					Thresholds map[string]struct{ OK bool } `json:"thresholds"`
				} `json:"metrics"`
			}
			raw, err := os.ReadFile(merged)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &data); err != nil {
				t.Fatal(err)
			}
			if got := data.Metrics["done"].Values["count"]; got != 40 {
				t.Errorf("merged done count = %v, want 40", got)
			}
			if got := data.Metrics["iterations"].Values["count"]; got != 40 {
				t.Errorf("merged iterations = %v, want 40", got)
			}
			if got := data.Metrics["done"].Thresholds[c.threshold].OK; got != c.wantOK {
				t.Errorf("merged threshold %s ok = %v, want %v", c.threshold, got, c.wantOK)
			}
			if !data.Metrics["took"].Thresholds["p(95)<1000"].OK {
				t.Errorf("the trend threshold failed after the merge")
			}
			x, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			wantFailures := `failures="0"`
			if !c.wantOK {
				wantFailures = `failures="1"`
			}
			if !strings.Contains(string(x), `tests="2"`) || !strings.Contains(string(x), wantFailures) {
				t.Errorf("JUnit wants 2 tests, %s:\n%s", wantFailures, x)
			}
			if !strings.Contains(stdout.String(), "done") {
				t.Errorf("the merged summary does not show the done counter:\n%s", stdout.String())
			}
		})
	}

	errorCases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no summaries is a usage error", []string{"merge"}, "no summaries given"},
		{"a missing file is named", []string{"merge", filepath.Join(dir, "nope.json")}, "cannot read"},
		{"a file that is not a summary is named", []string{"merge", script}, "not handleSummary JSON"},
	}
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(c.args, &stdout, &stderr); code != 104 {
				t.Fatalf("exited %d, want 104: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.wantErr) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr.String(), c.wantErr)
			}
		})
	}
}
