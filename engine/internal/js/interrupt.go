package js

import "context"

// interruptWatch interrupts the VU's script when the context of its call ends. Iterations keep
// it armed while their context stays the same (an executor gives one context to a scenario's
// iterations), which spares registering with the context on every iteration.
type interruptWatch struct {
	ctx   context.Context
	stop  func() bool
	fired chan struct{}
}

// watch arms the interrupt on ctx, replacing a watch on another context.
func (vu *VU) watch(ctx context.Context) {
	if vu.watching.ctx == ctx && vu.watching.stop != nil {
		return
	}
	vu.unwatch()
	if ctx.Done() == nil {
		return
	}
	fired := make(chan struct{})
	vu.watching = interruptWatch{ctx: ctx, fired: fired, stop: context.AfterFunc(ctx, func() {
		vu.rt.Interrupt(ctxSignal{})
		close(fired)
	})}
}

// unwatch disarms the interrupt. When it has fired already, it waits for the interrupt to be set
// and clears it, so the runtime is clean for whatever runs next.
func (vu *VU) unwatch() {
	if vu.watching.stop == nil {
		return
	}
	if !vu.watching.stop() {
		<-vu.watching.fired
		vu.rt.ClearInterrupt()
	}
	vu.watching = interruptWatch{}
}
