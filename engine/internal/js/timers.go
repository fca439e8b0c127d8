package js

import (
	"time"

	"github.com/grafana/sobek"
)

// timers are setTimeout and setInterval on the VU's event loop: a pending timer holds a turn,
// so a call into the script is not over before its timers have fired or been cleared.
type timers struct {
	vu      *VU
	next    int64
	pending map[int64]*timer
}

type timer struct {
	t        *time.Timer
	interval bool
}

func (ts *timers) setTimeout(call sobek.FunctionCall) sobek.Value {
	return ts.start(call, false)
}

func (ts *timers) setInterval(call sobek.FunctionCall) sobek.Value {
	return ts.start(call, true)
}

func (ts *timers) start(call sobek.FunctionCall, interval bool) sobek.Value {
	rt := ts.vu.rt
	fn, ok := sobek.AssertFunction(call.Argument(0))
	if !ok {
		panic(rt.NewTypeError("the first argument of setTimeout and setInterval must be a function"))
	}
	delay := time.Duration(call.Argument(1).ToFloat() * float64(time.Millisecond))
	if delay < 0 {
		delay = 0
	}
	var args []sobek.Value
	if len(call.Arguments) > 2 {
		args = append(args, call.Arguments[2:]...)
	}
	if ts.pending == nil {
		ts.pending = map[int64]*timer{}
	}
	ts.next++
	id := ts.next
	t := &timer{interval: interval}
	ts.pending[id] = t
	ts.schedule(id, t, delay, fn, args)
	return rt.ToValue(id)
}

func (ts *timers) schedule(id int64, t *timer, delay time.Duration, fn sobek.Callable, args []sobek.Value) {
	queue := ts.vu.loop.reserve()
	t.t = time.AfterFunc(delay, func() {
		queue(func() error {
			if ts.pending[id] != t {
				return nil // cleared after it fired
			}
			if t.interval {
				ts.schedule(id, t, delay, fn, args)
			} else {
				delete(ts.pending, id)
			}
			_, err := fn(sobek.Undefined(), args...)
			return err
		})
	})
}

// clear is clearTimeout and clearInterval.
func (ts *timers) clear(call sobek.FunctionCall) sobek.Value {
	id := call.Argument(0).ToInteger()
	if t, ok := ts.pending[id]; ok {
		delete(ts.pending, id)
		if t.t.Stop() {
			ts.vu.loop.release()
		}
	}
	return sobek.Undefined()
}

// reset stops every timer (after an interrupted or failed call; the loop drops their turns).
func (ts *timers) reset() {
	for id, t := range ts.pending {
		t.t.Stop()
		delete(ts.pending, id)
	}
}
