package capacity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Runner runs each step as its own `spate run` of a load script (scripts/steady.ts by default)
// at SPATE_RATE for SPATE_DURATION, and judges it by the thresholds of the summary the script
// writes (k6-summary.json in SPATE_REPORT_DIR): the same gates as any run of that script, so a
// pipeline spate did not write is searched through the same sink checks.
type Runner struct {
	Command  []string          // the engine's run command, e.g. {"/usr/local/bin/spate", "run"}
	Script   string            // the load script
	Duration time.Duration     // SPATE_DURATION of each step
	Cooldown time.Duration     // pause before each step after the first, so a failed step's backlog drains
	Env      map[string]string // variables for every step, over the process environment
	Dir      string            // step N writes its reports and output to Dir/step-N
	RunID    string            // step N runs as SPATE_RUN_ID=RunID-N, so steps never mix in the sink

	steps int
}

// Step runs one step; it is a RunStep.
func (r *Runner) Step(ctx context.Context, phase Phase, rate float64) (Step, error) {
	if r.steps > 0 && r.Cooldown > 0 {
		select {
		case <-time.After(r.Cooldown):
		case <-ctx.Done():
			return Step{}, ctx.Err()
		}
	}
	r.steps++
	dir := filepath.Join(r.Dir, fmt.Sprintf("step-%d", r.steps))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Step{}, fmt.Errorf("cannot create the step's report directory: %v", err)
	}
	summaryPath := filepath.Join(dir, "k6-summary.json")
	_ = os.Remove(summaryPath)
	args := append(append([]string{}, r.Command[1:]...), "--quiet", r.Script)
	cmd := exec.CommandContext(ctx, r.Command[0], args...)
	// A stopped search stops its step as a signal stops a run: teardown and summary still run.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	env := os.Environ()
	for k, v := range r.Env {
		env = append(env, k+"="+v)
	}
	cmd.Env = append(env,
		"SPATE_RATE="+strconv.FormatFloat(math.Round(rate), 'f', 0, 64),
		"SPATE_DURATION="+r.Duration.String(),
		"SPATE_REPORT_DIR="+dir,
		fmt.Sprintf("SPATE_RUN_ID=%s-%d", r.RunID, r.steps),
	)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err := cmd.Run()
	_ = os.WriteFile(filepath.Join(dir, "output.log"), output.Bytes(), 0o644)
	code := 0
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return Step{}, fmt.Errorf("cannot run %s: %v", r.Command[0], err)
		}
		code = exit.ExitCode()
	}
	if ctx.Err() != nil {
		return Step{}, ctx.Err()
	}
	// 99 (a threshold breached) and 110 (the script marked the test failed) are a step that did
	// not sustain its rate; any other failure means the step could not be judged.
	if code != 0 && code != 99 && code != 110 {
		return Step{}, fmt.Errorf("the step at %s msg/s exited %d: %s (its output: %s)", strconv.FormatFloat(math.Round(rate), 'f', 0, 64), code, lastLine(output.String()), filepath.Join(dir, "output.log"))
	}
	step, err := readStep(summaryPath, r.Duration)
	if err != nil {
		return Step{}, err
	}
	step.Passed = code == 0 && len(step.Breached) == 0
	return step, nil
}

// readStep reads what the table shows of a step from its summary.
func readStep(path string, load time.Duration) (Step, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Step{}, fmt.Errorf("the step wrote no summary at %s; the script must write k6-summary.json to SPATE_REPORT_DIR as scripts/lib/load.ts does", path)
	}
	var data struct {
		Metrics map[string]struct {
			Values     map[string]float64           `json:"values"`
			Thresholds map[string]struct{ OK bool } `json:"thresholds"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		return Step{}, fmt.Errorf("the step's summary %s is not JSON: %v", path, err)
	}
	step := Step{ReportPath: path, P99Ms: math.NaN()}
	if m, ok := data.Metrics["kafka_writer_message_count"]; ok && load > 0 {
		step.Achieved = m.Values["count"] / load.Seconds()
	}
	// With no record verified the latency trend is empty and its p99 reads 0: show none.
	verified, counted := data.Metrics["spate_records_verified"]
	if m, ok := data.Metrics["spate_end_to_end_latency"]; ok && (!counted || verified.Values["count"] > 0) {
		if v, ok := m.Values["p(99)"]; ok {
			step.P99Ms = v
		}
	}
	for name, m := range data.Metrics {
		for _, t := range m.Thresholds {
			if !t.OK {
				step.Breached = append(step.Breached, name)
				break
			}
		}
	}
	sort.Strings(step.Breached)
	return step, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
