package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/threshold"
)

func TestNew(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	set, err := threshold.Parse(map[string][]threshold.Input{"iterations": {{Expr: "count>0"}}, "iterations{scenario:a}": {{Expr: "count>1"}}}, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("json=path writes k6 JSON lines with the metric's own thresholds", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.json")
		o, err := New("json="+path, nil, set, nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.Description() != "json ("+path+")" {
			t.Fatalf("description %q", o.Description())
		}
		if err := o.Start(); err != nil {
			t.Fatal(err)
		}
		o.AddSamples([]metrics.Sample{{Metric: b.Iterations, Time: time.Now(), Value: 1}})
		if err := o.Stop(); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), `"thresholds":["count>0"]`) {
			t.Fatalf("%s", data)
		}
	})
	t.Run("experimental-prometheus-rw reads its settings from env", func(t *testing.T) {
		o, err := New("experimental-prometheus-rw", map[string]string{"K6_PROMETHEUS_RW_SERVER_URL": "http://127.0.0.1:1/api/v1/write"}, nil, nil)
		if err != nil || !strings.Contains(o.Description(), "127.0.0.1:1") {
			t.Fatalf("%v %v", o, err)
		}
	})
	for _, c := range []struct{ name, spec, want string }{
		{"an unknown kind lists the supported ones", "influxdb=http://x", `unknown output "influxdb" in -o influxdb=http://x; spate supports json, experimental-prometheus-rw`},
		{"json without a file", "json", "-o json needs a file"},
		{"native histograms", "experimental-prometheus-rw", "not supported"},
	} {
		t.Run(c.name+" is 104", func(t *testing.T) {
			_, err := New(c.spec, map[string]string{"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM": "true"}, nil, nil)
			if exitcode.Of(err) != exitcode.InvalidConfig || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
