package js_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/js"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
	_ "spate.local/engine/internal/modules/k6"
)

// Stand-ins for k6/x/kafka, k6/x/redis and k6/x/spate (built elsewhere), with the API the
// scripts use: enough to run the real scripts' init code, setup and iterations in the real
// runtime. The real modules are tested against the real broker and Redis in their packages.
var fakes struct {
	sync.Mutex
	topics    []string
	produced  []string         // values of produce({messages}), in order
	generated []map[string]any // produce({generate}) requests
	ledger    map[string]int64 // k6/x/spate Ledger.add counts by key
	hincrby   map[string]int64 // k6/x/redis
}

func init() {
	modules.Register("k6/x/kafka", modules.ModuleFunc(func(vu modules.VU) (modules.Exports, error) {
		rt := vu.Runtime()
		producer := func(call sobek.ConstructorCall) *sobek.Object {
			_ = call.This.Set("produce", func(req map[string]any) {
				fakes.Lock()
				defer fakes.Unlock()
				if g, ok := req["generate"].(map[string]any); ok {
					fakes.generated = append(fakes.generated, g)
					return
				}
				for _, m := range req["messages"].([]any) {
					fakes.produced = append(fakes.produced, m.(map[string]any)["value"].(string))
				}
			})
			_ = call.This.Set("close", func() {})
			return nil
		}
		admin := func(call sobek.ConstructorCall) *sobek.Object {
			_ = call.This.Set("createTopic", func(cfg map[string]any) bool {
				fakes.Lock()
				defer fakes.Unlock()
				fakes.topics = append(fakes.topics, cfg["topic"].(string))
				return true
			})
			_ = call.This.Set("close", func() {})
			_ = call.This.Set("topicOffsets", func(string, string) map[string]any { return map[string]any{"lag": 0, "end": 0} })
			return nil
		}
		return modules.Exports{Named: map[string]any{"Producer": rt.ToValue(producer), "AdminClient": rt.ToValue(admin)}}, nil
	}))
	modules.Register("k6/x/redis", modules.ModuleFunc(func(vu modules.VU) (modules.Exports, error) {
		rt := vu.Runtime()
		// Replies arrive from another goroutine, as a real client's do.
		later := func(v any) *sobek.Promise {
			p, resolve, _ := rt.NewPromise()
			done := vu.Callback()
			go func() {
				time.Sleep(time.Millisecond)
				done(func() error { return resolve(v) })
			}()
			return p
		}
		client := func(call sobek.ConstructorCall) *sobek.Object {
			_ = call.This.Set("hincrby", func(key, field string, n int64) *sobek.Promise {
				fakes.Lock()
				fakes.hincrby[key+" "+field] += n
				v := fakes.hincrby[key+" "+field]
				fakes.Unlock()
				return later(v)
			})
			_ = call.This.Set("hgetall", func(string) *sobek.Promise { return later(map[string]any{}) })
			_ = call.This.Set("sendCommand", func(...any) *sobek.Promise { return later([]any{"0", []any{}}) })
			return nil
		}
		return modules.Exports{Named: map[string]any{"Client": rt.ToValue(client)}}, nil
	}))
	modules.Register("k6/x/spate", modules.ModuleFunc(func(vu modules.VU) (modules.Exports, error) {
		rt := vu.Runtime()
		ledger := func(call sobek.ConstructorCall) *sobek.Object {
			opts := call.Argument(0).Export().(map[string]any)
			key := opts["prefix"].(string) + ":produced:" + opts["runId"].(string)
			_ = call.This.Set("add", func(first, n int64) {
				fakes.Lock()
				fakes.ledger[key] += n
				fakes.Unlock()
			})
			return nil
		}
		return modules.Exports{Named: map[string]any{"Ledger": rt.ToValue(ledger)}}, nil
	}))
}

func TestRepositoryScriptEdges(t *testing.T) {
	program, err := js.Compile("../../../scripts/smoke.ts")
	if err != nil {
		t.Fatal(err)
	}
	newVU := func(t *testing.T, env map[string]string) *js.VU {
		registry := metrics.NewRegistry()
		cfg := &js.Config{Program: program, Env: env, Registry: registry, Builtins: metrics.RegisterBuiltins(registry), Logger: nopLogger{}}
		vu, err := js.NewVU(context.Background(), cfg, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return vu
	}
	t.Run("a bad variable makes setup abort the test with exit code 108 and the variable's name", func(t *testing.T) {
		_, err := newVU(t, map[string]string{"SPATE_RATE": "fast"}).Call(context.Background(), "setup")
		if exitcode.Of(err) != exitcode.ScriptAborted || !strings.Contains(err.Error(), `SPATE_RATE="fast" is invalid`) {
			t.Errorf("setup error %v", err)
		}
	})
	t.Run("handleSummary gets the summary data and returns the reports", func(t *testing.T) {
		dir := t.TempDir()
		summary := `{"metrics":{"checks":{"type":"rate","contains":"default","values":{"rate":1,"passes":3,"fails":0},"thresholds":{"rate>0.9":{"ok":true}}}},"state":{"testRunDurationMs":1500}}`
		out, err := newVU(t, map[string]string{"SPATE_REPORT_DIR": dir}).Call(context.Background(), "handleSummary", []byte(summary))
		if err != nil {
			t.Fatal(err)
		}
		var reports map[string]string
		if err := json.Unmarshal(out, &reports); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(reports["stdout"], "checks") || !strings.Contains(reports[dir+"/k6-junit.xml"], `tests="1" failures="0" time="1.500"`) {
			t.Errorf("reports %v", reports)
		}
	})
}

type nopLogger struct{}

func (nopLogger) Infof(string, ...any) {}
func (nopLogger) Warnf(string, ...any) {}

func TestRepositoryScripts(t *testing.T) {
	scripts, _ := filepath.Glob("../../../scripts/*.ts")
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".ts")
		t.Run(name+" reads its options, sets up and produces one batch per iteration", func(t *testing.T) {
			fakes.Lock()
			fakes.topics, fakes.produced, fakes.generated, fakes.ledger, fakes.hincrby = nil, nil, nil, map[string]int64{}, map[string]int64{}
			fakes.Unlock()
			program, err := js.Compile(script)
			if err != nil {
				t.Fatal(err)
			}
			registry := metrics.NewRegistry()
			cfg := &js.Config{Program: program, Env: map[string]string{"SPATE_RUN_ID": "run-test"}, Registry: registry,
				Builtins: metrics.RegisterBuiltins(registry), Logger: nopLogger{}, Tags: metrics.NewTagSet(nil)}
			first, err := js.NewVU(context.Background(), cfg, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := first.Options()
			if err != nil {
				t.Fatal(err)
			}
			var options struct {
				Scenarios  map[string]map[string]any
				Thresholds map[string][]any
			}
			if err := json.Unmarshal(raw, &options); err != nil {
				t.Fatal(err)
			}
			if options.Scenarios["load"]["executor"] == nil || options.Scenarios["verify"]["exec"] != "verify" || len(options.Thresholds["dropped_iterations"]) != 1 {
				t.Errorf("options %s", raw)
			}
			data, err := first.Call(context.Background(), "setup")
			if err != nil || string(data) != `{"runId":"run-test"}` {
				t.Fatalf("setup returned %s, %v", data, err)
			}
			vu, err := js.NewVU(context.Background(), cfg, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := vu.SetSetupData(data); err != nil {
				t.Fatal(err)
			}
			s := &executor.Scenario{Name: "load", Executor: "constant-arrival-rate", Exec: "default", Tags: metrics.NewTagSet(map[string]string{"scenario": "load"})}
			if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: s, InTest: 5}); err != nil {
				t.Fatal(err)
			}
			fakes.Lock()
			defer fakes.Unlock()
			if len(fakes.generated) != 1 {
				t.Fatalf("produce({generate}) was called %d times, want once", len(fakes.generated))
			}
			g := fakes.generated[0]
			if g["runId"] != "run-test" || g["firstSeq"] != int64(50) || g["count"] != int64(10) || g["schema"] != "basic" {
				t.Errorf("generate request %v, want run-test, firstSeq 50, count 10, basic", g)
			}
			if fakes.ledger["spate:produced:run-test"] != 10 {
				t.Errorf("the produced ledger counted %v", fakes.ledger)
			}
			if strings.Join(fakes.topics, ",") != "spate-events,spate-events-dlq" {
				t.Errorf("setup created topics %v", fakes.topics)
			}
		})
	}
}
