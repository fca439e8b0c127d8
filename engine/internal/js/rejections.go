package js

import (
	"time"

	"github.com/grafana/sobek"
)

// rejections tracks promises rejected with no handler, so that an error in an async function
// nobody awaited is logged instead of lost ("Uncaught (in promise)").
type rejections struct {
	pending []*sobek.Promise
}

func (r *rejections) track(p *sobek.Promise, op sobek.PromiseRejectionOperation) {
	switch op {
	case sobek.PromiseRejectionReject:
		r.pending = append(r.pending, p)
	case sobek.PromiseRejectionHandle:
		for i, q := range r.pending {
			if q == p {
				r.pending = append(r.pending[:i], r.pending[i+1:]...)
				return
			}
		}
	}
}

// reportRejections logs the unhandled rejections of a call, except result: the call's own promise, whose
// rejection the caller reports.
func (vu *VU) reportRejections(result sobek.Value) {
	if len(vu.rejections.pending) == 0 {
		return
	}
	var own *sobek.Promise
	if o, ok := result.(*sobek.Object); ok {
		own, _ = o.Export().(*sobek.Promise)
	}
	for _, p := range vu.rejections.pending {
		if p != own {
			vu.errorLog.log(vu.cfg.Logger, "Uncaught (in promise) "+describeRejection(p.Result()).Error(), time.Now())
		}
	}
	vu.rejections.pending = vu.rejections.pending[:0]
}
