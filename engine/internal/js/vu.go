package js

import (
	"context"
	"errors"
	"fmt"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

// Config is what every VU of a run shares. Registry, Builtins, Collector and Logger default to
// a fresh registry, its built-ins, a collector and a logger that drop everything.
type Config struct {
	Program *Program
	// Env is the script's __ENV (the run's environment and -e values).
	Env       map[string]string
	Registry  *metrics.Registry
	Builtins  *metrics.Builtins
	Collector metrics.Collector
	// Tags are the run's tags (--tag), on every sample.
	Tags   *metrics.TagSet
	Logger modules.Logger
	// Test is the run's control for k6/execution; nil for a VU that only reads options.
	Test Test
}

// VU is one virtual user: its own sobek runtime with the script's init code run once.
// A VU is used by one goroutine at a time.
type VU struct {
	cfg          *Config
	rt           *sobek.Runtime
	idInInstance uint64
	idInTest     uint64

	module  *sobek.Object
	loop    *eventLoop
	ctx     context.Context
	inInit  bool
	require map[string]sobek.Value
	timers  timers

	// Tags: the run's and the scenario's (base), the script's own (exec.vu.tags), the group's.
	baseTags *metrics.TagSet
	ownTags  map[string]string
	group    string
	tags     *metrics.TagSet

	scenarios   map[*executor.Scenario]*scenarioState
	scenario    *scenarioState
	iteration   *executor.Iteration
	iterations  uint64
	env         sobek.Value
	setupData   sobek.Value
	abortReason *string
	watching    interruptWatch
	errorLog    errorLog
	rejections  rejections
	samples     [2]metrics.Sample
}

// NewVU creates a VU and runs the script's init code in it. idInInstance 0 is the VU that
// reads options and runs setup, teardown and handleSummary (__VU is 0 there, as in k6).
// An exception in init code is an *exitcode.Error with code ScriptException; exec.test.abort()
// there gives ScriptAborted.
func NewVU(ctx context.Context, cfg *Config, idInInstance, idInTest uint64) (*VU, error) {
	if cfg == nil || cfg.Program == nil {
		return nil, errors.New("js: NewVU needs a Config with a Program")
	}
	// VUs are created concurrently from one Config: defaults go into this VU's copy.
	copied := *cfg
	cfg = &copied
	if cfg.Registry == nil {
		cfg.Registry = metrics.NewRegistry()
	}
	if cfg.Builtins == nil {
		cfg.Builtins = metrics.RegisterBuiltins(cfg.Registry)
	}
	if cfg.Collector == nil {
		cfg.Collector = metrics.CollectorFunc(func(...metrics.Sample) {})
	}
	if cfg.Logger == nil {
		cfg.Logger = discardLogger{}
	}
	vu := &VU{
		cfg:          cfg,
		rt:           sobek.New(),
		idInInstance: idInInstance,
		idInTest:     idInTest,
		loop:         newEventLoop(),
		ctx:          ctx,
		inInit:       true,
		require:      map[string]sobek.Value{},
		baseTags:     cfg.Tags,
		tags:         cfg.Tags,
		scenarios:    map[*executor.Scenario]*scenarioState{},
	}
	vu.rt.SetFieldNameMapper(fieldNames{})
	vu.rt.SetPromiseRejectionTracker(vu.rejections.track)
	vu.timers.vu = vu
	if err := vu.installGlobals(); err != nil {
		return nil, err
	}
	if err := vu.runInit(ctx); err != nil {
		if errors.Is(err, errInterrupted) {
			return nil, ctx.Err()
		}
		return nil, err
	}
	vu.inInit = false
	vu.ctx = context.Background()
	return vu, nil
}

func (vu *VU) runInit(ctx context.Context) error {
	value, err := vu.rt.RunProgram(vu.cfg.Program.program)
	if err != nil {
		return vu.initError(err)
	}
	wrapper, ok := sobek.AssertFunction(value)
	if !ok {
		return exitcode.New(exitcode.ScriptException, "script error: %s: the bundle is not a function", vu.cfg.Program.Entry)
	}
	vu.module = vu.rt.NewObject()
	exports := vu.rt.NewObject()
	_ = vu.module.Set("exports", exports)
	_, err = vu.call(ctx, false, func() (sobek.Value, error) {
		return wrapper(sobek.Undefined(), vu.module, exports, vu.rt.ToValue(vu.requireModule),
			vu.rt.ToValue(vu.cfg.Program.Entry), vu.rt.ToValue(vu.cfg.Program.Dir))
	})
	if err != nil {
		return vu.initError(err)
	}
	return nil
}

func (vu *VU) initError(err error) error {
	if errors.Is(err, errInterrupted) {
		return err
	}
	err = classify(err)
	var coded *exitcode.Error
	if errors.As(err, &coded) {
		return coded
	}
	if errors.Is(err, errInterrupted) {
		return err
	}
	return exitcode.New(exitcode.ScriptException, "script error: %s", err)
}

// call runs fn (a call into the script) and then the event loop, with ctx able to interrupt
// both. A returned promise is awaited: its rejection is the call's error, its value the result.
// With keepWatch the interrupt stays armed on ctx after the call (iterations of one scenario
// share a context); otherwise it is disarmed before call returns.
func (vu *VU) call(ctx context.Context, keepWatch bool, fn func() (sobek.Value, error)) (sobek.Value, error) {
	vu.abortReason = nil
	vu.watch(ctx)
	result, err := fn()
	if err == nil {
		err = vu.loop.run(ctx)
	}
	if ctx.Err() != nil {
		vu.unwatch()
		if err == nil {
			err = ctx.Err()
		}
	} else if !keepWatch {
		vu.unwatch()
	}
	if vu.abortReason != nil {
		// An abort from Go code after the script's last instruction never fired: clear it.
		vu.rt.ClearInterrupt()
		err = abortError(*vu.abortReason)
	}
	if err != nil {
		vu.rejections.pending = vu.rejections.pending[:0]
		vu.loop.reset()
		vu.timers.reset()
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, errInterrupted
		}
		return nil, classify(err)
	}
	vu.reportRejections(result)
	if o, ok := result.(*sobek.Object); ok {
		if p, ok := o.Export().(*sobek.Promise); ok {
			switch p.State() {
			case sobek.PromiseStateRejected:
				return nil, describeRejection(p.Result())
			case sobek.PromiseStateFulfilled:
				return p.Result(), nil
			default:
				return sobek.Undefined(), nil
			}
		}
	}
	return result, nil
}

// Options returns the JSON of the script's `export const options`, {} when there is none.
func (vu *VU) Options() ([]byte, error) {
	vu.unwatch()
	options, err := vu.export("options")
	if err != nil {
		return nil, exitcode.New(exitcode.InvalidConfig, "script error: the exported options cannot be read: %s", describeException(err))
	}
	if options == nil || sobek.IsUndefined(options) || sobek.IsNull(options) {
		return []byte("{}"), nil
	}
	text, err := vu.stringify(options)
	if err != nil {
		return nil, exitcode.New(exitcode.InvalidConfig, "script error: the exported options cannot be read as JSON: %s", describeException(err).message)
	}
	return []byte(text), nil
}

// export reads one of the script's exports. esbuild exports through getters, which are script
// code, so a throw is caught here rather than escaping as a panic.
func (vu *VU) export(name string) (value sobek.Value, err error) {
	defer func() {
		// Try catches exceptions, not interrupts: those come back as errors too.
		if x := recover(); x != nil {
			interrupted, ok := x.(*sobek.InterruptedError)
			if !ok {
				panic(x)
			}
			err = interrupted
		}
	}()
	if exc := vu.rt.Try(func() {
		value = vu.module.Get("exports").ToObject(vu.rt).Get(name)
	}); exc != nil {
		return nil, exc
	}
	return value, nil
}

// Exports lists the names the script exports.
func (vu *VU) Exports() []string {
	return vu.module.Get("exports").ToObject(vu.rt).Keys()
}

// SetSetupData gives the VU setup()'s result. The VU parses its own copy once: every exec
// function receives it as its first argument, and its changes stay within this VU.
func (vu *VU) SetSetupData(data []byte) error {
	vu.unwatch()
	if len(data) == 0 {
		vu.setupData = nil
		return nil
	}
	value, err := vu.parse(data)
	if err != nil {
		return fmt.Errorf("setup data is not JSON: %w", err)
	}
	vu.setupData = value
	return nil
}

// Call calls an exported function (setup, teardown, handleSummary) with JSON arguments and
// returns its result as JSON (nil when it returns nothing), after awaiting a returned promise.
// An exception is an *exitcode.Error with code ScriptException; exec.test.abort() gives
// ScriptAborted; a cancelled ctx gives ctx.Err().
func (vu *VU) Call(ctx context.Context, name string, args ...[]byte) ([]byte, error) {
	vu.unwatch()
	value, err := vu.export(name)
	if err != nil {
		return nil, exitcode.New(exitcode.ScriptException, "script error: reading the export %q: %s", name, describeException(err))
	}
	fn, ok := sobek.AssertFunction(value)
	if !ok {
		return nil, exitcode.New(exitcode.ScriptException, "script error: the script exports no function %q", name)
	}
	values := make([]sobek.Value, len(args))
	for i, a := range args {
		if len(a) == 0 {
			values[i] = sobek.Undefined()
			continue
		}
		v, err := vu.parse(a)
		if err != nil {
			return nil, fmt.Errorf("argument %d of %s is not JSON: %w", i+1, name, err)
		}
		values[i] = v
	}
	vu.ctx = ctx
	defer func() { vu.ctx = context.Background() }()
	result, err := vu.call(ctx, false, func() (sobek.Value, error) { return fn(sobek.Undefined(), values...) })
	if err != nil {
		if errors.Is(err, errInterrupted) {
			return nil, ctx.Err()
		}
		var coded *exitcode.Error
		if errors.As(err, &coded) {
			return nil, coded
		}
		return nil, exitcode.New(exitcode.ScriptException, "script error in %s(): %s", name, err)
	}
	if result == nil || sobek.IsUndefined(result) {
		return nil, nil
	}
	text, err := vu.stringify(result)
	if err != nil {
		return nil, exitcode.New(exitcode.ScriptException, "script error: the result of %s() cannot be turned into JSON: %s", name, describeException(err).message)
	}
	return []byte(text), nil
}

func (vu *VU) parse(data []byte) (sobek.Value, error) {
	parse, _ := sobek.AssertFunction(vu.rt.GlobalObject().Get("JSON").ToObject(vu.rt).Get("parse"))
	return parse(sobek.Undefined(), vu.rt.ToValue(string(data)))
}

func (vu *VU) stringify(v sobek.Value) (string, error) {
	stringify, _ := sobek.AssertFunction(vu.rt.GlobalObject().Get("JSON").ToObject(vu.rt).Get("stringify"))
	out, err := stringify(sobek.Undefined(), v)
	if err != nil {
		return "", err
	}
	if sobek.IsUndefined(out) {
		return "null", nil
	}
	return out.String(), nil
}

// modules.VU and State.

func (vu *VU) Runtime() *sobek.Runtime      { return vu.rt }
func (vu *VU) Context() context.Context     { return vu.ctx }
func (vu *VU) InInit() bool                 { return vu.inInit }
func (vu *VU) IDInInstance() uint64         { return vu.idInInstance }
func (vu *VU) IDInTest() uint64             { return vu.idInTest }
func (vu *VU) Registry() *metrics.Registry  { return vu.cfg.Registry }
func (vu *VU) Collector() metrics.Collector { return vu.cfg.Collector }
func (vu *VU) Tags() *metrics.TagSet        { return vu.tags }
func (vu *VU) Logger() modules.Logger       { return vu.cfg.Logger }
func (vu *VU) Callback() func(func() error) { return vu.loop.reserve() }
func (vu *VU) Test() Test                   { return vu.cfg.Test }
func (vu *VU) Group() string                { return vu.group }

// Builtins are the run's built-in metrics.
func (vu *VU) Builtins() *metrics.Builtins { return vu.cfg.Builtins }

func (vu *VU) Scenario() *executor.Scenario {
	if vu.scenario == nil {
		return nil
	}
	return vu.scenario.scenario
}

func (vu *VU) Iteration() *executor.Iteration { return vu.iteration }

func (vu *VU) IterationInInstance() uint64 {
	if vu.iterations == 0 {
		return 0
	}
	return vu.iterations - 1
}

func (vu *VU) IterationInScenario() uint64 {
	if vu.scenario == nil || vu.scenario.iterations == 0 {
		return 0
	}
	return vu.scenario.iterations - 1
}

func (vu *VU) AbortTest(reason string) {
	vu.abortReason = &reason
	if vu.cfg.Test != nil {
		vu.cfg.Test.Abort(reason)
	}
	vu.rt.Interrupt(abortSignal{reason})
}

func (vu *VU) FailTest(reason string) {
	if vu.cfg.Test != nil {
		vu.cfg.Test.Fail(reason)
	}
}

func (vu *VU) SetGroup(path string) {
	vu.group = path
	vu.retag()
}

func (vu *VU) SetTag(key, value string) {
	if vu.ownTags == nil {
		vu.ownTags = map[string]string{}
	}
	vu.ownTags[key] = value
	vu.retag()
}

func (vu *VU) DeleteTag(key string) {
	delete(vu.ownTags, key)
	vu.retag()
}

// retag recomputes the tags of emitted samples after one of their sources changed.
func (vu *VU) retag() {
	tags := vu.baseTags
	if len(vu.ownTags) > 0 {
		tags = tags.Merge(metrics.NewTagSet(vu.ownTags))
	}
	if vu.group != "" {
		tags = tags.With("group", vu.group)
	}
	vu.tags = tags
}

type discardLogger struct{}

func (discardLogger) Infof(string, ...any) {}
func (discardLogger) Warnf(string, ...any) {}

// NewVUFunc adapts NewVU to what the executors take: VUs of this Config, initialized with ctx.
func (cfg *Config) NewVUFunc() executor.NewVUFunc {
	return func(ctx context.Context, idInInstance, idInTest uint64) (executor.VU, error) {
		vu, err := NewVU(ctx, cfg, idInInstance, idInTest)
		if err != nil {
			return nil, err
		}
		return vu, nil
	}
}

var _ executor.VU = (*VU)(nil)
var _ State = (*VU)(nil)
