// Package exitcode holds the process exit codes of `spate run`, which are k6's, and the error
// type that carries one to the CLI.
package exitcode

import (
	"errors"
	"fmt"
)

// Exit codes, as k6 documents them.
const (
	OK               = 0
	Failure          = 1   // anything else: bad command line, an internal error
	ThresholdsFailed = 99  // a threshold was breached
	SetupTimeout     = 100 // setup() took longer than setupTimeout
	TeardownTimeout  = 101 // teardown() took longer than teardownTimeout
	InvalidConfig    = 104 // invalid options, flags or threshold expressions
	ExternalAbort    = 105 // stopped by SIGINT or SIGTERM
	ScriptException  = 107 // the script threw (init code, setup, teardown, handleSummary)
	ScriptAborted    = 108 // exec.test.abort(), or a threshold with abortOnFail
	MarkedAsFailed   = 110 // exec.test.fail()
)

// Error is an error that decides the exit code. Its message is one line for people: it names the
// problem and, in Hint, the fix.
type Error struct {
	Code int
	Err  error
	Hint string
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + "; " + e.Hint
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with a formatted message.
func New(code int, format string, args ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Wrap gives err an exit code (and a hint, which may be empty).
func Wrap(code int, err error, hint string) *Error {
	return &Error{Code: code, Err: err, Hint: hint}
}

// Of returns the exit code err carries: 0 for nil, Failure when it carries none.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failure
}
