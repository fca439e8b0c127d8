// Package execution is the "k6/execution" module: exec.instance, exec.scenario, exec.vu and
// exec.test, read live from the VU and the run.
package execution

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/js"
	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/execution", modules.ModuleFunc(New))
}

type instance struct {
	vu      js.State
	rt      *sobek.Runtime
	options sobek.Value
}

// New is the "k6/execution" module's instance for one VU.
func New(vu modules.VU) (modules.Exports, error) {
	state, ok := vu.(js.State)
	if !ok {
		return modules.Exports{}, fmt.Errorf("k6/execution needs spate's JavaScript VU")
	}
	m := &instance{vu: state, rt: vu.Runtime()}
	rt := m.rt
	tags := rt.NewDynamicObject(&vuTags{m})
	metricsObject := rt.NewObject()
	_ = metricsObject.Set("tags", tags)
	_ = metricsObject.Set("metadata", rt.NewObject())
	test := rt.NewObject()
	_ = test.Set("abort", m.abort)
	_ = test.Set("fail", m.fail)
	_ = test.DefineAccessorProperty("options", rt.ToValue(m.testOptions), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	named := map[string]any{
		"instance": rt.NewDynamicObject(&instanceInfo{m}),
		"scenario": rt.NewDynamicObject(&scenarioInfo{m}),
		"vu":       rt.NewDynamicObject(&vuInfo{m, tags, metricsObject}),
		"test":     test,
	}
	return modules.Exports{Named: named}, nil
}

func (m *instance) abort(call sobek.FunctionCall) sobek.Value {
	reason := ""
	if a := call.Argument(0); !sobek.IsUndefined(a) {
		reason = a.String()
	}
	m.vu.AbortTest(reason)
	return sobek.Undefined()
}

func (m *instance) fail(call sobek.FunctionCall) sobek.Value {
	reason := ""
	if a := call.Argument(0); !sobek.IsUndefined(a) {
		reason = a.String()
	}
	m.vu.FailTest(reason)
	return sobek.Undefined()
}

// testOptions is exec.test.options: the consolidated options as a plain object, read once.
func (m *instance) testOptions() sobek.Value {
	if m.options != nil {
		return m.options
	}
	test := m.vu.Test()
	if test == nil {
		panic(m.rt.NewGoError(fmt.Errorf("exec.test.options is not available here")))
	}
	data, err := json.Marshal(test.Options())
	if err != nil {
		panic(m.rt.NewGoError(fmt.Errorf("exec.test.options: %w", err)))
	}
	parse, _ := sobek.AssertFunction(m.rt.GlobalObject().Get("JSON").ToObject(m.rt).Get("parse"))
	v, err := parse(sobek.Undefined(), m.rt.ToValue(string(data)))
	if err != nil {
		panic(err)
	}
	m.options = v
	return v
}

type instanceInfo struct{ m *instance }

func (o *instanceInfo) Get(key string) sobek.Value {
	test := o.m.vu.Test()
	if test == nil {
		return nil
	}
	s := test.Stats()
	switch key {
	case "iterationsInterrupted":
		return o.m.rt.ToValue(s.IterationsInterrupted)
	case "iterationsCompleted":
		return o.m.rt.ToValue(s.IterationsCompleted)
	case "vusActive":
		return o.m.rt.ToValue(s.VUsActive)
	case "vusInitialized":
		return o.m.rt.ToValue(s.VUsInitialized)
	case "currentTestRunDuration":
		return o.m.rt.ToValue(float64(s.CurrentTestRunDuration) / float64(time.Millisecond))
	}
	return nil
}
func (o *instanceInfo) Has(key string) bool          { return o.Get(key) != nil }
func (o *instanceInfo) Set(string, sobek.Value) bool { return false }
func (o *instanceInfo) Delete(string) bool           { return false }
func (o *instanceInfo) Keys() []string {
	return []string{"iterationsInterrupted", "iterationsCompleted", "vusActive", "vusInitialized", "currentTestRunDuration"}
}

type scenarioInfo struct{ m *instance }

func (o *scenarioInfo) Get(key string) sobek.Value {
	s, it := o.m.vu.Scenario(), o.m.vu.Iteration()
	rt := o.m.rt
	if s == nil || it == nil {
		panic(rt.NewGoError(fmt.Errorf("exec.scenario.%s is only available while an iteration runs, not in init code, setup or teardown", key)))
	}
	switch key {
	case "name":
		return rt.ToValue(s.Name)
	case "executor":
		return rt.ToValue(s.Executor)
	case "startTime":
		return rt.ToValue(s.StartTime.UnixMilli())
	case "progress":
		if s.Progress == nil {
			return rt.ToValue(0)
		}
		return rt.ToValue(s.Progress())
	case "iterationInInstance":
		return rt.ToValue(it.InInstance)
	case "iterationInTest":
		return rt.ToValue(it.InTest)
	}
	return nil
}
func (o *scenarioInfo) Has(key string) bool {
	switch key {
	case "name", "executor", "startTime", "progress", "iterationInInstance", "iterationInTest":
		return true
	}
	return false
}
func (o *scenarioInfo) Set(string, sobek.Value) bool { return false }
func (o *scenarioInfo) Delete(string) bool           { return false }
func (o *scenarioInfo) Keys() []string {
	return []string{"name", "executor", "startTime", "progress", "iterationInInstance", "iterationInTest"}
}

type vuInfo struct {
	m       *instance
	tags    *sobek.Object
	metrics *sobek.Object
}

func (o *vuInfo) Get(key string) sobek.Value {
	rt, vu := o.m.rt, o.m.vu
	switch key {
	case "idInInstance":
		return rt.ToValue(vu.IDInInstance())
	case "idInTest":
		return rt.ToValue(vu.IDInTest())
	case "iterationInInstance":
		return rt.ToValue(vu.IterationInInstance())
	case "iterationInScenario":
		return rt.ToValue(vu.IterationInScenario())
	case "tags":
		return o.tags
	case "metrics":
		return o.metrics
	}
	return nil
}
func (o *vuInfo) Has(key string) bool          { return o.Get(key) != nil }
func (o *vuInfo) Set(string, sobek.Value) bool { return false }
func (o *vuInfo) Delete(string) bool           { return false }
func (o *vuInfo) Keys() []string {
	return []string{"idInInstance", "idInTest", "iterationInInstance", "iterationInScenario", "tags", "metrics"}
}

// vuTags is exec.vu.tags (and exec.vu.metrics.tags): the tags of the VU's samples, settable.
type vuTags struct{ m *instance }

func (o *vuTags) Get(key string) sobek.Value {
	if v, ok := o.m.vu.Tags().Get(key); ok {
		return o.m.rt.ToValue(v)
	}
	return nil
}

func (o *vuTags) Has(key string) bool {
	_, ok := o.m.vu.Tags().Get(key)
	return ok
}

// Set accepts strings, numbers and booleans (as strings), like k6; other values are left out
// with a warning.
func (o *vuTags) Set(key string, v sobek.Value) bool {
	if t := v.ExportType(); t != nil {
		switch t.Kind() {
		case reflect.String, reflect.Int64, reflect.Float64, reflect.Bool:
			o.m.vu.SetTag(key, v.String())
			return true
		}
	}
	o.m.vu.Logger().Warnf("exec.vu.tags[%q]: only strings, numbers and booleans can be tag values; the tag was not set", key)
	return true
}

func (o *vuTags) Delete(key string) bool {
	o.m.vu.DeleteTag(key)
	return true
}

func (o *vuTags) Keys() []string {
	all := o.m.vu.Tags().All()
	keys := make([]string, len(all))
	for i, t := range all {
		keys[i] = t.Key
	}
	return keys
}
