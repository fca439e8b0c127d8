package http

import (
	"fmt"

	"github.com/grafana/sobek"
)

// statusRanges is what http.expectedStatuses() returns: the statuses that count as expected
// for http_req_failed and the expected_response tag.
type statusRanges struct {
	ranges [][2]int
}

func (s *statusRanges) expected(status int) bool {
	for _, r := range s.ranges {
		if status >= r[0] && status <= r[1] {
			return true
		}
	}
	return false
}

// k6's default: 200 to 399.
var defaultExpected = &statusRanges{ranges: [][2]int{{200, 399}}}

// expectedStatuses(200, 201, {min: 300, max: 399}, ...)
func (in *instance) expectedStatuses(call sobek.FunctionCall) sobek.Value {
	rt := in.vu.Runtime()
	s := &statusRanges{}
	for i, a := range call.Arguments {
		if o, ok := a.(*sobek.Object); ok {
			lo, hi := o.Get("min"), o.Get("max")
			if lo == nil || hi == nil || sobek.IsUndefined(lo) || sobek.IsUndefined(hi) {
				panic(rt.NewTypeError(fmt.Sprintf("expectedStatuses: argument %d must be a status or {min, max}", i+1)))
			}
			s.ranges = append(s.ranges, [2]int{int(lo.ToInteger()), int(hi.ToInteger())})
			continue
		}
		n := int(a.ToInteger())
		if n < 100 || n > 599 {
			panic(rt.NewTypeError(fmt.Sprintf("expectedStatuses: %s is not an HTTP status", a.String())))
		}
		s.ranges = append(s.ranges, [2]int{n, n})
	}
	return rt.ToValue(s)
}

// setResponseCallback(http.expectedStatuses(...)) sets the VU's default; null turns
// http_req_failed and the expected_response tag off, as in k6.
func (in *instance) setResponseCallback(call sobek.FunctionCall) sobek.Value {
	in.expected = in.responseCallback(call.Argument(0))
	return sobek.Undefined()
}

func (in *instance) responseCallback(v sobek.Value) *statusRanges {
	if v == nil || sobek.IsNull(v) || sobek.IsUndefined(v) {
		return nil
	}
	if s, ok := v.Export().(*statusRanges); ok {
		return s
	}
	panic(in.vu.Runtime().NewTypeError("a response callback must come from http.expectedStatuses()"))
}
