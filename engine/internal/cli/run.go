package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/run"
)

const runUsage = `Usage:
  spate run [flags] <script.ts|script.js>

Runs a load script: its init code once per VU, setup(), the scenarios of its options, teardown(),
then handleSummary() or the end-of-test summary. TypeScript is compiled by spate itself.

Flags:
  -e, --env KEY=VALUE              set __ENV.KEY (repeatable); the process environment is there too
                                   unless --include-system-env-vars=false
  -u, --vus N                      VUs (with --duration: a constant-vus scenario; with --iterations:
                                   shared-iterations), over the script's options
  -d, --duration D                 test duration, e.g. 30s, 5m
  -i, --iterations N               total iterations
  -o, --out OUTPUT                 send every sample to an output (repeatable):
                                     json=PATH                    JSON lines (PATH.gz: gzipped)
                                     experimental-prometheus-rw   Prometheus remote write
                                                                  (K6_PROMETHEUS_RW_* variables)
      --tag NAME=VALUE             a tag on every sample (repeatable), e.g. --tag testid=run-42
  -q, --quiet                      no progress line
      --no-summary                 no end-of-test summary (handleSummary is not called)
      --summary-export PATH        also write the summary in k6's export JSON format
      --no-thresholds              do not evaluate thresholds
      --no-setup, --no-teardown    skip setup() or teardown()
      --execution-segment SEG      run this instance's share of the test, e.g. 0:1/2
      --execution-segment-sequence SEQ
                                   the segments of every instance, e.g. 0,1/2,1
      --start-at TIME              start the scenarios at TIME (after setup), RFC 3339 or Unix ms,
                                   so that several instances of one test start together
      --include-system-env-vars    put the process environment in __ENV (default true)
  -h, --help                       this help
`

func runCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spate run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		env, outs, tags               multi
		vus, iterations               optionalInt
		duration, segment, sequence   optionalString
		startAt                       optionalString
		quiet, noSummary, noThreshold bool
		noSetup, noTeardown, help     bool
		summaryExport                 string
		systemEnv                     = true
	)
	for _, n := range []string{"e", "env"} {
		fs.Var(&env, n, "")
	}
	for _, n := range []string{"o", "out"} {
		fs.Var(&outs, n, "")
	}
	fs.Var(&tags, "tag", "")
	for _, n := range []string{"u", "vus"} {
		fs.Var(&vus, n, "")
	}
	for _, n := range []string{"i", "iterations"} {
		fs.Var(&iterations, n, "")
	}
	for _, n := range []string{"d", "duration"} {
		fs.Var(&duration, n, "")
	}
	fs.Var(&segment, "execution-segment", "")
	fs.Var(&sequence, "execution-segment-sequence", "")
	fs.Var(&startAt, "start-at", "")
	for _, n := range []string{"q", "quiet"} {
		fs.BoolVar(&quiet, n, false, "")
	}
	for _, n := range []string{"h", "help"} {
		fs.BoolVar(&help, n, false, "")
	}
	fs.BoolVar(&noSummary, "no-summary", false, "")
	fs.BoolVar(&noThreshold, "no-thresholds", false, "")
	fs.BoolVar(&noSetup, "no-setup", false, "")
	fs.BoolVar(&noTeardown, "no-teardown", false, "")
	fs.BoolVar(&systemEnv, "include-system-env-vars", true, "")
	fs.StringVar(&summaryExport, "summary-export", "", "")

	positional, err := parseInterspersed(fs, args)
	if help {
		fmt.Fprint(stdout, runUsage)
		return exitcode.OK
	}
	if err != nil {
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, fmt.Errorf("spate run: %v", err), "run 'spate run --help' for the flags"))
	}
	if len(positional) != 1 {
		what := "no script given"
		if len(positional) > 1 {
			what = fmt.Sprintf("one script expected, got %d arguments (%s)", len(positional), strings.Join(positional, " "))
		}
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, errors.New("spate run: "+what), "usage: spate run [flags] <script.ts|script.js>"))
	}
	cfg := run.Config{
		Script:        positional[0],
		Quiet:         quiet,
		NoSummary:     noSummary,
		NoThresholds:  noThreshold,
		NoSetup:       noSetup,
		NoTeardown:    noTeardown,
		SummaryExport: summaryExport,
		Outputs:       outs,
		Stdout:        stdout,
		Stderr:        stderr,
		StdoutTTY:     isTerminal(os.Stdout),
		StderrTTY:     isTerminal(os.Stderr),
	}
	if cfg.Env, err = scriptEnv(env, systemEnv); err != nil {
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, err, ""))
	}
	if cfg.Tags, err = keyValues(tags, "--tag"); err != nil {
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, err, ""))
	}
	if vus.set {
		cfg.VUs = &vus.v
	}
	if iterations.set {
		cfg.Iterations = &iterations.v
	}
	if duration.set {
		d, err := time.ParseDuration(duration.v)
		if err != nil {
			return fail(stderr, exitcode.New(exitcode.InvalidConfig, "--duration %q is not a duration; use e.g. 30s, 5m or 1h30m", duration.v))
		}
		cfg.Duration = &d
	}
	if segment.set {
		cfg.Segment = segment.v
	}
	if sequence.set {
		cfg.SegmentSequence = sequence.v
	}
	if startAt.set {
		if cfg.StartAt, err = parseStartAt(startAt.v); err != nil {
			return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, err, ""))
		}
	}

	// The first SIGINT or SIGTERM stops the test gracefully (teardown and summary still run,
	// exit 105); a second one exits at once.
	ctx, stop := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		sig, ok := <-signals
		if !ok {
			return
		}
		fmt.Fprintf(stderr, "spate: %s received, stopping the test (teardown and summary still run; send it again to exit now)\n", sig)
		stop(run.ErrSignal)
		if _, ok := <-signals; ok {
			fmt.Fprintln(stderr, "spate: second signal, exiting now")
			os.Exit(exitcode.ExternalAbort)
		}
	}()
	if err := run.Execute(ctx, cfg); err != nil {
		return fail(stderr, err)
	}
	return exitcode.OK
}

// scriptEnv is __ENV: the process environment (unless turned off), then -e values over it.
func scriptEnv(flags []string, system bool) (map[string]string, error) {
	env := map[string]string{}
	if system {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	given, err := keyValues(flags, "-e/--env")
	if err != nil {
		return nil, err
	}
	for k, v := range given {
		env[k] = v
	}
	return env, nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
