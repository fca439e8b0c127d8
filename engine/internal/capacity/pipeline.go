package capacity

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Pipeline is one configuration of the pipeline under test and the shell command that starts
// it (e.g. one processor, or two in one consumer group), for the fewest-configuration search.
type Pipeline struct {
	Label   string
	Command string
}

// Started is a running pipeline; Stop ends it.
type Started struct {
	cmd  *exec.Cmd
	done chan error
}

// StartPipeline runs p.Command with sh in its own process group (so that Stop ends everything
// it started, by PID), its output in logPath, and waits until readyURL answers 200 (when
// given) or the pipeline exits, which is an error.
func StartPipeline(ctx context.Context, p Pipeline, env []string, logPath, readyURL string, readyTimeout time.Duration) (*Started, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %v", logPath, err)
	}
	cmd := exec.Command("sh", "-c", p.Command)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("cannot start pipeline %s: %v", p.Label, err)
	}
	s := &Started{cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); log.Close() }()
	if readyURL == "" {
		return s, nil
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case err := <-s.done:
			s.done <- err
			return nil, fmt.Errorf("pipeline %s exited before it was ready (%v); its output is in %s", p.Label, err, logPath)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := http.Get(readyURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("pipeline %s was not ready at %s within %s; its output is in %s", p.Label, readyURL, readyTimeout, logPath)
		}
	}
}

// Stop sends SIGTERM to the pipeline's process group and waits until every process of the
// group has exited (a processor finishing its batch and leaving its consumer group outlives
// the shell that started it), with SIGKILL after 30 s.
func (s *Started) Stop() {
	pgid := s.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for groupAlive(pgid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if groupAlive(pgid) {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	err := <-s.done
	s.done <- err
}

// groupAlive reports whether a process of the group still runs; the shell itself counts until
// it is reaped, so it is reaped first.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
