package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/js/jstest"
	_ "spate.local/engine/internal/modules/k6/core"
)

func TestCheck(t *testing.T) {
	r := jstest.New(t, "main.ts", `
import { check, group } from 'k6'
import { record } from './record.ts'
export default function () {
  record(check(200, { 'is 200': (s) => s === 200, 'is 404': (s) => s === 404, 'truthy value': 1 }))
  group('outer', () => {
    group('inner', () => { record(check(1, { 'nested': () => true }, { kind: 'extra' })) })
  })
  record(check(0, { 'after the groups': () => true }))
}
`, "record.ts", "export const seen: unknown[] = []\nexport function record (v: unknown) { seen.push(v); console.log(String(v)) }\n")
	jstest.Iterate(t, r.VU(t, 1), jstest.Scenario("default", ""))
	checks := r.Samples.Of("checks")
	tests := []struct {
		name  string
		check string
		value float64
		group string
		extra string
	}{
		{"a passing function condition pushes 1 tagged with its name and the root group", "is 200", 1, "", ""},
		{"a failing condition pushes 0", "is 404", 0, "", ""},
		{"a non-function condition counts by truthiness", "truthy value", 1, "", ""},
		{"a check in nested groups is tagged with the group path and its own tags", "nested", 1, "::outer::inner", "extra"},
		{"the group tag is back to the root after the groups", "after the groups", 1, "", ""},
	}
	if len(checks) != len(tests) {
		t.Fatalf("%d checks samples, want %d", len(checks), len(tests))
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := checks[i]
			tags := s.Tags.Map()
			if tags["check"] != tc.check || s.Value != tc.value || tags["group"] != tc.group || tags["kind"] != tc.extra || tags["testid"] != "jstest" || tags["scenario"] != "default" {
				t.Errorf("sample %v = %v, want check=%s value=%v group=%q kind=%q", tags, s.Value, tc.check, tc.value, tc.group, tc.extra)
			}
		})
	}
	t.Run("check returns whether every condition passed", func(t *testing.T) {
		if got := r.Log.String(); got != "INFO false\nINFO true\nINFO true" {
			t.Errorf("check results logged %q", got)
		}
	})
}

func TestGroup(t *testing.T) {
	r := jstest.New(t, "main.js", `
import { group, sleep } from 'k6'
export default function () {
  const v = group('a', () => { group('b', () => sleep(0.01)); return 42 })
  if (v !== 42) throw new Error('group returned ' + v)
}
export function bad () { group('x::y', () => {}) }
`)
	vu := r.VU(t, 1)
	jstest.Iterate(t, vu, jstest.Scenario("default", ""))
	durations := r.Samples.Of("group_duration")
	t.Run("each group emits group_duration with its path, inner first", func(t *testing.T) {
		if len(durations) != 2 {
			t.Fatalf("%d group_duration samples, want 2", len(durations))
		}
		inner, _ := durations[0].Tags.Get("group")
		outer, _ := durations[1].Tags.Get("group")
		if inner != "::a::b" || outer != "::a" || durations[0].Value < 10 || durations[1].Value < durations[0].Value {
			t.Errorf("groups %q %v ms, %q %v ms", inner, durations[0].Value, outer, durations[1].Value)
		}
	})
	t.Run("iteration samples after a group carry no group tag", func(t *testing.T) {
		its := r.Samples.Of("iterations")
		if _, ok := its[len(its)-1].Tags.Get("group"); ok {
			t.Errorf("iteration tags %v", its[len(its)-1].Tags.Map())
		}
	})
	t.Run("a group name with :: is an error", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("bad", "bad"))
		if !strings.Contains(r.Log.String(), `group name "x::y" is invalid`) {
			t.Errorf("log %q", r.Log.String())
		}
	})
}

func TestSleepAndFail(t *testing.T) {
	r := jstest.New(t, "main.js", `
import { sleep, fail } from 'k6'
export function long () { sleep(30) }
export function short () { sleep(0.05) }
export function failing () { fail('status was not 200') }
`)
	vu := r.VU(t, 1)
	t.Run("sleep waits the given seconds", func(t *testing.T) {
		start := time.Now()
		jstest.Iterate(t, vu, jstest.Scenario("short", "short"))
		if d := time.Since(start); d < 50*time.Millisecond || d > time.Second {
			t.Errorf("slept %v", d)
		}
	})
	t.Run("sleep ends when the iteration is interrupted", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := vu.RunIteration(ctx, &executor.Iteration{Scenario: jstest.Scenario("long", "long")})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
			t.Errorf("RunIteration = %v after %v", err, time.Since(start))
		}
	})
	t.Run("fail throws its message and ends only the iteration", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("failing", "failing"))
		if !strings.Contains(r.Log.String(), "status was not 200") || !strings.Contains(r.Log.String(), "main.js:5:") {
			t.Errorf("log %q", r.Log.String())
		}
	})
}

func TestAbortAndExceptionsThroughCallbacks(t *testing.T) {
	r := jstest.New(t, "main.js", `
import { check, group } from 'k6'
import exec from 'k6/execution'
export function abortInCheck () { check(1, { 'aborts': () => exec.test.abort('from a check') }) }
export function abortInGroup () { group('g', () => exec.test.abort('from a group')) }
export function throwInGroup () { group('g', () => { throw new Error('inside') }) }
export function throwInCheck () { check(1, { 'before': true, 'throws': () => { throw new Error('in condition') } }) }
`)
	vu := r.VU(t, 1)
	for _, exec := range []string{"abortInCheck", "abortInGroup"} {
		t.Run("exec.test.abort inside "+exec[len("abortIn"):]+" aborts the iteration with 108", func(t *testing.T) {
			err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: jstest.Scenario(exec, exec)})
			if exitcode.Of(err) != exitcode.ScriptAborted {
				t.Errorf("err %v", err)
			}
		})
	}
	t.Run("an exception inside a group ends the iteration and leaves the group", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("throwInGroup", "throwInGroup"))
		if !strings.Contains(r.Log.String(), "Error: inside") {
			t.Errorf("log %q", r.Log.String())
		}
		its := r.Samples.Of("iterations")
		if g, ok := its[len(its)-1].Tags.Get("group"); ok {
			t.Errorf("iteration tagged group=%q", g)
		}
	})
	t.Run("an exception in a check condition propagates", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("throwInCheck", "throwInCheck"))
		if !strings.Contains(r.Log.String(), "Error: in condition") {
			t.Errorf("log %q", r.Log.String())
		}
		checks := r.Samples.Of("checks")
		if len(checks) == 0 || checks[len(checks)-1].Tags.Map()["check"] != "before" {
			t.Errorf("the condition before the exception was not counted: %v", checks)
		}
	})
}
