// Package spate is the JS module "k6/x/spate": spate's own pieces of a load run. Its Ledger
// counts the records a run produced (count, exact seqSum, seqHash) in Go and writes them to the
// Redis under test about once a second in one transaction, instead of three round trips per
// produce call; it also reads the produced totals and sums the pipeline's ledger entries
// exactly, for the verify step (docs/sink.md).
package spate

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/x/spate", modules.ModuleFunc(newInstance))
	// The last second of adds must reach Redis before the test is over.
	modules.AtTestEnd(FlushAll)
}

type moduleInstance struct{ vu modules.VU }

func newInstance(vu modules.VU) (modules.Exports, error) {
	mi := &moduleInstance{vu: vu}
	return modules.Exports{Named: map[string]any{"Ledger": mi.newLedger, "Expectation": mi.newExpectationObject}}, nil
}

// The same rules as the scripts' SPATE_SINK_PREFIX and SPATE_RUN_ID (scripts/lib/config.ts).
var (
	validPrefix = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,64}$`)
	validRunID  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// maxSeq is JS's Number.MAX_SAFE_INTEGER: scripts cannot name larger sequence numbers exactly.
const maxSeq = 1<<53 - 1

func (mi *moduleInstance) newLedger(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	opts, _ := call.Argument(0).Export().(map[string]any)
	url, _ := opts["redisUrl"].(string)
	prefix, _ := opts["prefix"].(string)
	runID, _ := opts["runId"].(string)
	for k := range opts {
		if k != "redisUrl" && k != "prefix" && k != "runId" {
			panic(rt.NewTypeError("spate: Ledger option %q is not supported (allowed: redisUrl, prefix, runId)", k))
		}
	}
	switch {
	case opts == nil:
		panic(rt.NewTypeError("spate: Ledger needs an options object {redisUrl, prefix, runId}"))
	case url == "":
		panic(rt.NewTypeError("spate: Ledger option \"redisUrl\" is required (redis[s]://[[user]:password@]host:port[/db])"))
	case !validPrefix.MatchString(prefix):
		panic(rt.NewTypeError("spate: Ledger option \"prefix\" must be 1 to 64 letters, digits, : _ . -, got %q", prefix))
	case !validRunID.MatchString(runID):
		panic(rt.NewTypeError("spate: Ledger option \"runId\" must be 1 to 100 letters, digits, . _ -, got %q", runID))
	}
	l, err := sharedLedger(url, prefix, runID)
	if err != nil {
		panic(rt.NewGoError(err))
	}
	j := &jsLedger{mi: mi, l: l}
	obj := rt.NewObject()
	for name, fn := range map[string]func(sobek.FunctionCall) sobek.Value{
		"add":        j.add,
		"flush":      j.flush,
		"produced":   j.produced,
		"sinkTotals": j.sinkTotals,
	} {
		if err := obj.Set(name, fn); err != nil {
			panic(rt.NewGoError(err))
		}
	}
	if err := obj.Set("key", l.Key()); err != nil {
		panic(rt.NewGoError(err))
	}
	return obj
}

type jsLedger struct {
	mi *moduleInstance
	l  *ledger
}

// add(firstSeq, n) records a produced batch of consecutive sequence numbers. It does no I/O.
func (j *jsLedger) add(call sobek.FunctionCall) sobek.Value {
	rt := j.mi.vu.Runtime()
	first, ok1 := wholeNumber(call.Argument(0))
	n, ok2 := wholeNumber(call.Argument(1))
	if !ok1 || !ok2 || first > maxSeq || n > maxSeq-first {
		panic(rt.NewTypeError("spate: ledger.add(firstSeq, n) needs two whole numbers from 0 to 2^53-1, got %s, %s", call.Argument(0), call.Argument(1)))
	}
	j.l.add(first, n)
	return sobek.Undefined()
}

// flush() writes the pending totals now; it resolves when Redis has them.
func (j *jsLedger) flush(sobek.FunctionCall) sobek.Value {
	return j.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		return func(*sobek.Runtime) sobek.Value { return sobek.Undefined() }, j.l.flushNow(ctx)
	})
}

// produced() resolves with {count, seqSum, seqHash} of <prefix>:produced:<runId>, this
// process's pending totals included.
func (j *jsLedger) produced(sobek.FunctionCall) sobek.Value {
	return j.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		t, err := j.l.produced(ctx)
		return func(rt *sobek.Runtime) sobek.Value { return totalsObject(rt, &t) }, err
	})
}

// sinkTotals(pattern?) resolves with {count, seqSum, seqHash, entries, latencies} summed over
// the hashes matching pattern, by default the run's ledger entries <prefix>:ledger:<runId>:*.
func (j *jsLedger) sinkTotals(call sobek.FunctionCall) sobek.Value {
	pattern := j.l.prefix + ":ledger:" + j.l.runID + ":*"
	if v := call.Argument(0); !sobek.IsUndefined(v) && !sobek.IsNull(v) {
		s, ok := v.Export().(string)
		if !ok || s == "" {
			panic(j.mi.vu.Runtime().NewTypeError("spate: ledger.sinkTotals(pattern) needs a key pattern string such as \"spate:ledger:run-1:*\""))
		}
		pattern = s
	}
	return j.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		s, err := j.l.sinkTotals(ctx, pattern)
		return func(rt *sobek.Runtime) sobek.Value {
			obj := totalsObject(rt, &s.totals)
			_ = obj.Set("entries", s.entries)
			latencies := make([]any, len(s.latencies))
			for i, l := range s.latencies {
				latencies[i] = l
			}
			_ = obj.Set("latencies", rt.NewArray(latencies...))
			return obj
		}, err
	})
}

// totalsObject shows totals to JS: count as a number where it is exact (a decimal string past
// 2^53), seqSum always as a decimal string (it passes 2^53 early), seqHash as a number.
func totalsObject(rt *sobek.Runtime, t *totals) *sobek.Object {
	obj := rt.NewObject()
	if t.count <= maxSeq {
		_ = obj.Set("count", t.count)
	} else {
		_ = obj.Set("count", fmt.Sprint(t.count))
	}
	_ = obj.Set("seqSum", t.seqSum.String())
	_ = obj.Set("seqHash", t.seqHash)
	return obj
}

// async runs work off the VU's goroutine and settles a promise on its event loop.
func (j *jsLedger) async(work func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error)) sobek.Value {
	vu := j.mi.vu
	rt := vu.Runtime()
	promise, resolve, reject := rt.NewPromise()
	if vu.InInit() {
		_ = reject(rt.NewGoError(fmt.Errorf("spate: the ledger cannot read or write Redis in the init context; use it from the default function, setup or teardown")))
		return rt.ToValue(promise)
	}
	ctx := vu.Context()
	settle := vu.Callback()
	go func() {
		// Bounded, so a dead Redis fails the call instead of hanging the VU.
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		value, err := work(ctx)
		settle(func() error {
			if err != nil {
				return reject(rt.NewGoError(err))
			}
			return resolve(value(rt))
		})
	}()
	return rt.ToValue(promise)
}

func wholeNumber(v sobek.Value) (uint64, bool) {
	switch x := v.Export().(type) {
	case int64:
		return uint64(x), x >= 0
	case float64:
		return uint64(x), x >= 0 && x == math.Trunc(x) && x <= maxSeq
	}
	return 0, false
}
