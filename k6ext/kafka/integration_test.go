package kafka

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRoundTripAgainstBroker needs a running Kafka; set
// SPATE_KAFKA_BROKERS=127.0.0.1:19092 to run it. It creates and deletes a
// uniquely named topic.
func TestRoundTripAgainstBroker(t *testing.T) {
	brokers := os.Getenv("SPATE_KAFKA_BROKERS")
	if brokers == "" {
		t.Skip("SPATE_KAFKA_BROKERS not set")
	}
	list := `["` + strings.Join(strings.Split(brokers, ","), `","`) + `"]`
	topic := fmt.Sprintf("spate-k6ext-test-%d", time.Now().UnixNano())

	e := newJSEnv(t)
	e.toVUContext()
	e.run(`var brokers = ` + list + `, topic = "` + topic + `";
		var admin = new kafka.AdminClient({brokers});
		var created = admin.createTopic({topic, numPartitions: 3});
		var createdAgain = admin.createTopic({topic, numPartitions: 3});
		var producer = new kafka.Producer({brokers, topic, requiredAcks: -1});
		for (let b = 0; b < 10; b++) {
			const messages = [];
			for (let i = 0; i < 100; i++) messages.push({key: "k" + (b * 100 + i), value: "v" + i, headers: {b: String(b)}});
			producer.produce({messages});
		}
		producer.close();
		var consumer = new kafka.Consumer({brokers, topic});
		var got = [];
		for (let tries = 0; got.length < 1000 && tries < 10; tries++) {
			got.push(...consumer.consume({maxMessages: 1000 - got.length, timeoutMs: 3000}));
		}
		consumer.close();`)
	if got := e.run(`[created, createdAgain, got.length, new Set(got.map(m => m.key)).size,
		got.every(m => m.topic === topic && m.time instanceof Date && typeof m.value === "string")].join()`).String(); got != "true,false,1000,1000,true" {
		t.Fatalf("created,createdAgain,consumed,distinct,shape = %s", got)
	}
	if got := e.run(`[admin.describeTopic(topic).partitions, admin.listTopics().includes(topic), admin.deleteTopic(topic)].join()`).String(); got != "3,true,true" {
		t.Fatalf("describe,list,delete = %s", got)
	}
	e.run(`admin.close()`)

	sums := map[string]float64{}
	for _, s := range drain(e.samples) {
		sums[s.Metric.Name] += s.Value
	}
	want := map[string]float64{
		"kafka_writer_message_count": 1000, "kafka_writer_write_count": 10, "kafka_writer_error_count": 0,
		"kafka_reader_message_count": 1000, "kafka_reader_error_count": 0,
	}
	for name, v := range want {
		if sums[name] != v {
			t.Errorf("%s = %v, want %v", name, sums[name], v)
		}
	}
}
