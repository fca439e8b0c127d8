// Package moduletest runs a module's JS API in tests without the engine: a VU around a real
// sobek runtime, with an event loop the test drives, and the samples it collected.
package moduletest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

// VU is a modules.VU for tests. It starts in the init context; Start leaves it.
type VU struct {
	t        testing.TB
	rt       *sobek.Runtime
	ctx      context.Context
	cancel   context.CancelFunc
	inInit   bool
	registry *metrics.Registry
	tags     *metrics.TagSet

	mu      sync.Mutex
	samples []metrics.Sample
	pending int
	queue   chan func() error
}

var _ modules.VU = (*VU)(nil)

// New returns a VU in its init context, with a fresh registry and the tag scenario=default.
func New(t testing.TB) *VU {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &VU{
		t: t, rt: sobek.New(), ctx: ctx, cancel: cancel, inInit: true,
		registry: metrics.NewRegistry(),
		tags:     metrics.NewTagSet(map[string]string{"scenario": "default"}),
		queue:    make(chan func() error, 1024),
	}
}

// Import instantiates the module registered under name and binds its exports to the global
// variable global, as `import * as global from name` would.
func (v *VU) Import(name, global string) {
	v.t.Helper()
	m, ok := modules.Lookup(name)
	if !ok {
		v.t.Fatalf("module %q is not registered (registered: %s)", name, strings.Join(modules.Names(), ", "))
	}
	exports, err := m.NewInstance(v)
	if err != nil {
		v.t.Fatalf("importing %s: %v", name, err)
	}
	obj := v.rt.NewObject()
	for k, x := range exports.Named {
		if err := obj.Set(k, x); err != nil {
			v.t.Fatal(err)
		}
	}
	if err := v.rt.Set(global, obj); err != nil {
		v.t.Fatal(err)
	}
}

// Start leaves the init context, as the engine does before the first iteration.
func (v *VU) Start() { v.inInit = false }

// Cancel cancels the VU's context, as the engine does when the test stops.
func (v *VU) Cancel() { v.cancel() }

// Run evaluates code and fails the test when it throws.
func (v *VU) Run(code string) sobek.Value {
	v.t.Helper()
	val, err := v.rt.RunString(code)
	if err != nil {
		v.t.Fatalf("JS failed: %v\n%s", err, code)
	}
	return val
}

// Thrown runs code that must throw and returns "Name: message".
func (v *VU) Thrown(code string) string {
	v.t.Helper()
	return v.Run(`(() => { try { ` + code + ` } catch (err) { return err.name + ": " + err.message } return "no error" })()`).String()
}

// Await evaluates an expression yielding a promise, runs the event loop until no reserved turn
// is left, and returns the promise's value; a rejection is returned as an error "Name: message".
func (v *VU) Await(expr string) (sobek.Value, error) {
	v.t.Helper()
	val := v.Run(expr)
	v.Settle()
	p, ok := val.Export().(*sobek.Promise)
	if !ok {
		return val, nil
	}
	switch p.State() {
	case sobek.PromiseStateFulfilled:
		return p.Result(), nil
	case sobek.PromiseStateRejected:
		r := p.Result()
		if obj, isObj := r.(*sobek.Object); isObj && obj.Get("message") != nil {
			return nil, fmt.Errorf("%s: %s", obj.Get("name"), obj.Get("message"))
		}
		return nil, fmt.Errorf("%v", r)
	}
	v.t.Fatalf("promise of %s still pending after the event loop ran dry", expr)
	return nil, nil
}

// Settle runs queued callbacks until every reserved turn has run.
func (v *VU) Settle() {
	v.t.Helper()
	for {
		v.mu.Lock()
		n := v.pending
		v.mu.Unlock()
		if n == 0 {
			return
		}
		f := <-v.queue
		v.mu.Lock()
		v.pending--
		v.mu.Unlock()
		if err := f(); err != nil {
			v.t.Fatalf("event loop callback failed: %v", err)
		}
	}
}

// Samples returns and forgets the samples collected so far.
func (v *VU) Samples() []metrics.Sample {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.samples
	v.samples = nil
	return s
}

func (v *VU) Runtime() *sobek.Runtime      { return v.rt }
func (v *VU) Context() context.Context     { return v.ctx }
func (v *VU) InInit() bool                 { return v.inInit }
func (v *VU) IDInInstance() uint64         { return 1 }
func (v *VU) IDInTest() uint64             { return 1 }
func (v *VU) Registry() *metrics.Registry  { return v.registry }
func (v *VU) Collector() metrics.Collector { return metrics.CollectorFunc(v.collect) }
func (v *VU) Tags() *metrics.TagSet        { return v.tags }
func (v *VU) Logger() modules.Logger       { return testLogger{v.t} }
func (v *VU) collect(samples ...metrics.Sample) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.samples = append(v.samples, samples...)
}

// Callback reserves a turn on the test's event loop.
func (v *VU) Callback() func(func() error) {
	v.mu.Lock()
	v.pending++
	v.mu.Unlock()
	var once sync.Once
	return func(f func() error) {
		once.Do(func() { v.queue <- f })
	}
}

type testLogger struct{ t testing.TB }

func (l testLogger) Infof(format string, args ...any) { l.t.Logf("INFO "+format, args...) }
func (l testLogger) Warnf(format string, args ...any) { l.t.Logf("WARN "+format, args...) }
