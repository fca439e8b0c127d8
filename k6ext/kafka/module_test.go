package kafka

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/modulestest"
	"go.k6.io/k6/lib"
	"go.k6.io/k6/metrics"
)

// Nothing listens on port 1, so connecting is refused immediately.
const deadBroker = "127.0.0.1:1"

// jsEnv is one VU with the module bound to the global `kafka`.
type jsEnv struct {
	t       *testing.T
	rt      *modulestest.Runtime
	samples chan metrics.SampleContainer
}

func newJSEnv(t *testing.T) *jsEnv {
	t.Helper()
	rt := modulestest.NewRuntime(t)
	mi := New().NewModuleInstance(rt.VU)
	obj := rt.VU.Runtime().NewObject()
	for name, v := range mi.Exports().Named {
		if err := obj.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.VU.Runtime().Set("kafka", obj); err != nil {
		t.Fatal(err)
	}
	return &jsEnv{t: t, rt: rt, samples: make(chan metrics.SampleContainer, 100)}
}

// toVUContext leaves the init context, as k6 does before the default function.
func (e *jsEnv) toVUContext() {
	registry := e.rt.VU.InitEnv().Registry
	e.rt.MoveToVUContext(&lib.State{
		Samples: e.samples,
		Tags:    lib.NewVUStateTags(registry.RootTagSet().With("scenario", "default")),
	})
}

func (e *jsEnv) run(code string) sobek.Value {
	e.t.Helper()
	v, err := e.rt.VU.Runtime().RunString(code)
	if err != nil {
		e.t.Fatalf("JS failed: %v\n%s", err, code)
	}
	return v
}

// thrown runs code that must throw and returns "Name: message".
func (e *jsEnv) thrown(code string) string {
	e.t.Helper()
	v := e.run(`(() => { try { ` + code + ` } catch (err) { return err.name + ": " + err.message } return "no error" })()`)
	return v.String()
}

func TestBadOptionsThrowTypeError(t *testing.T) {
	e := newJSEnv(t)
	tests := []struct{ code, want string }{
		{`new kafka.Producer({brokers: ["127.0.0.1:1"], requiredAcks: 2})`,
			`TypeError: kafka: Producer option "requiredAcks" must be -1, 0 or 1, got 2`},
		{`new kafka.Producer()`, `TypeError: kafka: Producer needs an options object, got nothing`},
		{`new kafka.AdminClient({brokers: "127.0.0.1:1"})`,
			`TypeError: kafka: AdminClient option "brokers" must be a non-empty array of "host:port" strings, got "127.0.0.1:1"`},
		{`new kafka.Consumer({brokers: ["127.0.0.1:1"], topic: "t", startOffset: 0})`,
			`TypeError: kafka: Consumer option "startOffset" must be one of "earliest", "latest", "start_offsets_first_offset", "start_offsets_last_offset", got 0`},
		{`new kafka.AdminClient({brokers: ["127.0.0.1:1"]}).deleteTopic(5)`,
			`TypeError: kafka: deleteTopic() needs a topic name (a non-empty string), got 5`},
		{`new kafka.Producer({brokers: ["127.0.0.1:1"], tls: {caFile: "/nonexistent/ca.pem"}})`,
			`GoError: kafka: cannot read tls.caFile: open /nonexistent/ca.pem: no such file or directory`},
	}
	for _, tt := range tests {
		if got := e.thrown(tt.code); got != tt.want {
			t.Errorf("%s\n got: %s\nwant: %s", tt.code, got, tt.want)
		}
	}
}

func TestConstants(t *testing.T) {
	e := newJSEnv(t)
	got := e.run(`[kafka.SASL_PLAIN, kafka.SASL_SCRAM_SHA256, kafka.SASL_SCRAM_SHA512, kafka.CODEC_NONE, kafka.CODEC_GZIP,
		kafka.CODEC_SNAPPY, kafka.CODEC_LZ4, kafka.CODEC_ZSTD, kafka.NANOSECOND, kafka.MICROSECOND, kafka.MILLISECOND,
		kafka.SECOND].join(",")`).String()
	want := "plain,scram-sha-256,scram-sha-512,none,gzip,snappy,lz4,zstd,1,1000,1000000,1000000000"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// The constants must be accepted by the options that use them.
	e.run(`new kafka.Producer({brokers: ["127.0.0.1:1"], compression: kafka.CODEC_LZ4, batchTimeout: 5 * kafka.MILLISECOND,
		sasl: {algorithm: kafka.SASL_SCRAM_SHA256, username: "u", password: "p"}}).close()`)
}

func TestProduceAndConsumeRefuseInitContext(t *testing.T) {
	e := newJSEnv(t)
	got := e.thrown(`new kafka.Producer({brokers: ["127.0.0.1:1"], topic: "t"}).produce({messages: [{value: "x"}]})`)
	if want := "GoError: kafka: produce() cannot be called in the init context; call it from the default function, setup or teardown"; got != want {
		t.Fatalf("got %s", got)
	}
	got = e.thrown(`new kafka.Consumer({brokers: ["127.0.0.1:1"], topic: "t"}).consume({maxMessages: 1})`)
	if want := "GoError: kafka: consume() cannot be called in the init context; call it from the default function, setup or teardown"; got != want {
		t.Fatalf("got %s", got)
	}
}

func TestUnreachableBrokersFailFastWithOneLine(t *testing.T) {
	e := newJSEnv(t)
	e.run(`var producer = new kafka.Producer({brokers: ["127.0.0.1:1"], topic: "orders"});
		var admin = new kafka.AdminClient({brokers: ["127.0.0.1:1"]});`)
	reach := "cannot reach brokers 127.0.0.1:1 (dial tcp 127.0.0.1:1: connect: connection refused); check the broker list"

	start := time.Now()
	if got, want := e.thrown(`admin.listTopics()`), "GoError: kafka: "+reach; got != want {
		t.Fatalf("admin error\n got: %s\nwant: %s", got, want)
	}
	if got, want := e.thrown(`admin.createTopic({topic: "orders"})`), "GoError: kafka: "+reach; got != want {
		t.Fatalf("admin error\n got: %s\nwant: %s", got, want)
	}

	e.toVUContext()
	got := e.thrown(`producer.produce({messages: [{value: "a"}, {value: "bc", key: "k"}]})`)
	if want := `GoError: kafka: produce to topic "orders" failed for 2 of 2 messages: ` + reach; got != want {
		t.Fatalf("produce error\n got: %s\nwant: %s", got, want)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("failing took %v; want a bounded, fast failure", elapsed)
	}

	// One produce call yields one set of writer samples tagged with the topic.
	values := map[string]float64{}
	for _, s := range drain(e.samples) {
		if topic, _ := s.Tags.Get("topic"); topic != "orders" {
			t.Fatalf("sample %s has topic tag %q", s.Metric.Name, topic)
		}
		if scenario, _ := s.Tags.Get("scenario"); scenario != "default" {
			t.Fatalf("sample %s lost the VU's tags", s.Metric.Name)
		}
		values[s.Metric.Name] += s.Value
	}
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
	e.run(`producer.close(); producer.close(); admin.close()`)
	if got := e.thrown(`producer.produce({messages: [{value: "a"}]})`); got != "GoError: kafka: produce() called on a closed Producer" {
		t.Fatalf("got %s", got)
	}
}

func drain(ch chan metrics.SampleContainer) []metrics.Sample {
	var out []metrics.Sample
	for {
		select {
		case c := <-ch:
			out = append(out, c.GetSamples()...)
		default:
			return out
		}
	}
}

func TestShareReusesOneClient(t *testing.T) {
	vu1, vu2 := newJSEnv(t), newJSEnv(t)
	key := "share-test-" + strings.ReplaceAll(t.Name(), "/", "-")
	create := `var p = new kafka.Producer({brokers: ["127.0.0.1:1"], topic: "a", share: "` + key + `"})`
	vu1.run(create)
	vu2.run(strings.Replace(create, `topic: "a"`, `topic: "b"`, 1)) // topics are per producer
	if n := poolRefs(key); n != 2 {
		t.Fatalf("refs = %d, want 2", n)
	}
	first := poolLink(key)

	got := vu2.thrown(`new kafka.Producer({brokers: ["127.0.0.1:1"], requiredAcks: 1, share: "` + key + `"})`)
	want := `TypeError: kafka: Producer share "` + key + `" is already open with different requiredAcks; use the same options or another share key`
	if got != want {
		t.Fatalf("conflict error\n got: %s\nwant: %s", got, want)
	}
	if n := poolRefs(key); n != 2 {
		t.Fatalf("a rejected producer changed refs to %d", n)
	}

	vu1.run(`p.close(); p.close()`) // a second close must not drop another reference
	if n := poolRefs(key); n != 1 {
		t.Fatalf("refs after one close = %d, want 1", n)
	}
	vu2.run(`p.close()`)
	if n := poolRefs(key); n != 0 {
		t.Fatalf("refs after last close = %d, want 0", n)
	}
	// The last close really closed the client.
	recErr := first.client.ProduceSync(t.Context(), newRecord("a")).FirstErr()
	if recErr == nil || !strings.Contains(recErr.Error(), "client closed") {
		t.Fatalf("client still open after last close: %v", recErr)
	}

	// After the last close the key can be opened afresh.
	vu1.run(create)
	if poolLink(key) == first {
		t.Fatal("reopened share reused a closed client")
	}
	vu1.run(`p.close()`)
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
