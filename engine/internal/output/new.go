package output

import (
	"strings"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/output/jsonl"
	"spate.local/engine/internal/output/prometheus"
	"spate.local/engine/internal/threshold"
)

// Kinds are the -o kinds spate supports, as k6 names them.
var Kinds = []string{"json", "experimental-prometheus-rw"}

// New builds the output of one -o value, "kind" or "kind=argument". env holds the run's
// environment (K6_PROMETHEUS_RW_* and the like); thresholds (may be nil) are listed in the JSON
// output; warn receives one-line warnings such as failed pushes (nil: stderr). Errors are 104.
func New(spec string, env map[string]string, thresholds *threshold.Set, warn func(string)) (Output, error) {
	kind, arg, _ := strings.Cut(strings.TrimSpace(spec), "=")
	switch kind {
	case "json":
		if arg == "" {
			return nil, exitcode.New(exitcode.InvalidConfig, "-o json needs a file; write -o json=results.json (or results.json.gz)")
		}
		return jsonl.New(arg, metricThresholds(thresholds)), nil
	case "experimental-prometheus-rw":
		cfg, err := prometheus.ConfigFromEnv(env)
		if err != nil {
			return nil, err
		}
		return prometheus.New(cfg, warn), nil
	}
	return nil, exitcode.New(exitcode.InvalidConfig, "unknown output %q in -o %s; spate supports %s", kind, spec, strings.Join(Kinds, ", "))
}

// metricThresholds keeps the thresholds of whole metrics, by metric name, as k6's JSON lists them.
func metricThresholds(set *threshold.Set) map[string][]string {
	out := map[string][]string{}
	if set == nil {
		return out
	}
	for _, t := range set.Targets {
		if t.Selector == nil {
			for _, th := range t.Thresholds {
				out[t.Metric.Name] = append(out[t.Metric.Name], th.Source)
			}
		}
	}
	return out
}
