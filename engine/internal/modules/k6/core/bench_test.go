package core_test

import (
	"context"
	"testing"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/js/jstest"
	"spate.local/engine/internal/metrics"
	_ "spate.local/engine/internal/modules/k6/execution"
	_ "spate.local/engine/internal/modules/k6/metrics"
)

// An iteration shaped like the load scripts': execution info, a check and a custom metric.
func BenchmarkIterationWithCheckAndTrend(b *testing.B) {
	r := jstest.New(b, "main.js", `
import { check } from 'k6'
import exec from 'k6/execution'
import { Trend } from 'k6/metrics'
const t = new Trend('work')
export default function () {
  const seq = exec.scenario.iterationInTest
  check(seq, { 'non-negative': (s) => s >= 0 })
  t.add(1)
}
`)
	r.Config.Collector = nopCollector{}
	vu := r.VU(b, 1)
	it := &executor.Iteration{Scenario: jstest.Scenario("default", "")}
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

type nopCollector struct{}

func (nopCollector) Collect(...metrics.Sample) {}
