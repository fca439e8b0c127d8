package threshold

import (
	"errors"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

func TestParseKey(t *testing.T) {
	cases := []struct {
		name, key, metric string
		tags              map[string]string
	}{
		{"a plain metric", "iterations", "iterations", nil},
		{"one tag", "kafka_writer_write_seconds{topic:orders}", "kafka_writer_write_seconds", map[string]string{"topic": "orders"}},
		{"several tags with spaces", "checks{ scenario : spike , check:ok }", "checks", map[string]string{"scenario": "spike", "check": "ok"}},
		{"a double-quoted value with a comma", `m{name:"a, b"}`, "m", map[string]string{"name": "a, b"}},
		{"a single-quoted value", "m{name:'x'}", "m", map[string]string{"name": "x"}},
		{"a group path with colons", "checks{group:::a::b}", "checks", map[string]string{"group": "::a::b"}},
	}
	for _, c := range cases {
		t.Run(c.name+" is read", func(t *testing.T) {
			name, sel, err := ParseKey(c.key)
			if err != nil {
				t.Fatal(err)
			}
			if name != c.metric {
				t.Fatalf("name %q", name)
			}
			if c.tags == nil && sel != nil || sel.Len() != len(c.tags) {
				t.Fatalf("tags %v", sel.Map())
			}
			for k, v := range c.tags {
				if got, _ := sel.Get(k); got != v {
					t.Fatalf("tag %s = %q, want %q", k, got, v)
				}
			}
		})
	}
	for _, bad := range []string{"m{}", "m{topic}", "m{topic:a", "{a:b}", "m}", "m{:x}"} {
		t.Run("the key "+bad+" is refused with 104", func(t *testing.T) {
			_, _, err := ParseKey(bad)
			if exitcode.Of(err) != exitcode.InvalidConfig {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestParseAgainstRegistry(t *testing.T) {
	reg := metrics.NewRegistry()
	metrics.RegisterBuiltins(reg)
	reg.MustRegister("kafka_writer_write_seconds", metrics.Trend, metrics.Time)
	reg.MustRegister("kafka_writer_error_count", metrics.Counter, metrics.Default)

	t.Run("valid thresholds become sorted targets with their abort settings", func(t *testing.T) {
		set, err := Parse(map[string][]Input{
			"kafka_writer_write_seconds{topic:a}": {{Expr: "p(99)<50"}},
			"iterations":                          {{Expr: "count>0"}, {Expr: "rate>1", AbortOnFail: true, DelayAbortEval: 10 * time.Second}},
		}, reg)
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Targets) != 2 || set.Targets[0].Key != "iterations" || set.Targets[1].Key != "kafka_writer_write_seconds{topic:a}" {
			t.Fatalf("targets %+v", set.Targets)
		}
		it := set.Targets[0]
		if !it.Thresholds[1].AbortOnFail || it.Thresholds[1].DelayAbortEval != 10*time.Second || it.Selector != nil {
			t.Fatalf("abort settings lost: %+v", it.Thresholds[1])
		}
		sub := set.Targets[1]
		if sub.Metric.Name != "kafka_writer_write_seconds" ||
			!sub.Matches(metrics.NewTagSet(map[string]string{"topic": "a", "partition": "1"})) ||
			sub.Matches(metrics.NewTagSet(map[string]string{"topic": "b"})) ||
			sub.Matches(nil) {
			t.Fatal("selector matches wrongly")
		}
	})
	t.Run("a misspelled metric is 104 naming the closest existing one", func(t *testing.T) {
		_, err := Parse(map[string][]Input{"kafka_writer_write_second{topic:a}": {{Expr: "p(99)<5"}}}, reg)
		var e *exitcode.Error
		if !errors.As(err, &e) || e.Code != 104 || !strings.Contains(err.Error(), `did you mean "kafka_writer_write_seconds"?`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an aggregation the metric's type lacks is 104 naming the metric", func(t *testing.T) {
		_, err := Parse(map[string][]Input{"kafka_writer_write_seconds": {{Expr: "count<5"}}}, reg)
		if exitcode.Of(err) != 104 || !strings.Contains(err.Error(), `on kafka_writer_write_seconds: a trend has no "count"`) {
			t.Fatalf("got %v", err)
		}
	})
}
