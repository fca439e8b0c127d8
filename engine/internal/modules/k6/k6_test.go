package k6_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/js/jstest"
	_ "spate.local/engine/internal/modules/k6"
)

// VUs share the compiled program, the registry and the collector; each runs on its own
// goroutine, as the executors run them.
func TestVUsInParallel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer srv.Close()
	r := jstest.New(t, "main.ts", `
import { check, group, sleep } from 'k6'
import exec from 'k6/execution'
import http from 'k6/http'
import { Counter, Trend } from 'k6/metrics'
const done = new Counter('done')
const work = new Trend('work', true)
export default async function () {
  await new Promise((resolve) => setTimeout(resolve, 1))
  group('g', () => {
    const res = http.get(__ENV.URL)
    check(res, { 'ok': (r) => r.body === 'ok' })
  })
  work.add(exec.vu.idInTest)
  done.add(1, { vu: String(exec.vu.idInTest) })
  sleep(0.001)
}
`)
	r.Config.Env["URL"] = srv.URL
	const vus, iterations = 4, 25
	s := jstest.Scenario("default", "")
	var wg sync.WaitGroup
	errs := make(chan error, vus)
	for id := uint64(1); id <= vus; id++ {
		vu := r.VU(t, id)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < iterations; i++ {
				if err := vu.RunIteration(context.Background(), &executor.Iteration{Scenario: s}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Run("every VU's every iteration ran to its end", func(t *testing.T) {
		for _, metric := range []string{"done", "work", "iterations", "checks", "http_reqs", "group_duration"} {
			if n := len(r.Samples.Of(metric)); n != vus*iterations {
				t.Errorf("%d %s samples, want %d", n, metric, vus*iterations)
			}
		}
		for _, c := range r.Samples.Of("checks") {
			if c.Value != 1 {
				t.Fatalf("a check failed: %v", c.Tags.Map())
			}
		}
		if log := r.Log.String(); log != "" {
			t.Errorf("log %q", log)
		}
	})
}
