package executor

import (
	"context"
	"time"

	"spate.local/engine/internal/metrics"
)

// Scenario is what a VU needs to know about the scenario an iteration belongs to; it is also
// what the script reads as exec.scenario. One value per scenario, shared by its iterations:
// VUs may cache what they derive from it by pointer.
type Scenario struct {
	Name     string
	Executor string // k6's executor name, e.g. "constant-arrival-rate"
	// Exec is the exported function each iteration calls ("default" when the scenario names none).
	Exec string
	// Env holds the scenario's env; a VU sees it over the run's __ENV while it runs the scenario.
	Env map[string]string
	// Tags are the scenario's tags, including "scenario": Name.
	Tags *metrics.TagSet
	// StartTime is when the scenario started (set before its first iteration).
	StartTime time.Time
	// Progress is the scenario's progress from 0 to 1.
	Progress func() float64
}

// Iteration is one scheduled run of a scenario's exec function.
type Iteration struct {
	Scenario *Scenario
	// InInstance numbers the scenario's iterations in this instance from 0
	// (exec.scenario.iterationInInstance).
	InInstance uint64
	// InTest numbers them across every instance of a segmented test, unique from 0
	// (exec.scenario.iterationInTest).
	InTest uint64
	// Scheduled is when an arrival-rate executor meant the iteration to start; zero otherwise.
	Scheduled time.Time
}

// VU runs iterations. Implemented by the JS runtime (one sobek runtime per VU).
type VU interface {
	IDInInstance() uint64
	IDInTest() uint64
	// RunIteration runs one iteration and returns when it ends. An exception thrown by the
	// script ends the iteration (the VU logs it) and is not returned. It returns ctx.Err()
	// when ctx was cancelled before the iteration completed (an interrupted iteration), and an
	// *exitcode.Error when the script ended the test (exec.test.abort(): ScriptAborted).
	RunIteration(ctx context.Context, it *Iteration) error
}

// NewVUFunc initializes a VU (runs the script's init code). idInTest is unique across the
// instances of a segmented test.
type NewVUFunc func(ctx context.Context, idInInstance, idInTest uint64) (VU, error)
