package run

import (
	"sync"
	"time"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/js"
)

// testControl is k6/execution's exec.test for the whole run: abort() ends the test (108),
// fail() marks it failed (110) and lets it go on.
type testControl struct {
	mu         sync.Mutex
	options    any
	abortCh    chan error
	failReason string
	failedSet  bool
	started    time.Time
	scheduler  *executor.Scheduler
}

func newTestControl() *testControl {
	return &testControl{abortCh: make(chan error, 1), started: time.Now()}
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

func (t *testControl) setScheduler(s *executor.Scheduler) {
	t.mu.Lock()
	t.scheduler = s
	t.mu.Unlock()
}

// Stats is exec.instance: this instance's progress, summed over its scenarios.
func (t *testControl) Stats() js.InstanceStats {
	t.mu.Lock()
	sched := t.scheduler
	t.mu.Unlock()
	st := js.InstanceStats{CurrentTestRunDuration: time.Since(t.started)}
	if sched == nil {
		return st
	}
	for _, p := range sched.Progress() {
		st.IterationsCompleted += p.Iterations
		st.IterationsInterrupted += p.Interrupted
		st.VUsActive += uint64(p.ActiveVUs)
	}
	st.VUsInitialized = uint64(sched.InitialVUs())
	return st
}
