package metrics_test

import (
	"context"
	"strings"
	"testing"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/js"
	"spate.local/engine/internal/js/jstest"
	enginemetrics "spate.local/engine/internal/metrics"
	_ "spate.local/engine/internal/modules/k6/metrics"
)

func TestCustomMetrics(t *testing.T) {
	r := jstest.New(t, "main.ts", `
import { Counter, Gauge, Rate, Trend } from 'k6/metrics'
const sent = new Counter('sent_total')
const depth = new Gauge('queue_depth')
const ok = new Rate('ok_rate')
const latency = new Trend('latency', true)
const sizes = new Trend('sizes')
export default function () {
  sent.add(3, { topic: 'a' })
  depth.add(7)
  ok.add(true)
  ok.add(false)
  latency.add(12.5)
  sizes.add(100)
  console.log(latency.name)
}
export function late () { new Counter('late_metric') }
export function nan () { sent.add('x') }
`)
	vu := r.VU(t, 1)
	jstest.Iterate(t, vu, jstest.Scenario("default", ""))
	tests := []struct {
		name     string
		metric   string
		typ      enginemetrics.Type
		contains enginemetrics.ValueType
		values   []float64
	}{
		{"a Counter adds its values", "sent_total", enginemetrics.Counter, enginemetrics.Default, []float64{3}},
		{"a Gauge adds its values", "queue_depth", enginemetrics.Gauge, enginemetrics.Default, []float64{7}},
		{"a Rate counts true as 1 and false as 0", "ok_rate", enginemetrics.Rate, enginemetrics.Default, []float64{1, 0}},
		{"a Trend with isTime holds time values", "latency", enginemetrics.Trend, enginemetrics.Time, []float64{12.5}},
		{"a Trend without isTime holds plain values", "sizes", enginemetrics.Trend, enginemetrics.Default, []float64{100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := r.Config.Registry.Get(tc.metric)
			if m == nil || m.Type != tc.typ || m.Contains != tc.contains {
				t.Fatalf("registered %+v", m)
			}
			got := r.Samples.Of(tc.metric)
			if len(got) != len(tc.values) {
				t.Fatalf("%d samples, want %d", len(got), len(tc.values))
			}
			for i, s := range got {
				if s.Value != tc.values[i] || s.Tags.Map()["scenario"] != "default" || s.Tags.Map()["testid"] != "jstest" {
					t.Errorf("sample %d: %v %v", i, s.Value, s.Tags.Map())
				}
			}
		})
	}
	t.Run("tags given to add are on the sample", func(t *testing.T) {
		if topic, _ := r.Samples.Of("sent_total")[0].Tags.Get("topic"); topic != "a" {
			t.Errorf("topic %q", topic)
		}
	})
	t.Run("a metric knows its name", func(t *testing.T) {
		if r.Log.String() != "INFO latency" {
			t.Errorf("log %q", r.Log.String())
		}
	})
	t.Run("a second VU declaring the same metrics shares them", func(t *testing.T) {
		r.VU(t, 2)
		if n := len(r.Config.Registry.All()); n != 9+5 {
			t.Errorf("%d metrics registered", n)
		}
	})
	t.Run("declaring a metric outside init code is an error", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("late", "late"))
		if !strings.Contains(r.Log.String(), "works only in init code") {
			t.Errorf("log %q", r.Log.String())
		}
	})
	t.Run("adding a value that is not a number is an error", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("nan", "nan"))
		if !strings.Contains(r.Log.String(), "sent_total.add(x): the value must be a number") {
			t.Errorf("log %q", r.Log.String())
		}
	})
}

func TestInvalidMetrics(t *testing.T) {
	tests := []struct {
		name, source, want string
	}{
		{"an invalid name is a TypeError naming the rule", "import { Counter } from 'k6/metrics'\nnew Counter('bad name')\n", `TypeError: invalid metric name "bad name"`},
		{"a name reused with another type is a TypeError", "import { Counter, Trend } from 'k6/metrics'\nnew Counter('x')\nnew Trend('x')\n", `TypeError: metric "x" is already a counter`},
		{"a built-in name with another type is a TypeError", "import { Counter } from 'k6/metrics'\nnew Counter('iteration_duration')\n", `metric "iteration_duration" is already a trend`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jstest.New(t, "main.js", tc.source+"export default function () {}\n")
			_, err := js.NewVU(context.Background(), r.Config, 1, 1)
			if exitcode.Of(err) != exitcode.ScriptException || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}
