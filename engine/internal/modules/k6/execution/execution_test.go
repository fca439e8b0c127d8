package execution_test

import (
	"context"
	"strings"
	"testing"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/js/jstest"
	_ "spate.local/engine/internal/modules/k6/execution"
)

func TestExecution(t *testing.T) {
	r := jstest.New(t, "main.ts", `
import exec from 'k6/execution'
import { vu, scenario } from 'k6/execution'
export default function () {
  console.log([exec.scenario.name, exec.scenario.executor, scenario.iterationInInstance, exec.scenario.iterationInTest, exec.scenario.progress,
    vu.idInInstance, vu.idInTest, exec.vu.iterationInInstance, exec.vu.iterationInScenario, typeof exec.scenario.startTime].join(' '))
}
export function tags () {
  exec.vu.metrics.tags.mytag = 'v1'
  exec.vu.tags.num = 2
  console.log(exec.vu.tags.scenario + ' ' + exec.vu.tags.mytag)
}
export function options () { console.log(exec.test.options.vus + ' ' + exec.instance.vusActive) }
export function failing () { exec.test.fail('bad data'); console.log('went on') }
export function aborting () { exec.test.abort('enough'); console.log('not reached') }
export function setup () { return exec.scenario.name }
`)
	r.Test.OptionsValue = map[string]any{"vus": 3}
	r.Test.StatsValue.VUsActive = 2
	vu := r.VU(t, 7)
	s := jstest.Scenario("load", "")
	for i := uint64(0); i < 2; i++ {
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: s, InInstance: 10 + i, InTest: 20 + i}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("scenario and vu show the running iteration", func(t *testing.T) {
		want := "INFO load shared-iterations 10 20 0.5 7 7 0 0 number\nINFO load shared-iterations 11 21 0.5 7 7 1 1 number"
		if got := r.Log.String(); got != want {
			t.Errorf("log\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("vu tags set by the script are on later samples", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("tagged", "tags"))
		if !strings.HasSuffix(r.Log.String(), "INFO tagged v1") {
			t.Errorf("log %q", r.Log.String())
		}
		its := r.Samples.Of("iterations")
		tags := its[len(its)-1].Tags.Map()
		if tags["mytag"] != "v1" || tags["num"] != "2" || tags["scenario"] != "tagged" {
			t.Errorf("tags %v", tags)
		}
	})
	t.Run("test options and instance stats come from the run", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("options", "options"))
		if !strings.HasSuffix(r.Log.String(), "INFO 3 2") {
			t.Errorf("log %q", r.Log.String())
		}
	})
	t.Run("test.fail marks the test failed and the iteration goes on", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("failing", "failing"))
		if len(r.Test.Failed) != 1 || r.Test.Failed[0] != "bad data" || !strings.HasSuffix(r.Log.String(), "INFO went on") {
			t.Errorf("failed %v, log %q", r.Test.Failed, r.Log.String())
		}
	})
	t.Run("test.abort ends the iteration with exit code 108", func(t *testing.T) {
		err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: jstest.Scenario("aborting", "aborting")})
		if exitcode.Of(err) != exitcode.ScriptAborted || !strings.Contains(err.Error(), "enough") || strings.Contains(r.Log.String(), "not reached") {
			t.Errorf("err %v, log %q", err, r.Log.String())
		}
		if len(r.Test.Aborted) != 1 {
			t.Errorf("Test.Abort called %d times", len(r.Test.Aborted))
		}
	})
	t.Run("scenario information outside an iteration is a clear error", func(t *testing.T) {
		_, err := r.VU(t, 0).Call(context.Background(), "setup")
		if exitcode.Of(err) != exitcode.ScriptException || !strings.Contains(err.Error(), "only available while an iteration runs") {
			t.Errorf("err %v", err)
		}
	})
}

func TestVUTagsLastForTheScenario(t *testing.T) {
	r := jstest.New(t, "main.js", `
import exec from 'k6/execution'
export function set () { exec.vu.tags.kind = 'x' }
export function read () { console.log(String(exec.vu.tags.kind)) }
`)
	vu := r.VU(t, 1)
	first := jstest.Scenario("first", "set")
	jstest.Iterate(t, vu, first)
	jstest.Iterate(t, vu, jstest.Scenario("first-read", "read"))
	t.Run("tags set by the script are gone in the VU's next scenario", func(t *testing.T) {
		if got := r.Log.String(); got != "INFO undefined" {
			t.Errorf("log %q", got)
		}
	})
	t.Run("tags set by the script stay on the scenario's later iterations", func(t *testing.T) {
		jstest.Iterate(t, vu, first)
		jstest.Iterate(t, vu, first)
		its := r.Samples.Of("iterations")
		if kind, _ := its[len(its)-1].Tags.Get("kind"); kind != "x" {
			t.Errorf("tags %v", its[len(its)-1].Tags.Map())
		}
	})
}
