package spate

import (
	"context"
	"fmt"
	"testing"

	"spate.local/engine/internal/contract"
	"spate.local/engine/internal/modules/redis"
)

func TestJSExpectationAgainstRedis(t *testing.T) {
	addr := redisAddr(t)
	client, _ := redis.Shared("redis://" + addr)
	run := uniqueRun(t)
	pattern := "spate-test:" + run + ":w:{window}:{key}"
	vu := newVU(t)
	vu.Run(fmt.Sprintf(`var exp = new spate.Expectation({runId: %q, schema: "medium", keys: 4, windowMs: 2000});`, run))
	vu.Start()
	if _, err := vu.Await(`exp.add(0, 100, 1700000000500); exp.add(100, 100, 1700000002500); "added"`); err != nil {
		t.Fatal(err)
	}
	e, err := sharedExpectation(run, contract.Medium, 4, 2000)
	if err != nil {
		t.Fatal(err)
	}
	keys := writeWindows(t, client, e, sinkLayout{pattern: pattern, countField: "count", sumField: "sum", writtenAtField: "writtenAt"}, nil)
	t.Cleanup(func() { _, _ = client.Do(context.Background(), append([]string{"DEL"}, keys...)...) })

	tests := []struct{ name, expr, want string }{
		{"verifyWindows finds every record of a correct sink",
			fmt.Sprintf(`exp.verifyWindows({redisUrl: "redis://%s", keyPattern: %q, timeoutSeconds: 2, pollSeconds: 0.1}).then(v => [v.expected, v.verified, v.lost, v.duplicated, v.mismatched, v.windows, v.missing, v.latencies.join(" "), v.latencySlope].join())`, addr, pattern),
			"200,200,0,0,0,2,0,1500 1500,0"},
		{"verifyWindows reports a sink in another place as lost",
			fmt.Sprintf(`exp.verifyWindows({redisUrl: "redis://%s", keyPattern: "nowhere:{window}:{key}", timeoutSeconds: 0.3, pollSeconds: 0.1}).then(v => [v.lost, v.missing, v.mismatched].join())`, addr),
			"200,8,2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := vu.Await(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tt.want {
				t.Fatalf("got %s, want %s", v, tt.want)
			}
		})
	}
}

func TestJSExpectationErrors(t *testing.T) {
	vu := newVU(t)
	tests := []struct{ name, code, want string }{
		{"an expectation without options throws", `new spate.Expectation()`, "TypeError: spate: Expectation needs an options object {runId, schema, keys, windowMs}"},
		{"a window size of zero throws", `new spate.Expectation({runId: "r", keys: 3, windowMs: 0})`, `TypeError: spate: Expectation option "windowMs" must be the pipeline's window size in milliseconds, a whole number >= 1, got 0`},
		{"an unknown schema throws", `new spate.Expectation({runId: "r", schema: "huge", keys: 3, windowMs: 5})`, `TypeError: spate: Expectation option "schema": unknown message schema "huge": use "basic", "medium" or "complex"`},
		{"the same run with other options throws", `new spate.Expectation({runId: "r-twice", keys: 3, windowMs: 5}); new spate.Expectation({runId: "r-twice", keys: 4, windowMs: 5})`, `GoError: spate: Expectation of run "r-twice" was created with schema basic, 3 keys, 5 ms windows; create every Expectation of a run with the same options`},
		{"add without an event time throws", `new spate.Expectation({runId: "r", keys: 3, windowMs: 5}).add(0, 2)`, "TypeError: spate: expectation.add(firstSeq, n, eventTime) needs two whole numbers from 0 to 2^53-1 and the produce call's event time in ms, got 0, 2, undefined"},
		{"a key pattern without {key} throws", `new spate.Expectation({runId: "r", keys: 3, windowMs: 5}).verifyWindows({redisUrl: "redis://h:1", keyPattern: "w:{window}"})`, `TypeError: spate: verifyWindows option "keyPattern" must contain {window} and {key}, e.g. "spark:w:{window}:{key}", got "w:{window}"`},
		{"an unknown format throws", `new spate.Expectation({runId: "r", keys: 3, windowMs: 5}).verifyWindows({redisUrl: "redis://h:1", keyPattern: "{window}{key}", format: "xml"})`, `TypeError: spate: verifyWindows option "format" must be "hash" or "json", got "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vu.Thrown(tt.code); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
