package executor

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	cases := []struct {
		name string
		p    ScenarioProgress
		want string
	}{
		{"a scenario not started yet says it waits",
			ScenarioProgress{Name: "verify", Executor: "per-vu-iterations", Planned: time.Minute},
			"verify  [waiting] 0 VUs  0s/1m0s  0 complete, 0 interrupted"},
		{"a running arrival rate shows its share done and its drops",
			ScenarioProgress{Name: "load", Executor: "constant-arrival-rate", Started: true, Fraction: 0.456, ActiveVUs: 20, Elapsed: 27*time.Second + 345*time.Millisecond, Planned: time.Minute, Iterations: 1234, Dropped: 5},
			"load  [ 46%] 20 VUs  27.3s/1m0s  1234 complete, 0 interrupted, 5 dropped"},
		{"a finished scenario says done",
			ScenarioProgress{Name: "users", Executor: "ramping-vus", Started: true, Done: true, Fraction: 1, Elapsed: 10 * time.Second, Planned: 10 * time.Second, Iterations: 99, Interrupted: 1},
			"users  [done] 0 VUs  10s/10s  99 complete, 1 interrupted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.String(); got != c.want {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
