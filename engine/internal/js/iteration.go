package js

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

// scenarioState is what a VU derives once from a scenario.
type scenarioState struct {
	scenario   *executor.Scenario
	fn         sobek.Callable
	env        sobek.Value // __ENV with the scenario's env over the run's
	tags       *metrics.TagSet
	iterations uint64
}

func (vu *VU) scenarioState(s *executor.Scenario) (*scenarioState, error) {
	if st, ok := vu.scenarios[s]; ok {
		return st, nil
	}
	name := s.Exec
	if name == "" {
		name = "default"
	}
	value, err := vu.export(name)
	if err != nil {
		return nil, exitcode.New(exitcode.ScriptException, "script error: reading the export %q: %s", name, describeException(err))
	}
	fn, ok := sobek.AssertFunction(value)
	if !ok {
		return nil, exitcode.Wrap(exitcode.InvalidConfig,
			fmt.Errorf("scenario %q runs %q, which the script does not export as a function", s.Name, name),
			"export that function from the script or change the scenario's exec")
	}
	st := &scenarioState{scenario: s, fn: fn, env: vu.env, tags: vu.cfg.Tags.Merge(s.Tags)}
	if len(s.Env) > 0 {
		env := make(map[string]string, len(vu.cfg.Env)+len(s.Env))
		for k, v := range vu.cfg.Env {
			env[k] = v
		}
		for k, v := range s.Env {
			env[k] = v
		}
		st.env = vu.envObject(env)
	}
	vu.scenarios[s] = st
	return st, nil
}

func (vu *VU) enter(st *scenarioState) {
	if vu.scenario != nil && vu.scenario.env == st.env {
		vu.scenario = st
	} else {
		vu.scenario = st
		_ = vu.rt.Set("__ENV", st.env)
	}
	vu.baseTags = st.tags
	// The script's own tags last while the VU runs one scenario, as k6 documents.
	vu.ownTags = nil
	vu.retag()
}

// RunIteration runs one iteration of its scenario (executor.VU). Script exceptions are logged,
// not returned; it returns ctx.Err() for an interrupted iteration and an *exitcode.Error with
// code ScriptAborted after exec.test.abort().
func (vu *VU) RunIteration(ctx context.Context, it *executor.Iteration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if it == nil || it.Scenario == nil {
		return errors.New("js: RunIteration needs an iteration with a scenario")
	}
	// Armed first: it also clears an interrupt left by the context of an earlier scenario.
	vu.watch(ctx)
	st, err := vu.scenarioState(it.Scenario)
	if err != nil {
		if ctx.Err() != nil {
			vu.unwatch()
			return ctx.Err()
		}
		return err
	}
	if vu.scenario != st {
		vu.enter(st)
	}
	vu.iteration = it
	vu.iterations++
	st.iterations++
	vu.ctx = ctx
	start := time.Now()
	_, err = vu.call(ctx, true, func() (sobek.Value, error) {
		if vu.setupData == nil {
			return st.fn(sobek.Undefined())
		}
		return st.fn(sobek.Undefined(), vu.setupData)
	})
	end := time.Now()
	vu.ctx = context.Background()
	vu.iteration = nil
	if vu.group != "" {
		vu.SetGroup("")
	}
	if err != nil {
		if errors.Is(err, errInterrupted) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return context.Canceled
		}
		var coded *exitcode.Error
		if errors.As(err, &coded) {
			return coded
		}
		vu.errorLog.log(vu.cfg.Logger, err.Error(), end)
	}
	vu.samples[0] = metrics.Sample{Metric: vu.cfg.Builtins.Iterations, Tags: vu.tags, Time: end, Value: 1}
	vu.samples[1] = metrics.Sample{Metric: vu.cfg.Builtins.IterationDuration, Tags: vu.tags, Time: end, Value: float64(end.Sub(start)) / float64(time.Millisecond)}
	vu.cfg.Collector.Collect(vu.samples[:]...)
	return nil
}
