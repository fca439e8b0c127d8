package js

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

// lines is a modules.Logger that keeps what it is given.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) Infof(f string, a ...any) { l.add("INFO " + fmt.Sprintf(f, a...)) }
func (l *lines) Warnf(f string, a ...any) { l.add("WARN " + fmt.Sprintf(f, a...)) }
func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, s)
}
func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

// samples is an in-memory metrics.Collector.
type samples struct {
	mu  sync.Mutex
	all []metrics.Sample
}

func (s *samples) Collect(in ...metrics.Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, in...)
}

func (s *samples) of(name string) []metrics.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []metrics.Sample
	for _, x := range s.all {
		if x.Metric.Name == name {
			out = append(out, x)
		}
	}
	return out
}

// The test module: record(v) keeps values per VU, later(ms, v) resolves a promise from another
// goroutine through Callback, abort(reason) ends the test.
var (
	recordedMu sync.Mutex
	recorded   = map[string][]string{}
)

func record(key, value string) {
	recordedMu.Lock()
	defer recordedMu.Unlock()
	recorded[key] = append(recorded[key], value)
}

func recordedOf(key string) []string {
	recordedMu.Lock()
	defer recordedMu.Unlock()
	return append([]string(nil), recorded[key]...)
}

func init() {
	modules.Register("k6/x/jstest", modules.ModuleFunc(func(vu modules.VU) (modules.Exports, error) {
		rt := vu.Runtime()
		return modules.Exports{Named: map[string]any{
			"record": func(key string, v sobek.Value) { record(key, v.String()) },
			"later": func(ms int, v sobek.Value) *sobek.Promise {
				p, resolve, _ := rt.NewPromise()
				done := vu.Callback()
				go func() {
					time.Sleep(time.Duration(ms) * time.Millisecond)
					done(func() error { return resolve(v) })
				}()
				return p
			},
			"abort": func(reason string) { vu.(State).AbortTest(reason) },
			"abortFromLoop": func(reason string) {
				done := vu.Callback()
				go done(func() error { vu.(State).AbortTest(reason); return nil })
			},
			"inInit": func() bool { return vu.InInit() },
		}}, nil
	}))
}

type fakeTest struct {
	mu      sync.Mutex
	aborted []string
	failed  []string
}

func (f *fakeTest) Abort(r string)       { f.mu.Lock(); f.aborted = append(f.aborted, r); f.mu.Unlock() }
func (f *fakeTest) Fail(r string)        { f.mu.Lock(); f.failed = append(f.failed, r); f.mu.Unlock() }
func (f *fakeTest) Options() any         { return map[string]any{"vus": 1} }
func (f *fakeTest) Stats() InstanceStats { return InstanceStats{VUsActive: 1} }

type rig struct {
	cfg  *Config
	log  *lines
	out  *samples
	test *fakeTest
}

func newRig(t *testing.T, files ...string) *rig {
	t.Helper()
	p, err := Compile(writeScript(t, files...))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{log: &lines{}, out: &samples{}, test: &fakeTest{}}
	reg := metrics.NewRegistry()
	r.cfg = &Config{Program: p, Env: map[string]string{"NAME": "run"}, Registry: reg, Builtins: metrics.RegisterBuiltins(reg),
		Collector: r.out, Tags: metrics.NewTagSet(map[string]string{"testid": "t1"}), Logger: r.log, Test: r.test}
	return r
}

func (r *rig) vu(t *testing.T, id uint64) *VU {
	t.Helper()
	vu, err := NewVU(context.Background(), r.cfg, id, id)
	if err != nil {
		t.Fatal(err)
	}
	return vu
}

func scenario(name, exec string) *executor.Scenario {
	return &executor.Scenario{Name: name, Executor: "shared-iterations", Exec: exec,
		Tags: metrics.NewTagSet(map[string]string{"scenario": name}), StartTime: time.Now(), Progress: func() float64 { return 0 }}
}

func TestLifecycle(t *testing.T) {
	key := fmt.Sprintf("lifecycle-%d", time.Now().UnixNano())
	r := newRig(t, "main.ts", `
import { record } from 'k6/x/jstest'
record('`+key+`-init', __VU)
export const options = { vus: 2, thresholds: { checks: ['rate>0.9'] } }
interface Data { n: number }
export function setup (): Data { return { n: 0 } }
export default function (data: Data) { data.n++; record('`+key+`-' + __VU, data.n + ':' + __ITER + ':' + __ENV.NAME) }
export function teardown (data: Data) { return data.n }
`)
	setupVU := r.vu(t, 0)
	t.Run("options are the JSON of the exported options", func(t *testing.T) {
		got, err := setupVU.Options()
		if err != nil || string(got) != `{"vus":2,"thresholds":{"checks":["rate>0.9"]}}` {
			t.Fatalf("Options() = %s, %v", got, err)
		}
	})
	t.Run("exports list every exported name", func(t *testing.T) {
		got := strings.Join(setupVU.Exports(), ",")
		for _, want := range []string{"options", "setup", "default", "teardown"} {
			if !strings.Contains(got, want) {
				t.Errorf("Exports() = %s, missing %s", got, want)
			}
		}
	})
	data, err := setupVU.Call(context.Background(), "setup")
	if err != nil || string(data) != `{"n":0}` {
		t.Fatalf("setup returned %s, %v", data, err)
	}
	vu1, vu2 := r.vu(t, 1), r.vu(t, 2)
	t.Run("init code runs once per VU with __VU set", func(t *testing.T) {
		if got := strings.Join(recordedOf(key+"-init"), ","); got != "0,1,2" {
			t.Errorf("init ran for VUs %s, want 0,1,2", got)
		}
	})
	s := scenario("default", "")
	for _, vu := range []*VU{vu1, vu2} {
		if err := vu.SetSetupData(data); err != nil {
			t.Fatal(err)
		}
	}
	for _, vu := range []*VU{vu1, vu1, vu2} {
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: s}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("each VU keeps its own copy of the setup data across its iterations", func(t *testing.T) {
		if got := strings.Join(recordedOf(key+"-1"), ","); got != "1:0:run,2:1:run" {
			t.Errorf("VU 1 saw %s", got)
		}
		if got := strings.Join(recordedOf(key+"-2"), ","); got != "1:0:run" {
			t.Errorf("VU 2 saw %s", got)
		}
	})
	t.Run("teardown gets the original setup data", func(t *testing.T) {
		got, err := setupVU.Call(context.Background(), "teardown", data)
		if err != nil || string(got) != "0" {
			t.Errorf("teardown returned %s, %v", got, err)
		}
	})
	t.Run("every iteration emits iterations and iteration_duration with the run's and scenario's tags", func(t *testing.T) {
		its, durations := r.out.of("iterations"), r.out.of("iteration_duration")
		if len(its) != 3 || len(durations) != 3 {
			t.Fatalf("%d iterations and %d durations, want 3 each", len(its), len(durations))
		}
		if got := its[0].Tags.Map(); got["testid"] != "t1" || got["scenario"] != "default" {
			t.Errorf("tags %v", got)
		}
	})
}

func TestOptionsWithoutExport(t *testing.T) {
	r := newRig(t, "main.js", "export default function () {}\n")
	t.Run("a script without options has {} as options", func(t *testing.T) {
		got, err := r.vu(t, 0).Options()
		if err != nil || string(got) != "{}" {
			t.Errorf("Options() = %s, %v", got, err)
		}
	})
}

func TestAsyncIterations(t *testing.T) {
	key := fmt.Sprintf("async-%d", time.Now().UnixNano())
	r := newRig(t, "main.ts", `
import { later, record } from 'k6/x/jstest'
export async function callback () {
  const v = await later(20, 'resolved')
  record('`+key+`', v)
}
export function timeout () {
  setTimeout((a: string) => record('`+key+`', 'timer ' + a), 20, 'fired')
  const id = setTimeout(() => record('`+key+`', 'cleared timer'), 10)
  clearTimeout(id)
}
export function interval () {
  let n = 0
  const id = setInterval(() => { n++; record('`+key+`', 'tick ' + n); if (n === 3) clearInterval(id) }, 5)
}
export async function rejects () { await later(1, 0); throw new Error('late failure') }
export function forgotten () { (async () => { await later(1, 0); throw new Error('nobody awaited') })() }
`)
	vu := r.vu(t, 1)
	tests := []struct {
		name, exec, want string
	}{
		{"an async function's promise resolved from a Callback goroutine is awaited", "callback", "resolved"},
		{"a setTimeout fires before the iteration ends and a cleared one never does", "timeout", "timer fired"},
		{"a setInterval runs until it is cleared", "interval", "tick 1,tick 2,tick 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recordedMu.Lock()
			delete(recorded, key)
			recordedMu.Unlock()
			if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario(tc.exec, tc.exec)}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(recordedOf(key), ","); got != tc.want {
				t.Errorf("recorded %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("a rejected promise is logged with its location and the iteration still counts", func(t *testing.T) {
		before := len(r.out.of("iterations"))
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("rejects", "rejects")}); err != nil {
			t.Fatal(err)
		}
		if log := r.log.String(); !strings.Contains(log, "Error: late failure") || !strings.Contains(log, "main.ts:16:") {
			t.Errorf("log %q", log)
		}
		if got := len(r.out.of("iterations")); got != before+1 {
			t.Errorf("%d iterations, want %d", got, before+1)
		}
	})
	t.Run("a rejection nobody handles is logged as uncaught", func(t *testing.T) {
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("forgotten", "forgotten")}); err != nil {
			t.Fatal(err)
		}
		if log := r.log.String(); !strings.Contains(log, "Uncaught (in promise) ") || !strings.Contains(log, "main.ts:17:") || !strings.Contains(log, "Error: nobody awaited") {
			t.Errorf("log %q", log)
		}
	})
}

func TestInterrupt(t *testing.T) {
	key := fmt.Sprintf("interrupt-%d", time.Now().UnixNano())
	r := newRig(t, "main.ts", `
import { record } from 'k6/x/jstest'
export function spin () { for (;;) {} }
export function wait () { setTimeout(() => record('`+key+`', 'late'), 10_000) }
export default function () { record('`+key+`', 'ran') }
`)
	vu := r.vu(t, 1)
	for _, exec := range []string{"spin", "wait"} {
		t.Run("a cancelled context interrupts "+exec+" and the iteration returns ctx.Err()", func(t *testing.T) {
			before := len(r.out.of("iterations"))
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := vu.RunIteration(ctx, &executor.Iteration{Scenario: scenario(exec, exec)})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("RunIteration = %v, want context.DeadlineExceeded", err)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if len(r.out.of("iterations")) != before {
				t.Error("an interrupted iteration was counted")
			}
		})
	}
	t.Run("the VU runs the next iteration normally after an interrupt", func(t *testing.T) {
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("default", "")}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(recordedOf(key), ","); got != "ran" {
			t.Errorf("recorded %q, want only 'ran' (no timer of the interrupted iteration)", got)
		}
	})
}

func TestAbortAndExceptions(t *testing.T) {
	tests := []struct {
		name   string
		source string
		call   string // "init", "setup" or an exec name
		code   int
		want   []string
	}{
		{"an exception in init code is exit code 107 with the TypeScript file and line",
			"const x: number = 1\n\nthrow new Error('bad init ' + x)\nexport default function () {}\n", "init", exitcode.ScriptException, []string{"script error: ", "main.ts:3:", "Error: bad init 1"}},
		{"an abort in init code is exit code 108 with the reason",
			"import { abort } from 'k6/x/jstest'\nabort('no config')\nexport default function () {}\n", "init", exitcode.ScriptAborted, []string{"test aborted: no config"}},
		{"an unknown module names its path and the known ones",
			"import nope from 'k6/x/nope'\nexport default function () { nope() }\n", "init", exitcode.ScriptException, []string{`main.ts:1:18: Error: unknown module "k6/x/nope"`, "k6/x/jstest"}},
		{"an abort in an iteration is exit code 108 even inside try/catch",
			"import { abort } from 'k6/x/jstest'\nexport default function () { try { abort('stop now') } catch (e) { } }\n", "default", exitcode.ScriptAborted, []string{"test aborted: stop now"}},
		{"an abort after an await is exit code 108",
			"import { abort, later } from 'k6/x/jstest'\nexport default async function () { await later(1, 1); abort('async stop') }\n", "default", exitcode.ScriptAborted, []string{"test aborted: async stop"}},
		{"an abort from a module's callback on the event loop is exit code 108",
			"import { abortFromLoop } from 'k6/x/jstest'\nexport default function () { abortFromLoop('module stop') }\n", "default", exitcode.ScriptAborted, []string{"test aborted: module stop"}},
		{"an exception in setup is exit code 107 with its location",
			"export function setup () {\n  null.x\n}\nexport default function () {}\n", "setup", exitcode.ScriptException, []string{"setup()", "main.ts:2:"}},
		{"an abort in setup is exit code 108",
			"import { abort } from 'k6/x/jstest'\nexport function setup () { abort('setup says no') }\nexport default function () {}\n", "setup", exitcode.ScriptAborted, []string{"test aborted: setup says no"}},
		{"a scenario whose exec function is not exported is a clear error",
			"export default function () {}\n", "missing", exitcode.InvalidConfig, []string{`scenario "missing" runs "missing"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, "main.ts", tc.source)
			vu, err := NewVU(context.Background(), r.cfg, 1, 1)
			switch {
			case tc.call == "init":
			case err != nil:
				t.Fatal(err)
			case tc.call == "setup":
				_, err = vu.Call(context.Background(), "setup")
			default:
				err = vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario(tc.call, tc.call)})
			}
			if got := exitcode.Of(err); got != tc.code {
				t.Fatalf("exit code %d (%v), want %d", got, err, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if tc.code == exitcode.ScriptAborted && len(r.test.aborted) != 1 {
				t.Errorf("Test.Abort called %d times, want 1", len(r.test.aborted))
			}
		})
	}
}

func TestVUAfterAbort(t *testing.T) {
	r := newRig(t, "main.ts", "import { abortFromLoop } from 'k6/x/jstest'\nexport function stop () { abortFromLoop('x') }\nexport function teardown () { return 1 }\n")
	vu := r.vu(t, 1)
	err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("stop", "stop")})
	t.Run("an abort that fired outside the script leaves no interrupt behind", func(t *testing.T) {
		if exitcode.Of(err) != exitcode.ScriptAborted {
			t.Fatalf("err %v", err)
		}
		if out, err := vu.Call(context.Background(), "teardown"); err != nil || string(out) != "1" {
			t.Errorf("teardown after the abort: %s, %v", out, err)
		}
	})
}

func TestIterationException(t *testing.T) {
	r := newRig(t, "main.ts", "export default function () {\n  throw new Error('boom')\n}\n")
	vu := r.vu(t, 1)
	for i := 0; i < 5; i++ {
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("default", "")}); err != nil {
			t.Fatalf("an exception was returned: %v", err)
		}
	}
	t.Run("an exception is logged once with its location while it repeats", func(t *testing.T) {
		log := r.log.String()
		if strings.Count(log, "main.ts:2:") != 1 || !strings.Contains(log, "Error: boom") {
			t.Errorf("log %q", log)
		}
	})
	t.Run("iterations that threw still count", func(t *testing.T) {
		if got := len(r.out.of("iterations")); got != 5 {
			t.Errorf("%d iterations, want 5", got)
		}
	})
}

func TestScenarioEnvAndOpen(t *testing.T) {
	key := fmt.Sprintf("env-%d", time.Now().UnixNano())
	r := newRig(t, "main.ts", `
import { record } from 'k6/x/jstest'
import { nested } from './lib/reader.ts'
const text = open('./data/hello.txt')
export default function () { record('`+key+`', __ENV.NAME + ' ' + __ENV.EXTRA + ' ' + text.trim()) }
export function late () { open('./data/hello.txt') }
export function fromLib () { record('`+key+`-lib', nested.trim()) }
`, "data/hello.txt", "hello\n", "lib/reader.ts", "export const nested = open('./near.txt')\n", "lib/near.txt", "next to the module\n")
	vu := r.vu(t, 1)
	s := scenario("withenv", "")
	s.Env = map[string]string{"EXTRA": "scenario"}
	if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: s}); err != nil {
		t.Fatal(err)
	}
	if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("plain", "")}); err != nil {
		t.Fatal(err)
	}
	t.Run("a scenario's env is seen over the run's __ENV only in that scenario", func(t *testing.T) {
		if got := strings.Join(recordedOf(key), ","); got != "run scenario hello,run undefined hello" {
			t.Errorf("recorded %q", got)
		}
	})
	t.Run("open() in an imported module reads relative to that module", func(t *testing.T) {
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("fromLib", "fromLib")}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(recordedOf(key+"-lib"), ","); got != "next to the module" {
			t.Errorf("recorded %q", got)
		}
	})
	t.Run("open() outside init code is an error that says so", func(t *testing.T) {
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("late", "late")}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.log.String(), "open() works only in init code") {
			t.Errorf("log %q", r.log.String())
		}
	})
}

func TestConsole(t *testing.T) {
	r := newRig(t, "main.js", "console.log('a', 1, { b: [2] })\nconsole.warn('two\\nlines')\nconsole.error(new Error('e'))\nexport default function () {}\n")
	r.vu(t, 1)
	want := "INFO a 1 {\"b\":[2]}\nWARN two\\nlines\nWARN Error: e"
	t.Run("console writes one line per call at its level", func(t *testing.T) {
		if got := r.log.String(); got != want {
			t.Errorf("log\n%s\nwant\n%s", got, want)
		}
	})
}

func BenchmarkEmptyIteration(b *testing.B) {
	p, err := Compile(writeScriptB(b, "main.js", "export default function () {}\n"))
	if err != nil {
		b.Fatal(err)
	}
	reg := metrics.NewRegistry()
	cfg := &Config{Program: p, Registry: reg, Builtins: metrics.RegisterBuiltins(reg), Collector: metrics.CollectorFunc(func(...metrics.Sample) {})}
	vu, err := NewVU(context.Background(), cfg, 1, 1)
	if err != nil {
		b.Fatal(err)
	}
	it := &executor.Iteration{Scenario: scenario("default", "")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := vu.RunIteration(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
}

func TestErrorLocationIsRelativeToTheWorkingDirectory(t *testing.T) {
	p, err := Compile("testdata/throws.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewVU(context.Background(), &Config{Program: p}, 1, 1)
	t.Run("an init error names the script as the user does, with line and column", func(t *testing.T) {
		want := "script error: testdata/throws.ts:3:7: RangeError: limit 3 is too low"
		if err == nil || err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
}

func TestNewVUFunc(t *testing.T) {
	r := newRig(t, "main.js", "export default function () {}\n")
	vu, err := r.cfg.NewVUFunc()(context.Background(), 3, 13)
	t.Run("the executors' constructor gives initialized VUs with their ids", func(t *testing.T) {
		if err != nil || vu.IDInInstance() != 3 || vu.IDInTest() != 13 {
			t.Fatalf("vu %v, err %v", vu, err)
		}
		if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: scenario("default", "")}); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkEmptyIterationUncancellable(b *testing.B) {
	p, err := Compile(writeScriptB(b, "main.js", "export default function () {}\n"))
	if err != nil {
		b.Fatal(err)
	}
	reg := metrics.NewRegistry()
	cfg := &Config{Program: p, Registry: reg, Builtins: metrics.RegisterBuiltins(reg), Collector: metrics.CollectorFunc(func(...metrics.Sample) {})}
	vu, err := NewVU(context.Background(), cfg, 1, 1)
	if err != nil {
		b.Fatal(err)
	}
	it := &executor.Iteration{Scenario: scenario("default", "")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := vu.RunIteration(context.Background(), it); err != nil {
			b.Fatal(err)
		}
	}
}

func TestContextEndingBetweenCalls(t *testing.T) {
	r := newRig(t, "main.ts", "export default function () {}\nexport function other () {}\nexport function teardown (d: { n: number }) { return d.n }\n")
	vu := r.vu(t, 1)
	first, cancel := context.WithCancel(context.Background())
	if err := vu.RunIteration(first, &executor.Iteration{Scenario: scenario("default", "")}); err != nil {
		t.Fatal(err)
	}
	cancel() // the scenario ends while the VU is idle
	time.Sleep(10 * time.Millisecond)
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"an iteration on the ended context does not start", func() error {
			return vu.RunIteration(first, &executor.Iteration{Scenario: scenario("default", "")})
		}, context.Canceled},
		{"setup data can still be given", func() error { return vu.SetSetupData([]byte(`{"n":4}`)) }, nil},
		{"teardown still runs", func() error {
			out, err := vu.Call(context.Background(), "teardown", []byte(`{"n":4}`))
			if err == nil && string(out) != "4" {
				return fmt.Errorf("teardown returned %s", out)
			}
			return err
		}, nil},
		{"the next scenario's iterations run", func() error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			return vu.RunIteration(ctx, &executor.Iteration{Scenario: scenario("other", "other")})
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, tc.want) && err != tc.want {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestInitInterrupted(t *testing.T) {
	r := newRig(t, "main.js", "for (;;) {}\nexport default function () {}\n")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := NewVU(ctx, r.cfg, 1, 1)
	t.Run("init code that never ends stops with its context", func(t *testing.T) {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("NewVU = %v, want context.DeadlineExceeded", err)
		}
	})
}

// An iteration that awaits one reply from another goroutine (a Redis call, say).
func BenchmarkAsyncIteration(b *testing.B) {
	p, err := Compile(writeScriptB(b, "main.js", "import { later } from 'k6/x/jstest'\nexport default async function () { await later(0, 1) }\n"))
	if err != nil {
		b.Fatal(err)
	}
	reg := metrics.NewRegistry()
	cfg := &Config{Program: p, Registry: reg, Builtins: metrics.RegisterBuiltins(reg), Collector: metrics.CollectorFunc(func(...metrics.Sample) {})}
	vu, err := NewVU(context.Background(), cfg, 1, 1)
	if err != nil {
		b.Fatal(err)
	}
	it := &executor.Iteration{Scenario: scenario("default", "")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := vu.RunIteration(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
}
