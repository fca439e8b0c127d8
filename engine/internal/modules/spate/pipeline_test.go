package spate

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"testing"
	"time"

	"spate.local/engine/internal/contract"
	_ "spate.local/engine/internal/modules/kafka"
	"spate.local/engine/internal/modules/redis"
)

// TestLedgerMatchesWhatKafkaHolds produces generated batches as a load script does, adds each to
// the ledger, then reads the topic back: the ledger's totals must be those of the records in
// Kafka, which is what the verify step relies on.
func TestLedgerMatchesWhatKafkaHolds(t *testing.T) {
	addr := redisAddr(t)
	if c, err := net.DialTimeout("tcp", "127.0.0.1:19092", 2*time.Second); err != nil {
		t.Fatalf("Kafka is not reachable at 127.0.0.1:19092 (%v); start the local stack with `task up`", err)
	} else {
		c.Close()
	}
	run := uniqueRun(t)
	topic := "spate-engine-ledger-" + run
	ctx := context.Background()
	t.Cleanup(func() {
		_ = FlushAll(ctx)
		client, _ := redis.Shared("redis://" + addr)
		_, _ = client.Do(ctx, "DEL", "spate-test:produced:"+run)
	})

	vu := newVU(t)
	vu.Import("k6/x/kafka", "kafka")
	vu.Run(fmt.Sprintf(`var brokers = ["127.0.0.1:19092"], topic = %q, runId = %q;
		var admin = new kafka.AdminClient({brokers}); admin.createTopic({topic, numPartitions: 3});
		var producer = new kafka.Producer({brokers, topic});
		var ledger = new spate.Ledger({redisUrl: "redis://%s", prefix: "spate-test", runId});`, topic, run, addr))
	vu.Start()
	vu.Run(`for (let b = 0; b < 3; b++) {
			const first = b * 1000;
			producer.produce({generate: {schema: "complex", runId, firstSeq: first, count: 1000, keys: 100}});
			ledger.add(first, 1000);
		}
		producer.close();
		var consumer = new kafka.Consumer({brokers, topic}), got = [];
		for (let tries = 0; got.length < 3000 && tries < 10; tries++) got.push(...consumer.consume({maxMessages: 3000 - got.length, timeoutMs: 3000}));
		consumer.close(); admin.deleteTopic(topic); admin.close();
		var values = JSON.stringify(got.map(m => m.value));`)

	var values []string
	if err := json.Unmarshal([]byte(vu.Run(`values`).String()), &values); err != nil {
		t.Fatal(err)
	}
	var want totals
	for _, v := range values {
		var m struct {
			Seq uint64 `json:"seq"`
		}
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			t.Fatalf("a consumed value is not JSON: %v", err)
		}
		want.count++
		want.seqSum.Add(&want.seqSum, new(big.Int).SetUint64(m.Seq))
		want.seqHash += contract.MixSeq(m.Seq)
	}
	produced, err := vu.Await(`ledger.produced().then(p => [p.count, p.seqSum, p.seqHash].join())`)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := produced.String(), fmt.Sprintf("%d,%s,%d", want.count, want.seqSum.String(), want.seqHash); got != w || want.count != 3000 {
		t.Fatalf("ledger says %s, Kafka holds %s (3000 records expected)", got, w)
	}
}
