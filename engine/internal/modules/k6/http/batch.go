package http

import (
	"fmt"
	"sync"

	"github.com/grafana/sobek"
)

// batchParallel is how many of a batch's requests run at once (k6's `batch` option default).
const batchParallel = 10

// batch(requests) sends requests in parallel and returns their responses in the same shape:
// an array for an array, an object for an object. A request is a URL (GET), an array
// [method, url, body?, params?] or an object {method, url, body?, params?}.
func (in *instance) batch(call sobek.FunctionCall) sobek.Value {
	rt := in.vu.Runtime()
	if in.vu.InInit() {
		panic(rt.NewGoError(fmt.Errorf("http.batch() cannot run in init code; make requests inside an exported function (setup or default)")))
	}
	list, ok := call.Argument(0).(*sobek.Object)
	if !ok {
		panic(rt.NewTypeError("http.batch() needs an array or an object of requests"))
	}
	isArray := list.ClassName() == "Array"
	keys := list.Keys()
	reqs := make([]*request, len(keys))
	for i, k := range keys {
		req, err := in.batchItem(list.Get(k))
		if err != nil {
			panic(rt.NewTypeError(fmt.Sprintf("http.batch() request %s: %v", k, err)))
		}
		reqs[i] = req
	}
	sent, received := in.counter.sent.Load(), in.counter.received.Load()
	outcomes := make([]*outcome, len(reqs))
	var wg sync.WaitGroup
	slots := make(chan struct{}, batchParallel)
	ctx := in.vu.Context()
	for i, req := range reqs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			outcomes[i] = in.perform(ctx, req)
			<-slots
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return sobek.Undefined()
	}
	var out *sobek.Object
	if isArray {
		values := make([]any, len(outcomes))
		for i, o := range outcomes {
			values[i] = in.finish(o)
		}
		out = rt.NewArray(values...)
	} else {
		out = rt.NewObject()
		for i, o := range outcomes {
			_ = out.Set(keys[i], in.finish(o))
		}
	}
	in.emitData(sent, received)
	return out
}

func (in *instance) batchItem(v sobek.Value) (*request, error) {
	o, ok := v.(*sobek.Object)
	if !ok {
		return in.newRequest("GET", v, sobek.Undefined(), sobek.Undefined())
	}
	if o.ClassName() == "Array" {
		method := o.Get("0")
		if method == nil || sobek.IsUndefined(method) {
			return nil, fmt.Errorf("an array request needs [method, url, body?, params?]")
		}
		return in.newRequest(method.String(), o.Get("1"), orUndefined(o.Get("2")), orUndefined(o.Get("3")))
	}
	method := "GET"
	if m := o.Get("method"); m != nil && !sobek.IsUndefined(m) {
		method = m.String()
	}
	return in.newRequest(method, o.Get("url"), orUndefined(o.Get("body")), orUndefined(o.Get("params")))
}

func orUndefined(v sobek.Value) sobek.Value {
	if v == nil {
		return sobek.Undefined()
	}
	return v
}
