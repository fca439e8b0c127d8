package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"spate.local/engine/internal/capacity"
	"spate.local/engine/internal/exitcode"
)

const capacityUsage = `Usage:
  spate capacity [flags] [script.ts]

Finds the highest rate the pipeline sustains: runs the load script (scripts/steady.ts by
default) one step at a time at an offered rate (SPATE_RATE, for SPATE_DURATION), judges each
step by the script's thresholds (keeps-up gate, latency SLO, nothing lost), ramps the rate up
while steps pass, backs off when the first one fails and bisects between the highest pass and
the lowest failure. Prints a Markdown table (configuration, rate, time to 1M records, p99
end-to-end latency, verdict) and writes an HTML chart. Exits 0 when a rate passed, 99 when none
did.

With --target and --pipeline it answers the other question: the fewest workers or instances
that sustain a rate. It starts each --pipeline configuration in the order given (fewest
first), runs one step at the target, stops it, and stops at the first that passes.

Flags:
      --start-rate N      the first step's messages per second (default 1000)
      --min-rate N        back off no lower than this (default 100)
      --max-rate N        ramp no higher than this (default 1000000)
      --growth F          rate factor while ramping and backing off (default 2)
      --precision F       stop when the gap between pass and failure is within this fraction
                          of the pass (default 0.1)
      --max-steps N       at most this many steps (default 10)
      --step-duration D   load time of each step, SPATE_DURATION (default 30s)
      --cooldown D        pause between steps, so a failed step's backlog drains (default 10s)
  -e, --env KEY=VALUE     a variable for every step (repeatable), e.g. -e SPATE_TOPIC=events
      --label NAME        the configuration's name in the table (default pipeline)
      --dir DIR           where each step's reports go (default capacity-<time>)
      --html PATH         the chart (default DIR/capacity.html)
      --target N          find the fewest configurations sustaining N msg/s (needs --pipeline)
      --pipeline L=CMD    a configuration: its label and the shell command that starts it
                          (repeatable, fewest first); stopped by process group after its step
      --ready-url URL     poll URL until it answers 200 before each configuration's step
      --ready-timeout D   how long a configuration may take to be ready (default 60s)
  -h, --help              this help
`

func capacityCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spate capacity", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	search := capacity.Search{Start: 1000, Min: 100, Max: 1e6, Growth: 2, Precision: 0.1, MaxSteps: 10}
	var (
		env, pipelines     multi
		target             float64
		readyURL           string
		readyTimeout       = time.Minute
		label              = "pipeline"
		dir, htmlPath      string
		stepTime, cooldown = 30 * time.Second, 10 * time.Second
		help               bool
	)
	fs.Float64Var(&search.Start, "start-rate", search.Start, "")
	fs.Float64Var(&search.Min, "min-rate", search.Min, "")
	fs.Float64Var(&search.Max, "max-rate", search.Max, "")
	fs.Float64Var(&search.Growth, "growth", search.Growth, "")
	fs.Float64Var(&search.Precision, "precision", search.Precision, "")
	fs.IntVar(&search.MaxSteps, "max-steps", search.MaxSteps, "")
	fs.DurationVar(&stepTime, "step-duration", stepTime, "")
	fs.DurationVar(&cooldown, "cooldown", cooldown, "")
	for _, n := range []string{"e", "env"} {
		fs.Var(&env, n, "")
	}
	fs.StringVar(&label, "label", label, "")
	fs.StringVar(&dir, "dir", "", "")
	fs.StringVar(&htmlPath, "html", "", "")
	fs.Float64Var(&target, "target", 0, "")
	fs.Var(&pipelines, "pipeline", "")
	fs.StringVar(&readyURL, "ready-url", "", "")
	fs.DurationVar(&readyTimeout, "ready-timeout", readyTimeout, "")
	for _, n := range []string{"h", "help"} {
		fs.BoolVar(&help, n, false, "")
	}
	positional, err := parseInterspersed(fs, args)
	if help {
		fmt.Fprint(stdout, capacityUsage)
		return exitcode.OK
	}
	invalid := func(err error) int {
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, fmt.Errorf("spate capacity: %v", err), "run 'spate capacity --help' for the flags"))
	}
	if err != nil {
		return invalid(err)
	}
	script := "scripts/steady.ts"
	switch len(positional) {
	case 0:
	case 1:
		script = positional[0]
	default:
		return invalid(fmt.Errorf("one script expected, got %d arguments (%s)", len(positional), strings.Join(positional, " ")))
	}
	if _, err := os.Stat(script); err != nil {
		return invalid(fmt.Errorf("cannot read the script %s; run from the repository root or name the script", script))
	}
	var configs []capacity.Pipeline
	for _, p := range pipelines {
		l, c, ok := strings.Cut(p, "=")
		if !ok || l == "" || c == "" {
			return invalid(fmt.Errorf("--pipeline %q must be LABEL=COMMAND, e.g. 'x2=task processor -- --workers 2'", p))
		}
		configs = append(configs, capacity.Pipeline{Label: l, Command: c})
	}
	if (target > 0) != (len(configs) > 0) {
		return invalid(errors.New("--target and --pipeline go together: the target rate, and the configurations to try at it"))
	}
	if err := search.Validate(); err != nil && target == 0 {
		return invalid(err)
	}
	if stepTime <= 0 {
		return invalid(fmt.Errorf("--step-duration %s must be positive", stepTime))
	}
	vars, err := keyValues(env, "-e/--env")
	if err != nil {
		return invalid(err)
	}
	self, err := os.Executable()
	if err != nil {
		return fail(stderr, fmt.Errorf("spate capacity: cannot find the spate binary to run the steps: %v", err))
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	if dir == "" {
		dir = "capacity-" + stamp
	}
	if htmlPath == "" {
		htmlPath = filepath.Join(dir, "capacity.html")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(stderr, fmt.Errorf("spate capacity: cannot create --dir %s: %v", dir, errors.Unwrap(err)))
	}
	runner := &capacity.Runner{Command: []string{self, "run"}, Script: script, Duration: stepTime, Cooldown: cooldown,
		Env: vars, Dir: dir, RunID: "capacity-" + stamp}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if target > 0 {
		return fewestCommand(ctx, configs, target, runner, vars, readyURL, readyTimeout, stdout, stderr)
	}
	fmt.Fprintf(stderr, "spate capacity: %s, steps of %s from %s msg/s; reports in %s\n", label, stepTime, capacity.Rate(search.Start), dir)
	n := 0
	res, err := search.Run(ctx, runner.Step, func(s capacity.Step) {
		n++
		verdict := "pass"
		if !s.Passed {
			verdict = "FAIL " + strings.Join(s.Breached, ", ")
		}
		fmt.Fprintf(stderr, "spate capacity: step %d (%s) %s msg/s offered, %s achieved: %s\n", n, s.Phase, capacity.Rate(s.Rate), capacity.Rate(s.Achieved), verdict)
	})
	if len(res.Steps) > 0 {
		table := capacity.Table(label, res)
		fmt.Fprint(stdout, table)
		_ = os.WriteFile(filepath.Join(dir, "capacity.md"), []byte(table), 0o644)
		if werr := os.WriteFile(htmlPath, []byte(capacity.HTML(label, res)), 0o644); werr != nil {
			fmt.Fprintf(stderr, "spate capacity: cannot write --html %s: %v\n", htmlPath, errors.Unwrap(werr))
		} else {
			fmt.Fprintf(stderr, "spate capacity: chart in %s\n", htmlPath)
		}
	}
	if ctx.Err() != nil {
		return fail(stderr, exitcode.New(exitcode.ExternalAbort, "the capacity search was stopped by a signal after %d steps", len(res.Steps)))
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("spate capacity: %v", err))
	}
	if res.Sustained == 0 {
		return fail(stderr, exitcode.New(exitcode.ThresholdsFailed, "no step passed: the pipeline sustained none of the rates down to --min-rate %s msg/s", capacity.Rate(search.Min)))
	}
	return exitcode.OK
}

// fewestCommand tries the configurations at the target rate, fewest first.
func fewestCommand(ctx context.Context, configs []capacity.Pipeline, target float64, runner *capacity.Runner, vars map[string]string,
	readyURL string, readyTimeout time.Duration, stdout, stderr io.Writer,
) int {
	env := os.Environ()
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	n := 0
	start := func(ctx context.Context, p capacity.Pipeline) (func(), error) {
		n++
		fmt.Fprintf(stderr, "spate capacity: starting %s: %s\n", p.Label, p.Command)
		s, err := capacity.StartPipeline(ctx, p, env, filepath.Join(runner.Dir, fmt.Sprintf("pipeline-%d.log", n)), readyURL, readyTimeout)
		if err != nil {
			return nil, err
		}
		return s.Stop, nil
	}
	tried, first, err := capacity.Fewest(ctx, configs, target, start, runner.Step, func(t capacity.Tried) {
		verdict := "pass"
		if !t.Step.Passed {
			verdict = "FAIL " + strings.Join(t.Step.Breached, ", ")
		}
		fmt.Fprintf(stderr, "spate capacity: %s at %s msg/s: %s\n", t.Pipeline.Label, capacity.Rate(target), verdict)
	})
	if len(tried) > 0 {
		table := capacity.FewestTable(target, tried, first)
		fmt.Fprint(stdout, table)
		_ = os.WriteFile(filepath.Join(runner.Dir, "capacity.md"), []byte(table), 0o644)
	}
	if ctx.Err() != nil {
		return fail(stderr, exitcode.New(exitcode.ExternalAbort, "the capacity search was stopped by a signal after %d configurations", len(tried)))
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("spate capacity: %v", err))
	}
	if first < 0 {
		return fail(stderr, exitcode.New(exitcode.ThresholdsFailed, "none of the %d configurations sustains %s msg/s", len(tried), capacity.Rate(target)))
	}
	return exitcode.OK
}
