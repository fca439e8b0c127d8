package kafka

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/contract"
	"spate.local/engine/internal/modules/moduletest"
)

// brokerList is the shared local stack's Kafka (SPATE_KAFKA_BROKERS overrides it) as a JS
// array literal. These tests talk to it for real; each uses its own topics.
func brokerList(t *testing.T) string {
	t.Helper()
	brokers := os.Getenv("SPATE_KAFKA_BROKERS")
	if brokers == "" {
		brokers = "127.0.0.1:19092"
	}
	first := strings.Split(brokers, ",")[0]
	conn, err := net.DialTimeout("tcp", first, 2*time.Second)
	if err != nil {
		t.Fatalf("Kafka is not reachable at %s (%v); start the local stack with `task up` or set SPATE_KAFKA_BROKERS", first, err)
	}
	conn.Close()
	return `["` + strings.Join(strings.Split(brokers, ","), `","`) + `"]`
}

func uniqueTopic(t *testing.T) string {
	return fmt.Sprintf("spate-engine-kafka-%s-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano())
}

func TestRoundTripAgainstBroker(t *testing.T) {
	topic := uniqueTopic(t)
	vu := newVU(t)
	vu.Run(`var brokers = ` + brokerList(t) + `, topic = "` + topic + `";
		var admin = new kafka.AdminClient({brokers});
		var created = admin.createTopic({topic, numPartitions: 3});
		var createdAgain = admin.createTopic({topic, numPartitions: 3});
		var producer = new kafka.Producer({brokers, topic, requiredAcks: -1});`)
	vu.Start()
	vu.Run(`for (let b = 0; b < 10; b++) {
			const messages = [];
			for (let i = 0; i < 100; i++) messages.push({key: "k" + (b * 100 + i), value: "v" + i, headers: {b: String(b)}});
			producer.produce({messages});
		}
		producer.close();
		var consumer = new kafka.Consumer({brokers, topic, groupId: topic + "-g"});
		var got = [];
		for (let tries = 0; got.length < 1000 && tries < 10; tries++) {
			got.push(...consumer.consume({maxMessages: 1000 - got.length, timeoutMs: 3000}));
		}
		consumer.close();`)
	t.Run("every produced message is consumed once with its fields", func(t *testing.T) {
		if got := vu.Run(`[created, createdAgain, got.length, new Set(got.map(m => m.key)).size,
			got.every(m => m.topic === topic && m.time instanceof Date && typeof m.value === "string" && m.headers.b === String(Number(m.key.slice(1)) / 100 | 0))].join()`).String(); got != "true,false,1000,1000,true" {
			t.Fatalf("created,createdAgain,consumed,distinct,shape = %s", got)
		}
	})
	t.Run("topicOffsets reports the end offsets and the group's lag", func(t *testing.T) {
		if got := vu.Run(`const o = admin.topicOffsets(topic, topic + "-g"); const n = admin.topicOffsets(topic); [o.end, o.committed, o.lag, n.end, n.committed, n.lag].join()`).String(); got != "1000,1000,0,1000,0,0" {
			t.Fatalf("end,committed,lag (group) and (none) = %s", got)
		}
	})
	t.Run("admin describes, lists and deletes the topic", func(t *testing.T) {
		if got := vu.Run(`[admin.describeTopic(topic).partitions, admin.listTopics().includes(topic), admin.deleteTopic(topic), admin.deleteTopic(topic)].join()`).String(); got != "3,true,true,false" {
			t.Fatalf("describe,list,delete,deleteAgain = %s", got)
		}
	})
	vu.Run(`admin.close()`)
	t.Run("metrics count what was written and read", func(t *testing.T) {
		sums := sums(t, vu.Samples(), topic)
		want := map[string]float64{
			"kafka_writer_message_count": 1000, "kafka_writer_write_count": 10, "kafka_writer_error_count": 0,
			"kafka_reader_message_count": 1000, "kafka_reader_error_count": 0,
		}
		for name, v := range want {
			if sums[name] != v {
				t.Errorf("%s = %v, want %v", name, sums[name], v)
			}
		}
	})
}

func TestGeneratedMessagesAgainstBroker(t *testing.T) {
	topic := uniqueTopic(t)
	brokers := brokerList(t)
	// Two VUs share one client, as scripts do with `share`, and produce at the same time.
	vus := []*moduletest.VU{newVU(t), newVU(t)}
	for _, vu := range vus {
		vu.Run(`var brokers = ` + brokers + `, topic = "` + topic + `";
			var admin = new kafka.AdminClient({brokers}); admin.createTopic({topic, numPartitions: 4}); admin.close();
			var producer = new kafka.Producer({brokers, topic, share: "` + topic + `"});`)
		vu.Start()
	}
	done := make(chan error, len(vus))
	for i, vu := range vus {
		go func() {
			defer func() {
				if r := recover(); r != nil {
					done <- fmt.Errorf("%v", r)
				}
			}()
			_, err := vu.Runtime().RunString(fmt.Sprintf(`for (let b = 0; b < 5; b++)
				producer.produce({generate: {schema: "medium", runId: "run-gen", firstSeq: %d + b * 500, count: 500, keys: 50, eventTime: 1764646800123}})`, i*2500))
			done <- err
		}()
	}
	for range vus {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	vus[0].Run(`producer.close(); var consumer = new kafka.Consumer({brokers, topic}); var got = [];
		for (let tries = 0; got.length < 5000 && tries < 10; tries++) got.push(...consumer.consume({maxMessages: 5000 - got.length, timeoutMs: 3000}));
		consumer.close();`)
	vus[1].Run(`producer.close(); new kafka.AdminClient({brokers}).deleteTopic(topic)`)

	t.Run("every generated message arrives byte-identical to the contract", func(t *testing.T) {
		n := vus[0].Run(`got.length`).ToInteger()
		if n != 5000 {
			t.Fatalf("consumed %d messages, want 5000", n)
		}
		g := contract.Generator{Schema: contract.Medium, RunID: "run-gen", Keys: 50, EventTime: 1764646800123}
		seen := map[uint64]bool{}
		for i := range int(n) {
			m := vus[0].Run(fmt.Sprintf(`got[%d]`, i)).ToObject(vus[0].Runtime())
			value := m.Get("value").String()
			var seq uint64
			if _, err := fmt.Sscanf(value[strings.Index(value, `"seq":`)+6:], "%d", &seq); err != nil {
				t.Fatalf("no seq in %s", value)
			}
			if seen[seq] {
				t.Fatalf("seq %d consumed twice", seq)
			}
			seen[seq] = true
			if m.Get("key").String() != string(g.AppendKey(nil, seq)) || value != string(g.AppendValue(nil, seq)) {
				t.Fatalf("seq %d arrived as key %s value %s", seq, m.Get("key"), value)
			}
		}
	})
	t.Run("writer metrics count every generated message once", func(t *testing.T) {
		total := 0.0
		for _, vu := range vus {
			total += sums(t, vu.Samples(), topic)["kafka_writer_message_count"]
		}
		if total != 5000 {
			t.Fatalf("kafka_writer_message_count = %v, want 5000", total)
		}
	})
}
