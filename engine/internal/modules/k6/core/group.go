package core

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
)

// group(name, fn) runs fn with the group's path (::parent::name) as the `group` tag of every
// sample, emits group_duration, and returns fn's result.
func (m *instance) group(call sobek.FunctionCall) sobek.Value {
	rt := m.vu.Runtime()
	if m.vu.InInit() {
		panic(rt.NewGoError(errInInit("group")))
	}
	name := call.Argument(0).String()
	if name == "" || strings.Contains(name, "::") {
		panic(rt.NewTypeError(fmt.Sprintf("group name %q is invalid: it must be non-empty and must not contain '::'", name)))
	}
	fn, ok := sobek.AssertFunction(call.Argument(1))
	if !ok {
		panic(rt.NewTypeError("group() needs a function as its second argument"))
	}
	parent := m.vu.Group()
	path := parent + "::" + name
	m.vu.SetGroup(path)
	defer m.vu.SetGroup(parent)
	start := time.Now()
	result, err := fn(sobek.Undefined())
	end := time.Now()
	if err != nil {
		panic(err)
	}
	m.vu.Collector().Collect(metrics.Sample{Metric: m.groupDuration, Tags: m.vu.Tags(), Time: end,
		Value: float64(end.Sub(start)) / float64(time.Millisecond)})
	return result
}
