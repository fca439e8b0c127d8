package js

import (
	"context"
	"sync"
)

// eventLoop is a VU's queue of asynchronous turns: module callbacks and timers reserve a turn,
// run their work on the VU's goroutine when it is their turn, and a call into the script is
// over only when no reserved turn is left.
type eventLoop struct {
	mu       sync.Mutex
	queue    []func() error
	spare    []func() error
	reserved int
	// generation changes on reset, so turns reserved by an interrupted call are dropped.
	generation uint64
	wakeup     chan struct{}
}

func newEventLoop() *eventLoop {
	return &eventLoop{wakeup: make(chan struct{}, 1)}
}

// reserve returns the function that queues the reserved turn's work, from any goroutine.
func (l *eventLoop) reserve() func(func() error) {
	l.mu.Lock()
	l.reserved++
	gen := l.generation
	l.mu.Unlock()
	return func(work func() error) {
		l.mu.Lock()
		if gen != l.generation {
			l.mu.Unlock()
			return
		}
		l.queue = append(l.queue, work)
		l.mu.Unlock()
		select {
		case l.wakeup <- struct{}{}:
		default:
		}
	}
}

// release gives back a reserved turn that will never be queued (a cleared timer).
func (l *eventLoop) release() {
	l.mu.Lock()
	l.reserved--
	l.mu.Unlock()
}

// run runs queued work until no turn is reserved. It returns the first error of a turn, or
// ctx.Err() when ctx ends first; then the caller must reset the loop.
func (l *eventLoop) run(ctx context.Context) error {
	for {
		l.mu.Lock()
		work := l.queue
		l.queue, l.spare = l.spare[:0], nil
		l.reserved -= len(work)
		waiting := l.reserved
		l.mu.Unlock()
		for i, w := range work {
			work[i] = nil
			if err := w(); err != nil {
				return err
			}
		}
		l.mu.Lock()
		if l.spare == nil {
			l.spare = work[:0]
		}
		l.mu.Unlock()
		if len(work) > 0 {
			continue
		}
		if waiting == 0 {
			return nil
		}
		select {
		case <-l.wakeup:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// reset drops every queued and reserved turn.
func (l *eventLoop) reset() {
	l.mu.Lock()
	l.generation++
	l.queue = l.queue[:0]
	l.reserved = 0
	l.mu.Unlock()
	select {
	case <-l.wakeup:
	default:
	}
}
