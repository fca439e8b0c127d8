package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/js"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
	"spate.local/engine/internal/options"
	"spate.local/engine/internal/output"
	"spate.local/engine/internal/summary"
	"spate.local/engine/internal/threshold"
)

// Execute runs the test and returns nil when it passed, or an *exitcode.Error whose code is the
// process exit code (99 thresholds breached, 105 signal, 107 script exception, 108 aborted...).
func Execute(ctx context.Context, cfg Config) error {
	log := newLogger(cfg.Stderr)

	program, err := js.Compile(cfg.Script)
	if err != nil {
		return err
	}
	registry := metrics.NewRegistry()
	builtins := metrics.RegisterBuiltins(registry)
	test := newTestControl()
	// VUs exist before the aggregation does (the options VU runs first): their samples reach it
	// from the moment it is set.
	var aggregation atomic.Pointer[aggregate.Aggregator]
	collector := metrics.CollectorFunc(func(samples ...metrics.Sample) {
		if agg := aggregation.Load(); agg != nil {
			agg.Collect(samples...)
		}
	})
	vuConfig := &js.Config{
		Program:   program,
		Env:       cfg.Env,
		Registry:  registry,
		Builtins:  builtins,
		Collector: collector,
		Tags:      metrics.NewTagSet(cfg.Tags),
		Logger:    log,
		Test:      test,
	}

	// The options VU: runs the init code once to read the options; it also runs setup, teardown
	// and handleSummary (__VU 0), as in k6.
	first, err := js.NewVU(ctx, vuConfig, 0, 0)
	if err != nil {
		return err
	}
	rawOptions, err := first.Options()
	if err != nil {
		return err
	}
	opts, err := options.Parse(rawOptions)
	if err != nil {
		return err
	}
	for _, w := range opts.Warnings {
		log.Warnf("%s", w)
	}
	overrides := options.Overrides{
		VUs:        cfg.VUs,
		Iterations: cfg.Iterations,
		Duration:   cfg.Duration,
		Tags:       cfg.Tags,
	}
	if cfg.Segment != "" {
		overrides.ExecutionSegment = &cfg.Segment
	}
	if cfg.SegmentSequence != "" {
		overrides.ExecutionSegmentSequence = &cfg.SegmentSequence
	}
	if cfg.NoSetup {
		overrides.NoSetup = &cfg.NoSetup
	}
	if cfg.NoTeardown {
		overrides.NoTeardown = &cfg.NoTeardown
	}
	if err := opts.Apply(overrides); err != nil {
		return err
	}
	summaryOpts := summary.Options{
		TrendStats:  opts.SummaryTrendStats,
		TimeUnit:    opts.SummaryTimeUnit,
		IsStdOutTTY: cfg.StdoutTTY,
		IsStdErrTTY: cfg.StderrTTY,
		NoColor:     !cfg.StdoutTTY,
	}
	if err := summary.ValidateOptions(summaryOpts); err != nil {
		return err
	}
	test.setOptions(opts.Raw)
	// The run's tags are final now (the script's options.tags and --tag): new VUs get them, and
	// the options VU, which runs setup and teardown, takes them on too.
	vuConfig.Tags = metrics.NewTagSet(opts.Tags)
	for k, v := range opts.Tags {
		first.SetTag(k, v)
	}

	// Thresholds are parsed once the init code has registered the script's metrics, so a
	// threshold on a metric that does not exist is an error that names the closest one.
	var thresholds *threshold.Set
	if !cfg.NoThresholds {
		if thresholds, err = threshold.Parse(thresholdInputs(opts), registry); err != nil {
			return err
		}
	}
	outputs, err := newOutputs(cfg, thresholds, log)
	if err != nil {
		return err
	}
	aborted := make(chan error, 1)
	agg := aggregate.New(aggregate.Config{
		Thresholds: thresholds,
		Outputs:    outputs,
		OnAbort: func(reason error) {
			select {
			case aborted <- reason:
			default:
			}
		},
	})
	aggregation.Store(agg)
	// Start starts the outputs too (and Stop stops them).
	if err := agg.Start(); err != nil {
		return exitcode.Wrap(exitcode.InvalidConfig, fmt.Errorf("cannot start the outputs: %w", err), "")
	}

	result := runTest(ctx, cfg, opts, vuConfig, first, builtins, test, agg, aborted, log)

	// Modules write out what they buffered (the produced ledger) before the summary.
	endCtx, endCancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	if err := modules.EndTest(endCtx); err != nil {
		log.Warnf("at the end of the test: %v", err)
	}
	endCancel()
	if err := agg.Stop(); err != nil {
		log.Warnf("output: %v", err)
	}
	snap := agg.Snapshot()
	if err := writeSummaries(ctx, cfg, opts, first, snap, summaryOpts, log); err != nil && result == nil {
		result = err
	}
	if result != nil {
		return result
	}
	if breached := snap.Breached(); len(breached) > 0 {
		return exitcode.New(exitcode.ThresholdsFailed, "thresholds on metrics '%s' have been crossed", strings.Join(breached, "', '"))
	}
	if reason, failed := test.failed(); failed {
		return exitcode.New(exitcode.MarkedAsFailed, "the script marked the test as failed: %s", reason)
	}
	return nil
}

func thresholdInputs(opts *options.Options) map[string][]threshold.Input {
	m := map[string][]threshold.Input{}
	for key, list := range opts.Thresholds {
		for _, t := range list {
			m[key] = append(m[key], threshold.Input{Expr: t.Expr, AbortOnFail: t.AbortOnFail, DelayAbortEval: t.DelayAbortEval})
		}
	}
	return m
}

// runTest runs setup, the scenarios and teardown, and returns what decides the exit code first.
func runTest(ctx context.Context, cfg Config, opts *options.Options, vuConfig *js.Config, first *js.VU,
	builtins *metrics.Builtins, test *testControl, agg *aggregate.Aggregator, aborted <-chan error, log *logger,
) error {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case err := <-aborted:
			cancel(err)
		case err := <-test.aborts():
			cancel(err)
		case <-runCtx.Done():
		}
	}()

	var (
		setupData []byte
		vusMu     sync.Mutex
		vus       []*js.VU
	)
	scheduler, err := executor.NewScheduler(executor.Config{
		Scenarios: opts.Scenarios,
		Segment:   opts.Segment,
		Sequence:  opts.Sequence,
		Builtins:  builtins,
		Collector: agg,
		Tags:      vuConfig.Tags,
		Logger:    log.slog(),
		NewVU: func(ctx context.Context, idInInstance, idInTest uint64) (executor.VU, error) {
			vu, err := js.NewVU(ctx, vuConfig, idInInstance, idInTest)
			if err != nil {
				return nil, err
			}
			vusMu.Lock()
			defer vusMu.Unlock()
			vus = append(vus, vu)
			if setupData != nil {
				if err := vu.SetSetupData(setupData); err != nil {
					return nil, err
				}
			}
			return vu, nil
		},
	})
	if err != nil {
		return err
	}
	test.setScheduler(scheduler)
	progress := startProgress(cfg, scheduler)
	defer progress.stop()
	progress.phase("initializing VUs")
	if err := scheduler.Init(runCtx); err != nil {
		return stopCause(runCtx, err)
	}

	hasExport := map[string]bool{}
	for _, name := range first.Exports() {
		hasExport[name] = true
	}
	data := []byte("null") // what exec functions and teardown get when there is no setup()
	if hasExport["setup"] && !opts.NoSetup {
		progress.phase("setup()")
		returned, err := callWithTimeout(runCtx, first, "setup", opts.SetupTimeout, exitcode.SetupTimeout)
		if err != nil {
			return stopCause(runCtx, err)
		}
		if returned != nil {
			data = returned
		}
	}
	// Every VU parses its own copy; VUs initialized later (arrival rates grow the pool) get it
	// in NewVU.
	vusMu.Lock()
	setupData = data
	for _, vu := range vus {
		if err := vu.SetSetupData(setupData); err != nil {
			vusMu.Unlock()
			return err
		}
	}
	vusMu.Unlock()
	if err := first.SetSetupData(setupData); err != nil {
		return err
	}

	// A signal while waiting for --start-at still runs teardown, as one during the scenarios does.
	progress.phase("waiting for --start-at")
	runErr := waitForStart(runCtx, cfg.StartAt, log)
	progress.phase("")
	if runErr == nil {
		runErr = scheduler.Run(runCtx)
	}
	runErr = stopCause(runCtx, runErr)

	// Teardown runs after a normal end, after exec.test.abort() and after a signal (k6 does
	// all three), but not when setup failed (returned above); a second signal exits at once.
	if hasExport["teardown"] && !opts.NoTeardown {
		progress.phase("teardown()")
		tdCtx := context.WithoutCancel(ctx)
		if _, err := callWithTimeout(tdCtx, first, "teardown", opts.TeardownTimeout, exitcode.TeardownTimeout, setupData); err != nil && runErr == nil {
			runErr = err
		}
	}
	return runErr
}

// stopCause turns the run context's cancellation cause into the error that decides the exit
// code: a signal (105), a threshold with abortOnFail (99), exec.test.abort() (108).
func stopCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		if errors.Is(cause, ErrSignal) {
			return exitcode.Wrap(exitcode.ExternalAbort, cause, "")
		}
		var e *exitcode.Error
		if errors.As(cause, &e) {
			return e
		}
	}
	if err != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func callWithTimeout(ctx context.Context, vu *js.VU, name string, timeout time.Duration, code int, args ...[]byte) ([]byte, error) {
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	cctx, cancel := context.WithTimeoutCause(ctx, timeout, exitcode.New(code, "%s() did not finish within %s; raise %sTimeout in the options or make it faster", name, timeout, name))
	defer cancel()
	out, err := vu.Call(cctx, name, args...)
	if err != nil {
		if cause := context.Cause(cctx); cause != nil && cctx.Err() != nil && ctx.Err() == nil {
			return nil, cause
		}
		return nil, err
	}
	return out, nil
}

// newOutputs builds the -o outputs; the aggregator starts and stops them.
func newOutputs(cfg Config, thresholds *threshold.Set, log *logger) ([]output.Output, error) {
	var outs []output.Output
	for _, spec := range cfg.Outputs {
		o, err := output.New(spec, cfg.Env, thresholds, func(msg string) { log.Warnf("%s", msg) })
		if err != nil {
			return nil, err
		}
		log.Infof("output: %s", o.Description())
		outs = append(outs, o)
	}
	return outs, nil
}

// writeSummaries runs handleSummary (or prints the text summary) and --summary-export.
func writeSummaries(ctx context.Context, cfg Config, opts *options.Options, vu *js.VU, snap *aggregate.Snapshot, so summary.Options, log *logger) error {
	if cfg.SummaryExport != "" {
		export, err := summary.Export(snap, so)
		if err == nil {
			err = os.WriteFile(cfg.SummaryExport, export, 0o644)
		}
		if err != nil {
			log.Warnf("cannot write --summary-export %s: %v", cfg.SummaryExport, err)
		}
	}
	if cfg.NoSummary {
		return nil
	}
	has := false
	for _, name := range vu.Exports() {
		if name == "handleSummary" {
			has = true
		}
	}
	if !has {
		_, err := fmt.Fprint(cfg.Stdout, summary.Text(snap, so))
		return err
	}
	raw, err := json.Marshal(summary.Data(snap, so))
	if err != nil {
		return err
	}
	out, err := callWithTimeout(context.WithoutCancel(ctx), vu, "handleSummary", opts.HandleSummaryTimeout, exitcode.ScriptException, raw)
	if err != nil {
		// k6 falls back to the text summary when handleSummary fails.
		log.Warnf("handleSummary failed, printing the default summary instead: %v", err)
		fmt.Fprint(cfg.Stdout, summary.Text(snap, so))
		return nil
	}
	var files map[string]any
	if err := json.Unmarshal(out, &files); err != nil {
		log.Warnf("handleSummary must return an object of {stdout|stderr|path: string}, got %s", truncate(string(out), 80))
		return nil
	}
	for dest, content := range files {
		text, ok := content.(string)
		if !ok {
			b, _ := json.Marshal(content)
			text = string(b)
		}
		switch dest {
		case "stdout":
			fmt.Fprint(cfg.Stdout, text)
		case "stderr":
			fmt.Fprint(cfg.Stderr, text)
		default:
			if dir := filepath.Dir(dest); dir != "" {
				_ = os.MkdirAll(dir, 0o755)
			}
			if err := os.WriteFile(dest, []byte(text), 0o644); err != nil {
				log.Warnf("handleSummary: cannot write %s: %v", dest, err)
			}
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
