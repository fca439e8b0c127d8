// Package data is the "k6/data" module: SharedArray, data built once per run in init code and
// shared read-only by every VU. Items are kept as JSON and parsed when a VU reads them, so a
// large data set costs its memory once, not once per VU.
package data

import (
	"errors"
	"fmt"
	"sync"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/data", modules.ModuleFunc(New))
}

// arrays holds the shared arrays of each run, keyed by the run's metric registry (one per run).
var arrays = struct {
	sync.Mutex
	byRun map[*metrics.Registry]map[string]*array
}{byRun: map[*metrics.Registry]map[string]*array{}}

type array struct {
	once  sync.Once
	items []string
	err   error
}

func arrayOf(run *metrics.Registry, name string) *array {
	arrays.Lock()
	defer arrays.Unlock()
	named := arrays.byRun[run]
	if named == nil {
		named = map[string]*array{}
		arrays.byRun[run] = named
	}
	a := named[name]
	if a == nil {
		a = &array{}
		named[name] = a
	}
	return a
}

// New is the "k6/data" module's instance for one VU.
func New(vu modules.VU) (modules.Exports, error) {
	return modules.Exports{Named: map[string]any{"SharedArray": sharedArray(vu)}}, nil
}

// sharedArray is `new SharedArray(name, fn)`: the first VU to get there calls fn, which must
// return an array; every VU gets a read-only view of its items.
func sharedArray(vu modules.VU) func(sobek.ConstructorCall) *sobek.Object {
	return func(call sobek.ConstructorCall) *sobek.Object {
		rt := vu.Runtime()
		if !vu.InInit() {
			panic(rt.NewTypeError("new SharedArray() works only in init code (outside exported functions)"))
		}
		name := call.Argument(0).String()
		if sobek.IsUndefined(call.Argument(0)) || name == "" {
			panic(rt.NewTypeError("new SharedArray() needs a name as its first argument"))
		}
		fn, ok := sobek.AssertFunction(call.Argument(1))
		if !ok {
			panic(rt.NewTypeError("new SharedArray() needs a function that returns an array as its second argument"))
		}
		a := arrayOf(vu.Registry(), name)
		a.once.Do(func() { a.items, a.err = build(rt, fn) })
		if a.err != nil {
			panic(rt.NewGoError(fmt.Errorf("SharedArray %q: %w", name, a.err)))
		}
		return rt.NewDynamicArray(&view{rt: rt, items: a.items})
	}
}

func build(rt *sobek.Runtime, fn sobek.Callable) ([]string, error) {
	v, err := fn(sobek.Undefined())
	if err != nil {
		return nil, err
	}
	o, ok := v.(*sobek.Object)
	if !ok || o.ClassName() != "Array" {
		return nil, errors.New("the function must return an array")
	}
	stringify, _ := sobek.AssertFunction(rt.GlobalObject().Get("JSON").ToObject(rt).Get("stringify"))
	n := int(o.Get("length").ToInteger())
	items := make([]string, n)
	for i := 0; i < n; i++ {
		s, err := stringify(sobek.Undefined(), o.Get(fmt.Sprint(i)))
		if err != nil {
			return nil, err
		}
		items[i] = s.String()
	}
	return items, nil
}

// view is one VU's read-only window on a shared array.
type view struct {
	rt    *sobek.Runtime
	items []string
}

func (v *view) Len() int { return len(v.items) }

func (v *view) Get(i int) sobek.Value {
	if i < 0 || i >= len(v.items) {
		return sobek.Undefined()
	}
	parse, _ := sobek.AssertFunction(v.rt.GlobalObject().Get("JSON").ToObject(v.rt).Get("parse"))
	out, err := parse(sobek.Undefined(), v.rt.ToValue(v.items[i]))
	if err != nil {
		panic(err)
	}
	return out
}

func (v *view) Set(int, sobek.Value) bool {
	panic(v.rt.NewTypeError("a SharedArray is read-only"))
}

func (v *view) SetLen(int) bool {
	panic(v.rt.NewTypeError("a SharedArray is read-only"))
}
