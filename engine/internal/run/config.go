// Package run executes one test run, in k6's order: compile the script, read its options, start
// the outputs and the metric aggregation, initialize the VUs, setup(), the scenarios, teardown(),
// the summary, and the exit code.
package run

import (
	"errors"
	"io"
	"time"
)

// Config is one `spate run`, as the command line gives it.
type Config struct {
	Script string
	Env    map[string]string // the complete __ENV
	Tags   map[string]string // --tag
	// CLI overrides of the script's options (nil when not given).
	VUs        *int64
	Iterations *int64
	Duration   *time.Duration

	Outputs         []string // -o values
	Segment         string   // --execution-segment
	SegmentSequence string   // --execution-segment-sequence
	// StartAt (--start-at) holds the scenarios until that instant, after setup; zero starts
	// them as soon as setup ends.
	StartAt time.Time

	Quiet, NoSummary, NoThresholds, NoSetup, NoTeardown bool
	SummaryExport                                       string

	Stdout, Stderr       io.Writer
	StdoutTTY, StderrTTY bool
}

// ErrSignal is the cause of the context's cancellation when SIGINT or SIGTERM stopped the test.
var ErrSignal = errors.New("stopped by a signal")
