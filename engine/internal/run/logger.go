package run

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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

// slog adapts the logger for packages that log through log/slog (the executors): one line per
// record, its attributes appended as key=value.
func (l *logger) slog() *slog.Logger { return slog.New(slogHandler{l: l}) }

type slogHandler struct {
	l     *logger
	attrs []slog.Attr
}

func (h slogHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelInfo
}

func (h slogHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	level := "INFO"
	if r.Level >= slog.LevelWarn {
		level = "WARN"
	}
	h.l.line(level, "%s", b.String())
	return nil
}

func (h slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return slogHandler{l: h.l, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h slogHandler) WithGroup(string) slog.Handler { return h }

// Errorf is for script errors (an exception in an iteration): the run goes on.
func (l *logger) Errorf(format string, args ...any) { l.line("ERRO", format, args...) }
