// Package metrics is the "k6/metrics" module: Counter, Gauge, Rate and Trend, custom metrics
// registered in the run's Registry whose add() emits samples with the VU's tags.
package metrics

import (
	"fmt"
	"math"
	"time"

	"github.com/grafana/sobek"

	enginemetrics "spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/metrics", modules.ModuleFunc(New))
}

// New is the "k6/metrics" module's instance for one VU.
func New(vu modules.VU) (modules.Exports, error) {
	return modules.Exports{Named: map[string]any{
		"Counter": constructor(vu, enginemetrics.Counter),
		"Gauge":   constructor(vu, enginemetrics.Gauge),
		"Rate":    constructor(vu, enginemetrics.Rate),
		"Trend":   constructor(vu, enginemetrics.Trend),
	}}, nil
}

// constructor is `new Counter(name, isTime)` and its kin. Metrics are declared in init code, as
// in k6; each VU declares them again and gets the same registered metric.
func constructor(vu modules.VU, t enginemetrics.Type) func(sobek.ConstructorCall) *sobek.Object {
	return func(call sobek.ConstructorCall) *sobek.Object {
		rt := vu.Runtime()
		if !vu.InInit() {
			panic(rt.NewTypeError(fmt.Sprintf("new %s() works only in init code (outside exported functions); declare the metric at the top of the script", typeName(t))))
		}
		if sobek.IsUndefined(call.Argument(0)) {
			panic(rt.NewTypeError(fmt.Sprintf("new %s() needs a metric name", typeName(t))))
		}
		contains := enginemetrics.Default
		if call.Argument(1).ToBoolean() {
			contains = enginemetrics.Time
		}
		metric, err := vu.Registry().Register(call.Argument(0).String(), t, contains)
		if err != nil {
			panic(rt.NewTypeError(err.Error()))
		}
		o := call.This
		_ = o.DefineDataProperty("name", rt.ToValue(metric.Name), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
		_ = o.Set("add", func(call sobek.FunctionCall) sobek.Value {
			add(vu, metric, call)
			return sobek.Undefined()
		})
		return nil
	}
}

// add(value, tags?) emits one sample tagged with the VU's tags and the given ones. Booleans
// count as 1 and 0 (for a Rate).
func add(vu modules.VU, metric *enginemetrics.Metric, call sobek.FunctionCall) {
	rt := vu.Runtime()
	if vu.InInit() {
		panic(rt.NewTypeError(fmt.Sprintf("%s.add() cannot be called in init code; call it inside an exported function", metric.Name)))
	}
	arg := call.Argument(0)
	value := arg.ToFloat()
	if sobek.IsUndefined(arg) || math.IsNaN(value) {
		panic(rt.NewTypeError(fmt.Sprintf("%s.add(%s): the value must be a number or a boolean", metric.Name, arg.String())))
	}
	tags := vu.Tags()
	if extra, ok := call.Argument(1).(*sobek.Object); ok {
		keys := extra.Keys()
		if len(keys) > 0 {
			m := make(map[string]string, len(keys))
			for _, k := range keys {
				m[k] = extra.Get(k).String()
			}
			tags = tags.Merge(enginemetrics.NewTagSet(m))
		}
	}
	vu.Collector().Collect(enginemetrics.Sample{Metric: metric, Tags: tags, Time: time.Now(), Value: value})
}

func typeName(t enginemetrics.Type) string {
	switch t {
	case enginemetrics.Counter:
		return "Counter"
	case enginemetrics.Gauge:
		return "Gauge"
	case enginemetrics.Rate:
		return "Rate"
	}
	return "Trend"
}
