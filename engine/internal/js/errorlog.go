package js

import (
	"time"

	"spate.local/engine/internal/modules"
)

// errorLog logs a script's exceptions one line each (at error level when the Logger has an
// Errorf method), and folds a run of identical ones into
// one line per interval so a failing iteration at thousands per second does not flood the log.
type errorLog struct {
	last       string
	lastLogged time.Time
	suppressed int
}

const errorLogInterval = 5 * time.Second

func (l *errorLog) log(logger modules.Logger, line string, now time.Time) {
	logf := logger.Warnf
	if e, ok := logger.(interface{ Errorf(string, ...any) }); ok {
		logf = e.Errorf
	}
	if line == l.last && now.Sub(l.lastLogged) < errorLogInterval {
		l.suppressed++
		return
	}
	if l.suppressed > 0 {
		logf("%s (%d more like it)", l.last, l.suppressed)
		l.suppressed = 0
		if line == l.last {
			l.lastLogged = now
			return
		}
	}
	l.last, l.lastLogged = line, now
	logf("%s", line)
}
