// Package modules is the contract between the JS runtime and the modules a script imports
// ("k6", "k6/metrics", "k6/x/kafka", ...): what a module sees of the VU it runs in, and the
// registry of import paths.
package modules

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
)

// VU is what a module instance sees of the VU that imported it. Every method is called on the
// VU's own goroutine, except the function returned by Callback.
type VU interface {
	Runtime() *sobek.Runtime
	// Context is cancelled when the running iteration (or setup, teardown) must stop. In init
	// code it is a background context.
	Context() context.Context
	// InInit is true while the script's init code runs (no I/O-heavy calls there, as in k6).
	InInit() bool
	IDInInstance() uint64
	IDInTest() uint64
	Registry() *metrics.Registry
	Collector() metrics.Collector
	// Tags are the tags of samples emitted now: the run's, the scenario's and the group's.
	Tags() *metrics.TagSet
	// Callback reserves a turn on the VU's event loop for an asynchronous operation. The caller
	// must call the returned function exactly once, from any goroutine, with the work to run on
	// the loop (typically resolving or rejecting a promise). An iteration does not end before
	// every reserved turn has run.
	Callback() func(func() error)
	Logger() Logger
}

// Logger writes the engine's log lines (stderr, suppressed by --quiet where k6 does).
type Logger interface {
	Infof(format string, args ...any)
	Warnf(format string, args ...any)
}

// Exports is what a module gives one VU. With Default nil, a default import gets an object of
// the named exports (so `import kafka from 'k6/x/kafka'` and `import { Producer } from ...` both
// work).
type Exports struct {
	Default any
	Named   map[string]any
}

// Module is one importable path. NewInstance runs in the VU's init code, once per VU; an error
// is thrown into the script where it imports the module.
type Module interface {
	NewInstance(vu VU) (Exports, error)
}

// ModuleFunc adapts a function to a Module.
type ModuleFunc func(vu VU) (Exports, error)

// NewInstance calls f.
func (f ModuleFunc) NewInstance(vu VU) (Exports, error) { return f(vu) }

var (
	mu       sync.RWMutex
	registry = map[string]Module{}
)

// Register makes a module importable under name. It panics on a second registration of a name:
// that is a programming error.
func Register(name string, m Module) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := registry[name]; ok {
		panic(fmt.Sprintf("module %q registered twice", name))
	}
	registry[name] = m
}

// Lookup returns the module registered under name.
func Lookup(name string) (Module, bool) {
	mu.RLock()
	defer mu.RUnlock()
	m, ok := registry[name]
	return m, ok
}

// Names lists the registered import paths, sorted (for error messages and `spate version`).
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var (
	endMu    sync.Mutex
	testEnds []func(ctx context.Context) error
)

// AtTestEnd registers work a module must do once the test ends, after teardown and before the
// summary (e.g. writing out what it buffered). Register it from the module's init function.
func AtTestEnd(fn func(ctx context.Context) error) {
	endMu.Lock()
	defer endMu.Unlock()
	testEnds = append(testEnds, fn)
}

// EndTest runs the AtTestEnd work of every module, in registration order, and returns their
// errors joined.
func EndTest(ctx context.Context) error {
	endMu.Lock()
	fns := append([]func(ctx context.Context) error(nil), testEnds...)
	endMu.Unlock()
	var errs []error
	for _, fn := range fns {
		if err := fn(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
