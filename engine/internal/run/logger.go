package run

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// logger writes spate's log lines to stderr: one line each, with the seconds since the start.
// --quiet only hides the progress line (as in k6): console output and warnings always show.
type logger struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func newLogger(w io.Writer) *logger {
	return &logger{w: w, start: time.Now()}
}

func (l *logger) line(level, format string, args ...any) {
	msg := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s[%04d] %s\n", level, int(time.Since(l.start).Seconds()), msg)
}

func (l *logger) Infof(format string, args ...any) { l.line("INFO", format, args...) }

func (l *logger) Warnf(format string, args ...any) { l.line("WARN", format, args...) }
