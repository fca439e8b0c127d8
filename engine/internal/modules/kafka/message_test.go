package kafka

import (
	"bytes"

	"github.com/grafana/sobek"
	"testing"
	"time"
)

func TestParseProduceRequestGood(t *testing.T) {
	out, err := parseJS(t, `{messages: [
		{value: "v0"},
		{topic: "other", key: "k1", value: new Uint8Array([1, 2, 3]), partition: 2,
		 headers: {trace: "abc", bin: new Uint8Array([9]).buffer}, time: new Date(1700000000123)},
		{key: new Uint8Array([7, 8]).buffer, value: "v2", time: 1700000000999},
	]}`, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.records) != 3 || len(out.pinned) != 3 {
		t.Fatalf("want 3 records, got %d/%d", len(out.records), len(out.pinned))
	}
	r0, r1, r2 := out.records[0], out.records[1], out.records[2]
	if r0.Topic != "default" || string(r0.Value) != "v0" || r0.Key != nil || out.pinned[0] {
		t.Fatalf("record 0: %+v pinned=%v", r0, out.pinned[0])
	}
	if r1.Topic != "other" || string(r1.Key) != "k1" || !bytes.Equal(r1.Value, []byte{1, 2, 3}) {
		t.Fatalf("record 1 payload: %+v", r1)
	}
	if !out.pinned[1] || r1.Partition != 2 {
		t.Fatalf("record 1 should be pinned to partition 2, got pinned=%v partition=%d", out.pinned[1], r1.Partition)
	}
	if !r1.Timestamp.Equal(time.UnixMilli(1700000000123)) {
		t.Fatalf("record 1 time: %v", r1.Timestamp)
	}
	headers := map[string]string{}
	for _, h := range r1.Headers {
		headers[h.Key] = string(h.Value)
	}
	if len(headers) != 2 || headers["trace"] != "abc" || headers["bin"] != "\x09" {
		t.Fatalf("record 1 headers: %v", headers)
	}
	if !bytes.Equal(r2.Key, []byte{7, 8}) || !r2.Timestamp.Equal(time.UnixMilli(1700000000999)) || out.pinned[2] {
		t.Fatalf("record 2: %+v", r2)
	}
}

func TestParseProduceRequestBad(t *testing.T) {
	tests := []struct {
		js, defaultTopic, want string
	}{
		{`undefined`, "t", `kafka: produce needs an options object, got nothing`},
		{`{}`, "t", `kafka: produce option "messages" is required (a non-empty array of messages), or use generate`},
		{`{messages: []}`, "t", `kafka: produce option "messages" must be a non-empty array of messages, got an array`},
		{`{messages: [{value: "x"}], topic: "t"}`, "t", `kafka: produce option "topic" is not supported (allowed: messages, generate)`},
		{`{messages: ["x"]}`, "t", `kafka: produce option "messages[0]" must be an object, got "x"`},
		{`{messages: [{value: "x"}]}`, "", `kafka: produce option "messages[0].topic" is required because the Producer has no default topic`},
		{`{messages: [{value: "a"}, {key: "k"}]}`, "t", `kafka: produce option "messages[1].value" is required (a string, ArrayBuffer or Uint8Array)`},
		{`{messages: [{value: 42}]}`, "t", `kafka: produce option "messages[0].value" must be a string, ArrayBuffer or Uint8Array, got 42`},
		{`{messages: [{value: "x", key: {a: 1}}]}`, "t", `kafka: produce option "messages[0].key" must be a string, ArrayBuffer or Uint8Array, got an object`},
		{`{messages: [{value: new Int16Array(2)}]}`, "t", `kafka: produce option "messages[0].value" must be a string, ArrayBuffer or Uint8Array, got a typed array other than Uint8Array`},
		{`{messages: [{value: "x", headers: [1]}]}`, "t", `kafka: produce option "messages[0].headers" must be an object of name: value pairs, got an array`},
		{`{messages: [{value: "x", headers: {n: 1}}]}`, "t", `kafka: produce option "messages[0].headers.n" must be a string, ArrayBuffer or Uint8Array, got 1`},
		{`{messages: [{value: "x", time: "now"}]}`, "t", `kafka: produce option "messages[0].time" must be a Date or integer milliseconds since the epoch, got "now"`},
		{`{messages: [{value: "x", partition: -1}]}`, "t", `kafka: produce option "messages[0].partition" must be an integer from 0 to 2147483647, got -1`},
		{`{messages: [{value: "x", offset: 1}]}`, "t", `kafka: produce option "messages[0].offset" is not supported (allowed: topic, key, value, headers, time, partition)`},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.js, func(t *testing.T) {
			_, err := parseJS(t, tt.js, tt.defaultTopic)
			wantOptionError(t, err, tt.want)
		})
	}
}

// parseJS reads a produce() argument written in JS, as a Producer does.
func parseJS(t *testing.T, expr, defaultTopic string) (*outgoing, error) {
	t.Helper()
	rt := sobek.New()
	v, err := rt.RunString("(" + expr + ")")
	if err != nil {
		t.Fatalf("bad test JS %s: %v", expr, err)
	}
	out := &outgoing{}
	return out, parseProduceRequest(rt, v, defaultTopic, out)
}
