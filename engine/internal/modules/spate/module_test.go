package spate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"spate.local/engine/internal/modules/moduletest"
	"spate.local/engine/internal/modules/redis"
)

func newVU(t *testing.T) *moduletest.VU {
	t.Helper()
	vu := moduletest.New(t)
	vu.Import("k6/x/spate", "spate")
	return vu
}

func TestJSLedgerAgainstRedis(t *testing.T) {
	addr := redisAddr(t)
	run := uniqueRun(t)
	ctx := context.Background()
	client, _ := redis.Shared("redis://" + addr)
	// Two ledger entries of the pipeline, with seqSums whose total passes 2^53.
	entries := map[string][]string{
		"spate-test:ledger:" + run + ":60000:0": {"count", "3", "seqSum", "9007199254740993", "seqHash", "4294967297", "start", "60000", "writtenAt", "70000", "eventTimeOffsetSum", "3000"},
		"spate-test:ledger:" + run + ":60000:1": {"count", "2", "seqSum", "9007199254740993", "seqHash", "5", "start", "60000", "writtenAt", "65000", "eventTimeOffsetSum", "1000"},
	}
	for key, fields := range entries {
		if _, err := client.Do(ctx, append([]string{"HSET", key}, fields...)...); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = FlushAll(ctx)
		_, _ = client.Do(ctx, "DEL", "spate-test:produced:"+run, "spate-test:ledger:"+run+":60000:0", "spate-test:ledger:"+run+":60000:1")
	})

	vu := newVU(t)
	vu.Run(fmt.Sprintf(`var ledger = new spate.Ledger({redisUrl: "redis://%s", prefix: "spate-test", runId: %q});
		var again = new spate.Ledger({redisUrl: "redis://%s", prefix: "spate-test", runId: %q});`, addr, run, addr, run))
	vu.Start()

	tests := []struct{ name, expr, want string }{
		{"the ledger names its key", `ledger.key`, "spate-test:produced:" + run},
		{"add and flush resolve once written", `ledger.add(0, 500); again.add(500, 500); ledger.flush().then(() => "flushed")`, "flushed"},
		{"produced reads count and seqHash as numbers and seqSum as a string",
			`ledger.produced().then(p => [typeof p.count, p.count, typeof p.seqSum, p.seqSum, typeof p.seqHash].join())`,
			"number,1000,string,499500,number"},
		{"produced includes what was added and not flushed yet", `again.add(1000, 1); again.produced().then(p => p.count + "/" + p.seqSum)`, "1001/500500"},
		{"sinkTotals sums the run's ledger entries exactly",
			`ledger.sinkTotals().then(s => [s.count, s.seqSum, s.seqHash, s.entries, s.latencies.slice().sort().join(" ")].join())`,
			"5,18014398509481986,6,2,4500 9000"},
		{"sinkTotals takes another pattern", `ledger.sinkTotals("spate-test:ledger:` + run + `:60000:1").then(s => s.count + "/" + s.entries)`, "2/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := vu.Await(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tt.want {
				t.Fatalf("%s gave %s, want %s", tt.expr, v, tt.want)
			}
		})
	}
}

func TestJSLedgerErrors(t *testing.T) {
	vu := newVU(t)
	tests := []struct{ name, code, want string }{
		{"a ledger without options throws", `new spate.Ledger()`, "TypeError: spate: Ledger needs an options object {redisUrl, prefix, runId}"},
		{"a missing URL throws", `new spate.Ledger({prefix: "p", runId: "r"})`, `TypeError: spate: Ledger option "redisUrl" is required (redis[s]://[[user]:password@]host:port[/db])`},
		{"a run id with a space throws", `new spate.Ledger({redisUrl: "redis://h:1", prefix: "p", runId: "a b"})`, `TypeError: spate: Ledger option "runId" must be 1 to 100 letters, digits, . _ -, got "a b"`},
		{"an unknown option throws", `new spate.Ledger({redisUrl: "redis://h:1", prefix: "p", runId: "r", flushMs: 5})`, `TypeError: spate: Ledger option "flushMs" is not supported (allowed: redisUrl, prefix, runId)`},
		{"a bad URL throws without its password", `new spate.Ledger({redisUrl: "http://u:s3cret@h:1", prefix: "p", runId: "r"})`, `GoError: redis: invalid URL "http://u:%2A%2A%2A@h:1": use redis[s]://[[user]:password@]host:port[/db]`},
		{"add of a fraction throws", `new spate.Ledger({redisUrl: "redis://h:1", prefix: "p", runId: "r"}).add(1.5, 2)`, "TypeError: spate: ledger.add(firstSeq, n) needs two whole numbers from 0 to 2^53-1, got 1.5, 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vu.Thrown(tt.code); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("reading in init code rejects", func(t *testing.T) {
		vu.Run(`var dead = new spate.Ledger({redisUrl: "redis://:s3cret@127.0.0.1:1", prefix: "p", runId: "r-init"})`)
		_, err := vu.Await(`dead.produced()`)
		if err == nil || !strings.Contains(err.Error(), "cannot read or write Redis in the init context") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an unreachable Redis rejects flush with one line without the password", func(t *testing.T) {
		vu.Start()
		_, err := vu.Await(`dead.add(0, 1); dead.flush()`)
		want := "GoError: redis: cannot connect to 127.0.0.1:1 (connect: connection refused); check the host and port in the URL and that Redis is up"
		if err == nil || err.Error() != want {
			t.Fatalf("got %v", err)
		}
		l, _ := sharedLedger("redis://:s3cret@127.0.0.1:1", "p", "r-init")
		_ = l.close(context.Background())
	})
}
