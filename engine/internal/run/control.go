package run

import (
	"sync"

	"spate.local/engine/internal/exitcode"
)

// testControl is k6/execution's exec.test for the whole run: abort() ends the test (108),
// fail() marks it failed (110) and lets it go on.
type testControl struct {
	mu         sync.Mutex
	options    any
	abortCh    chan error
	failReason string
	failedSet  bool
}

func newTestControl() *testControl {
	return &testControl{abortCh: make(chan error, 1)}
}

func (t *testControl) setOptions(raw any) {
	t.mu.Lock()
	t.options = raw
	t.mu.Unlock()
}

// Options is exec.test.options: the consolidated options.
func (t *testControl) Options() any {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.options
}

// Abort ends the test; the first reason wins.
func (t *testControl) Abort(reason string) {
	msg := "test aborted"
	if reason != "" {
		msg += ": " + reason
	}
	select {
	case t.abortCh <- exitcode.New(exitcode.ScriptAborted, "%s", msg):
	default:
	}
}

// Fail marks the test as failed; it goes on to its end.
func (t *testControl) Fail(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.failedSet {
		t.failedSet, t.failReason = true, reason
	}
}

func (t *testControl) aborts() <-chan error { return t.abortCh }

func (t *testControl) failed() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failReason, t.failedSet
}
