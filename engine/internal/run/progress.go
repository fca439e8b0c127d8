package run

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"spate.local/engine/internal/executor"
)

// progress redraws one status line on a terminal every second: the phase, or each scenario's
// elapsed time, VUs and iterations. Nothing is drawn with --quiet or when stderr is not a
// terminal (CI logs stay clean).
type progress struct {
	mu      sync.Mutex
	enabled bool
	cfg     Config
	sched   *executor.Scheduler
	current string
	done    chan struct{}
	once    sync.Once
	started time.Time
}

func startProgress(cfg Config, sched *executor.Scheduler) *progress {
	p := &progress{enabled: cfg.StderrTTY && !cfg.Quiet, cfg: cfg, sched: sched, done: make(chan struct{}), started: time.Now()}
	if p.enabled {
		go p.loop()
	}
	return p
}

func (p *progress) phase(name string) {
	p.mu.Lock()
	p.current = name
	p.mu.Unlock()
	p.draw()
}

func (p *progress) loop() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.draw()
		}
	}
}

func (p *progress) draw() {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := p.current
	if line == "" {
		var parts []string
		for _, s := range p.sched.Progress() {
			parts = append(parts, describe(s))
		}
		line = strings.Join(parts, " | ")
	}
	width := 160
	if len(line) > width {
		line = line[:width]
	}
	fmt.Fprintf(p.cfg.Stderr, "\r\033[K[%s] %s", time.Since(p.started).Truncate(time.Second), line)
}

func (p *progress) stop() {
	p.once.Do(func() {
		close(p.done)
		if p.enabled {
			p.mu.Lock()
			fmt.Fprint(p.cfg.Stderr, "\r\033[K")
			p.mu.Unlock()
		}
	})
}

// describe is one scenario's part of the progress line.
func describe(s executor.ScenarioProgress) string {
	state := "waiting"
	switch {
	case s.Done:
		state = "done"
	case s.Started:
		state = fmt.Sprintf("%3.0f%% %s/%s", s.Fraction*100, s.Elapsed.Truncate(time.Second), s.Planned.Truncate(time.Second))
	}
	text := fmt.Sprintf("%s %s, %d VUs, %d iterations", s.Name, state, s.ActiveVUs, s.Iterations)
	if s.Dropped > 0 {
		text += fmt.Sprintf(", %d dropped", s.Dropped)
	}
	return text
}
