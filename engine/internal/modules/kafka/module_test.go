package kafka

import (
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules/moduletest"
)

// Nothing listens on port 1, so connecting is refused immediately.
const deadBroker = "127.0.0.1:1"

// newVU is one VU in its init context with the module bound to the global `kafka`.
func newVU(t *testing.T) *moduletest.VU {
	t.Helper()
	vu := moduletest.New(t)
	vu.Import("k6/x/kafka", "kafka")
	return vu
}

func TestBadOptionsThrowTypeError(t *testing.T) {
	vu := newVU(t)
	tests := []struct{ name, code, want string }{
		{"acks other than -1, 0, 1 are refused", `new kafka.Producer({brokers: ["127.0.0.1:1"], requiredAcks: 2})`,
			`TypeError: kafka: Producer option "requiredAcks" must be -1, 0 or 1, got 2`},
		{"a producer without options is refused", `new kafka.Producer()`, `TypeError: kafka: Producer needs an options object, got nothing`},
		{"brokers as a string are refused", `new kafka.AdminClient({brokers: "127.0.0.1:1"})`,
			`TypeError: kafka: AdminClient option "brokers" must be a non-empty array of "host:port" strings, got "127.0.0.1:1"`},
		{"an unknown start offset is refused", `new kafka.Consumer({brokers: ["127.0.0.1:1"], topic: "t", startOffset: 0})`,
			`TypeError: kafka: Consumer option "startOffset" must be one of "earliest", "latest", "start_offsets_first_offset", "start_offsets_last_offset", got 0`},
		{"a topic name that is no string is refused", `new kafka.AdminClient({brokers: ["127.0.0.1:1"]}).deleteTopic(5)`,
			`TypeError: kafka: deleteTopic() needs a topic name (a non-empty string), got 5`},
		{"a missing CA file is named", `new kafka.Producer({brokers: ["127.0.0.1:1"], tls: {caFile: "/nonexistent/ca.pem"}})`,
			`GoError: kafka: cannot read tls.caFile: open /nonexistent/ca.pem: no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vu.Thrown(tt.code); got != tt.want {
				t.Errorf("%s\n got: %s\nwant: %s", tt.code, got, tt.want)
			}
		})
	}
}

func TestConstantsAreUpstreamsAndAccepted(t *testing.T) {
	vu := newVU(t)
	got := vu.Run(`[kafka.SASL_PLAIN, kafka.SASL_SCRAM_SHA256, kafka.SASL_SCRAM_SHA512, kafka.CODEC_NONE, kafka.CODEC_GZIP,
		kafka.CODEC_SNAPPY, kafka.CODEC_LZ4, kafka.CODEC_ZSTD, kafka.NANOSECOND, kafka.MICROSECOND, kafka.MILLISECOND,
		kafka.SECOND].join(",")`).String()
	want := "plain,scram-sha-256,scram-sha-512,none,gzip,snappy,lz4,zstd,1,1000,1000000,1000000000"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	vu.Run(`new kafka.Producer({brokers: ["127.0.0.1:1"], compression: kafka.CODEC_LZ4, batchTimeout: 5 * kafka.MILLISECOND,
		sasl: {algorithm: kafka.SASL_SCRAM_SHA256, username: "u", password: "p"}}).close()`)
}

func TestProduceAndConsumeRefuseInitContext(t *testing.T) {
	vu := newVU(t)
	for _, tt := range []struct{ name, code, want string }{
		{"produce in init code throws", `new kafka.Producer({brokers: ["127.0.0.1:1"], topic: "t"}).produce({messages: [{value: "x"}]})`,
			"GoError: kafka: produce() cannot be called in the init context; call it from the default function, setup or teardown"},
		{"consume in init code throws", `new kafka.Consumer({brokers: ["127.0.0.1:1"], topic: "t"}).consume({maxMessages: 1})`,
			"GoError: kafka: consume() cannot be called in the init context; call it from the default function, setup or teardown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := vu.Thrown(tt.code); got != tt.want {
				t.Fatalf("got %s", got)
			}
		})
	}
}

func TestUnreachableBrokersFailFastWithOneLine(t *testing.T) {
	vu := newVU(t)
	vu.Run(`var producer = new kafka.Producer({brokers: ["127.0.0.1:1"], topic: "orders"});
		var admin = new kafka.AdminClient({brokers: ["127.0.0.1:1"]});`)
	reach := "cannot reach brokers 127.0.0.1:1 (dial tcp 127.0.0.1:1: connect: connection refused); check the broker list"

	start := time.Now()
	if got, want := vu.Thrown(`admin.listTopics()`), "GoError: kafka: "+reach; got != want {
		t.Fatalf("admin error\n got: %s\nwant: %s", got, want)
	}
	if got, want := vu.Thrown(`admin.createTopic({topic: "orders"})`), "GoError: kafka: "+reach; got != want {
		t.Fatalf("admin error\n got: %s\nwant: %s", got, want)
	}

	vu.Start()
	got := vu.Thrown(`producer.produce({messages: [{value: "a"}, {value: "bc", key: "k"}]})`)
	if want := `GoError: kafka: produce to topic "orders" failed for 2 of 2 messages: ` + reach; got != want {
		t.Fatalf("produce error\n got: %s\nwant: %s", got, want)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("failing took %v; want a bounded, fast failure", elapsed)
	}

	// One produce call yields one set of writer samples tagged with the topic.
	values := sums(t, vu.Samples(), "orders")
	want := map[string]float64{
		"kafka_writer_message_count": 0, "kafka_writer_message_bytes": 0,
		"kafka_writer_write_count": 1, "kafka_writer_error_count": 1,
	}
	for name, v := range want {
		if got, ok := values[name]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, v)
		}
	}
	if _, ok := values["kafka_writer_write_seconds"]; !ok {
		t.Errorf("kafka_writer_write_seconds not pushed")
	}
	vu.Run(`producer.close(); producer.close(); admin.close()`)
	if got := vu.Thrown(`producer.produce({messages: [{value: "a"}]})`); got != "GoError: kafka: produce() called on a closed Producer" {
		t.Fatalf("got %s", got)
	}
}

// sums adds up samples by metric name, checking each carries the topic and the VU's tags.
func sums(t *testing.T, samples []metrics.Sample, topic string) map[string]float64 {
	t.Helper()
	values := map[string]float64{}
	for _, s := range samples {
		if got, _ := s.Tags.Get("topic"); got != topic {
			t.Fatalf("sample %s has topic tag %q, want %q", s.Metric.Name, got, topic)
		}
		if scenario, _ := s.Tags.Get("scenario"); scenario != "default" {
			t.Fatalf("sample %s lost the VU's tags", s.Metric.Name)
		}
		values[s.Metric.Name] += s.Value
	}
	return values
}

func TestShareReusesOneClient(t *testing.T) {
	vu1, vu2 := newVU(t), newVU(t)
	key := "share-test-" + strings.ReplaceAll(t.Name(), "/", "-")
	create := `var p = new kafka.Producer({brokers: ["127.0.0.1:1"], topic: "a", share: "` + key + `"})`
	vu1.Run(create)
	vu2.Run(strings.Replace(create, `topic: "a"`, `topic: "b"`, 1)) // topics are per producer
	if n := poolRefs(key); n != 2 {
		t.Fatalf("refs = %d, want 2", n)
	}
	first := poolLink(key)

	got := vu2.Thrown(`new kafka.Producer({brokers: ["127.0.0.1:1"], requiredAcks: 1, share: "` + key + `"})`)
	want := `TypeError: kafka: Producer share "` + key + `" is already open with different requiredAcks; use the same options or another share key`
	if got != want {
		t.Fatalf("conflict error\n got: %s\nwant: %s", got, want)
	}
	if n := poolRefs(key); n != 2 {
		t.Fatalf("a rejected producer changed refs to %d", n)
	}

	vu1.Run(`p.close(); p.close()`) // a second close must not drop another reference
	if n := poolRefs(key); n != 1 {
		t.Fatalf("refs after one close = %d, want 1", n)
	}
	vu2.Run(`p.close()`)
	if n := poolRefs(key); n != 0 {
		t.Fatalf("refs after last close = %d, want 0", n)
	}
	// The last close really closed the client.
	recErr := first.client.ProduceSync(t.Context(), newRecord("a")).FirstErr()
	if recErr == nil || !strings.Contains(recErr.Error(), "client closed") {
		t.Fatalf("client still open after last close: %v", recErr)
	}

	// After the last close the key can be opened afresh.
	vu1.Run(create)
	if poolLink(key) == first {
		t.Fatal("reopened share reused a closed client")
	}
	vu1.Run(`p.close()`)
}

func poolRefs(key string) int {
	sharedProducers.mu.Lock()
	defer sharedProducers.mu.Unlock()
	if e, ok := sharedProducers.entries[key]; ok {
		return e.refs
	}
	return 0
}

func poolLink(key string) *link {
	sharedProducers.mu.Lock()
	defer sharedProducers.mu.Unlock()
	if e, ok := sharedProducers.entries[key]; ok {
		return e.link
	}
	return nil
}
