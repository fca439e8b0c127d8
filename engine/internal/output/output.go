// Package output holds what `-o kind=arg` outputs share: the Output interface and New, which
// builds one from its command-line spec. The kinds live in sub-packages (jsonl, prometheus).
package output

import "spate.local/engine/internal/metrics"

// Output receives every sample of a run. The aggregator calls Start before the first sample,
// AddSamples from one goroutine at a time, and Stop once at the end.
type Output interface {
	// Description is one line for the run's banner, e.g. "json (results.json.gz)".
	Description() string
	Start() error
	// AddSamples must not keep the slice after returning.
	AddSamples(samples []metrics.Sample)
	// Stop writes what is buffered and releases the output's resources.
	Stop() error
}
