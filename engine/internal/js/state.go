package js

import (
	"time"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/modules"
)

// Test is the run's control and progress as k6/execution shows them (exec.test, exec.instance).
// The run orchestration implements it; every method is safe for concurrent use.
type Test interface {
	// Abort ends the test now (exec.test.abort): the run stops its scenarios, still runs
	// teardown, and exits with ScriptAborted. The VU that called it also returns the error.
	Abort(reason string)
	// Fail marks the test failed (exec.test.fail): it runs on and exits with MarkedAsFailed.
	Fail(reason string)
	// Options is the consolidated options as a JSON-able value (exec.test.options).
	Options() any
	// Stats is this instance's progress (exec.instance).
	Stats() InstanceStats
}

// InstanceStats is exec.instance.
type InstanceStats struct {
	IterationsCompleted   uint64
	IterationsInterrupted uint64
	VUsActive             uint64
	VUsInitialized        uint64
	// CurrentTestRunDuration is the time since the test started (setup included).
	CurrentTestRunDuration time.Duration
}

// State is what k6's own modules (k6, k6/execution, k6/http) need of a VU beyond modules.VU.
// The modules.VU a js VU gives module instances implements it; other modules need not use it.
type State interface {
	modules.VU
	// Scenario and Iteration are those of the running iteration; nil in init, setup and teardown.
	Scenario() *executor.Scenario
	Iteration() *executor.Iteration
	// IterationInInstance counts the iterations this VU started, across scenarios, from 0.
	IterationInInstance() uint64
	// IterationInScenario counts the iterations this VU started in the running scenario, from 0.
	IterationInScenario() uint64
	// Test is nil when the VU's Config has none (a VU that only reads options).
	Test() Test
	// AbortTest stops the script at once (no try/catch catches it) and makes the running
	// call return an *exitcode.Error with code ScriptAborted.
	AbortTest(reason string)
	// FailTest marks the test failed; the script goes on.
	FailTest(reason string)
	// Group is the path of the running group: "" at the root, "::a::b" inside group b in a.
	Group() string
	SetGroup(path string)
	// SetTag and DeleteTag change the tags of the samples this VU emits from now on
	// (exec.vu.tags); they last while the VU runs the same scenario, like k6's.
	SetTag(key, value string)
	DeleteTag(key string)
}
