package js

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/exitcode"
)

// abortSignal is the interrupt value of exec.test.abort().
type abortSignal struct{ reason string }

// ctxSignal is the interrupt value when the call's context ends.
type ctxSignal struct{}

// scriptError is an exception the script threw, with its location in the script's own sources.
type scriptError struct {
	location string // "scripts/x.ts:3:7", or "" when unknown
	message  string // "Error: boom"
}

func (e *scriptError) Error() string {
	if e.location == "" {
		return e.message
	}
	return e.location + ": " + e.message
}

var stackLocation = regexp.MustCompile(`\(?([^\s()]+:\d+:\d+)(\(\d+\))?\)?`)

// describeException turns what sobek returned into a one-line script error.
func describeException(err error) *scriptError {
	var exc *sobek.Exception
	if errors.As(err, &exc) {
		se := &scriptError{message: firstLine(valueMessage(exc.Value()))}
		for _, frame := range exc.Stack() {
			p := frame.Position()
			if p.Filename != "" && p.Line > 0 {
				se.location = location(p.Filename, p.Line, p.Column)
				break
			}
		}
		return se
	}
	return &scriptError{message: firstLine(err.Error())}
}

// describeRejection is describeException for a rejected promise's reason.
func describeRejection(reason sobek.Value) *scriptError {
	se := &scriptError{message: firstLine(valueMessage(reason))}
	if o, ok := reason.(*sobek.Object); ok {
		if stack := o.Get("stack"); stack != nil && !sobek.IsUndefined(stack) {
			lines := strings.Split(stack.String(), "\n")
			for _, line := range lines[1:] {
				if m := stackLocation.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
					se.location = relativeLocation(m[1])
					break
				}
			}
		}
	}
	return se
}

func valueMessage(v sobek.Value) string {
	if v == nil || sobek.IsUndefined(v) {
		return "undefined"
	}
	if o, ok := v.(*sobek.Object); ok {
		if msg := o.Get("message"); msg != nil && !sobek.IsUndefined(msg) {
			name := "Error"
			if n := o.Get("name"); n != nil && !sobek.IsUndefined(n) {
				name = n.String()
			}
			return name + ": " + msg.String()
		}
	}
	return v.String()
}

func relativeLocation(loc string) string {
	// loc is file:line:col.
	i := strings.LastIndexByte(loc, ':')
	j := strings.LastIndexByte(loc[:max(i, 0)], ':')
	if j <= 0 {
		return loc
	}
	line, err1 := strconv.Atoi(loc[j+1 : i])
	col, err2 := strconv.Atoi(loc[i+1:])
	if err1 != nil || err2 != nil {
		return loc
	}
	return location(loc[:j], line, col)
}

// location formats a position for people. Positions mapped back to the script's sources come
// with 0-based columns from sobek's source map reader; they are shown 1-based, as editors do.
func location(file string, line, col int) string {
	if filepath.Base(file) != bundleName {
		col++
	}
	return fmt.Sprintf("%s:%d:%d", relativeName(file), line, col)
}

// relativeName shows a source path relative to the working directory when it is below it.
func relativeName(name string) string {
	name = strings.TrimPrefix(name, "file://")
	if !filepath.IsAbs(name) {
		return name
	}
	if cwd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(cwd, name); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return name
}

// classify turns an error of a call into the script into what the VU returns: an abort is
// ScriptAborted, an exception is a *scriptError, an interrupt by the context is errInterrupted.
func classify(err error) error {
	var interrupted *sobek.InterruptedError
	if errors.As(err, &interrupted) {
		switch v := interrupted.Value().(type) {
		case abortSignal:
			return abortError(v.reason)
		case ctxSignal:
			return errInterrupted
		}
		return &scriptError{message: fmt.Sprint(interrupted.Value())}
	}
	var coded *exitcode.Error
	if errors.As(err, &coded) {
		return coded
	}
	return describeException(err)
}

var errInterrupted = errors.New("interrupted")

func abortError(reason string) *exitcode.Error {
	if reason == "" {
		return exitcode.New(exitcode.ScriptAborted, "test aborted")
	}
	return exitcode.New(exitcode.ScriptAborted, "test aborted: %s", reason)
}
