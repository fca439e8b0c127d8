package spate

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/contract"
	"spate.local/engine/internal/modules/redis"
)

var validField = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// newExpectationObject is `new Expectation({runId, schema, keys, windowMs})`: the run's
// expected windows, shared by every VU of the process.
func (mi *moduleInstance) newExpectationObject(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	opts, _ := call.Argument(0).Export().(map[string]any)
	if opts == nil {
		panic(rt.NewTypeError("spate: Expectation needs an options object {runId, schema, keys, windowMs}"))
	}
	for k := range opts {
		switch k {
		case "runId", "schema", "keys", "windowMs":
		default:
			panic(rt.NewTypeError("spate: Expectation option %q is not supported (allowed: runId, schema, keys, windowMs)", k))
		}
	}
	runID, _ := opts["runId"].(string)
	if !validRunID.MatchString(runID) {
		panic(rt.NewTypeError("spate: Expectation option \"runId\" must be 1 to 100 letters, digits, . _ -, got %q", runID))
	}
	schemaName, _ := opts["schema"].(string)
	if schemaName == "" {
		schemaName = "basic"
	}
	schema, err := contract.ParseSchema(schemaName)
	if err != nil {
		panic(rt.NewTypeError("spate: Expectation option \"schema\": %v", err))
	}
	keys, ok := wholeNumber(rt.ToValue(opts["keys"]))
	if !ok || keys < 1 {
		panic(rt.NewTypeError("spate: Expectation option \"keys\" must be the generator's key space, a whole number >= 1, got %v", opts["keys"]))
	}
	windowMs, ok := wholeNumber(rt.ToValue(opts["windowMs"]))
	if !ok || windowMs < 1 {
		panic(rt.NewTypeError("spate: Expectation option \"windowMs\" must be the pipeline's window size in milliseconds, a whole number >= 1, got %v", opts["windowMs"]))
	}
	e, err := sharedExpectation(runID, schema, keys, int64(windowMs))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	j := &jsExpectation{mi: mi, e: e}
	obj := rt.NewObject()
	_ = obj.Set("add", j.add)
	_ = obj.Set("verifyWindows", j.verifyWindows)
	return obj
}

type jsExpectation struct {
	mi *moduleInstance
	e  *expectation
}

// add(firstSeq, n, eventTime) records a produce call of the generator's records first ..
// first+n-1 stamped with eventTime (ms since the epoch). It does no I/O.
func (j *jsExpectation) add(call sobek.FunctionCall) sobek.Value {
	rt := j.mi.vu.Runtime()
	first, ok1 := wholeNumber(call.Argument(0))
	n, ok2 := wholeNumber(call.Argument(1))
	t, ok3 := call.Argument(2).Export().(float64)
	if i, isInt := call.Argument(2).Export().(int64); isInt {
		t, ok3 = float64(i), true
	}
	if !ok1 || !ok2 || first > maxSeq || n > maxSeq-first || !ok3 || t < 0 {
		panic(rt.NewTypeError("spate: expectation.add(firstSeq, n, eventTime) needs two whole numbers from 0 to 2^53-1 and the produce call's event time in ms, got %s, %s, %s", call.Argument(0), call.Argument(1), call.Argument(2)))
	}
	j.e.add(first, n, t)
	return sobek.Undefined()
}

// verifyWindows({redisUrl, keyPattern, format, countField, sumField, writtenAtField,
// timeoutSeconds, pollSeconds}) waits for the pipeline's windows and resolves with the verdict.
func (j *jsExpectation) verifyWindows(call sobek.FunctionCall) sobek.Value {
	rt := j.mi.vu.Runtime()
	opts, _ := call.Argument(0).Export().(map[string]any)
	layout, url, timeout, poll, err := parseVerifyOptions(opts)
	if err != nil {
		panic(rt.NewTypeError("%s", err.Error()))
	}
	client, err := redis.Shared(url)
	if err != nil {
		panic(rt.NewGoError(err))
	}
	vu := j.mi.vu
	promise, resolve, reject := rt.NewPromise()
	if vu.InInit() {
		_ = reject(rt.NewGoError(fmt.Errorf("spate: verifyWindows cannot read Redis in the init context; call it from a scenario's function")))
		return rt.ToValue(promise)
	}
	ctx := vu.Context()
	settle := vu.Callback()
	go func() {
		ctx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
		defer cancel()
		v, err := waitForWindows(ctx, client, j.e, layout, time.Now().Add(timeout), poll)
		settle(func() error {
			if err != nil {
				return reject(rt.NewGoError(err))
			}
			return resolve(verdictObject(rt, &v))
		})
	}()
	return rt.ToValue(promise)
}

func parseVerifyOptions(opts map[string]any) (layout sinkLayout, url string, timeout, poll time.Duration, err error) {
	if opts == nil {
		return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows needs an options object {redisUrl, keyPattern, ...}")
	}
	str := func(name, fallback string) string {
		if s, ok := opts[name].(string); ok {
			return s
		}
		return fallback
	}
	seconds := func(name string, fallback float64) float64 {
		switch x := opts[name].(type) {
		case int64:
			return float64(x)
		case float64:
			return x
		}
		return fallback
	}
	for k := range opts {
		switch k {
		case "redisUrl", "keyPattern", "format", "countField", "sumField", "writtenAtField", "timeoutSeconds", "pollSeconds":
		default:
			return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows option %q is not supported (allowed: redisUrl, keyPattern, format, countField, sumField, writtenAtField, timeoutSeconds, pollSeconds)", k)
		}
	}
	url = str("redisUrl", "")
	layout = sinkLayout{
		pattern:        str("keyPattern", ""),
		countField:     str("countField", "count"),
		sumField:       str("sumField", "sum"),
		writtenAtField: str("writtenAtField", "writtenAt"),
	}
	switch format := str("format", "hash"); format {
	case "hash":
	case "json":
		layout.json = true
	default:
		return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows option \"format\" must be \"hash\" or \"json\", got %q", format)
	}
	switch {
	case url == "":
		return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows option \"redisUrl\" is required (redis[s]://[[user]:password@]host:port[/db])")
	case !strings.Contains(layout.pattern, "{window}") || !strings.Contains(layout.pattern, "{key}"):
		return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows option \"keyPattern\" must contain {window} and {key}, e.g. \"spark:w:{window}:{key}\", got %q", layout.pattern)
	case !validField.MatchString(layout.countField) || !validField.MatchString(layout.sumField):
		return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows options \"countField\" and \"sumField\" must be field names, got %q and %q", layout.countField, layout.sumField)
	case layout.writtenAtField != "" && !validField.MatchString(layout.writtenAtField):
		return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows option \"writtenAtField\" must be a field name, or \"\" when the pipeline writes no time, got %q", layout.writtenAtField)
	}
	t, p := seconds("timeoutSeconds", 60), seconds("pollSeconds", 1)
	if t <= 0 || t > 3600 || p <= 0 || p > 60 {
		return layout, "", 0, 0, fmt.Errorf("spate: verifyWindows needs timeoutSeconds in (0, 3600] and pollSeconds in (0, 60], got %v and %v", t, p)
	}
	return layout, url, time.Duration(t * float64(time.Second)), time.Duration(p * float64(time.Second)), nil
}

// verdictObject shows a verdict to JS; counts stay exact below 2^53, far above any run's size.
func verdictObject(rt *sobek.Runtime, v *windowsVerdict) *sobek.Object {
	obj := rt.NewObject()
	_ = obj.Set("expected", v.expected)
	_ = obj.Set("verified", v.verified)
	_ = obj.Set("lost", v.lost)
	_ = obj.Set("duplicated", v.duplicated)
	_ = obj.Set("mismatched", v.mismatched)
	_ = obj.Set("windows", v.windows)
	_ = obj.Set("missing", v.missing)
	lat := make([]any, len(v.latencies))
	for i, l := range v.latencies {
		lat[i] = l
	}
	_ = obj.Set("latencies", rt.NewArray(lat...))
	_ = obj.Set("latencySlope", v.slope)
	return obj
}
