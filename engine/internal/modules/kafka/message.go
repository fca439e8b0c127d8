package kafka

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/grafana/sobek"
	"github.com/twmb/franz-go/pkg/kgo"
)

// outgoing is one produce() call translated into franz-go records. A producer keeps one and
// reuses its records and buffers from call to call: produce() returns only after franz-go has
// finished with every record of the call.
type outgoing struct {
	records []*kgo.Record
	// pinned[i] is true when the script chose records[i].Partition itself.
	pinned []bool
	// pool holds the record structs behind records; arena the generated keys and values.
	pool  []kgo.Record
	arena []byte
	// fields is reused for each message's fields, so reading a message allocates no map.
	fields map[string]any
}

// reset prepares for a call of n records.
func (out *outgoing) reset(n int) {
	if cap(out.pool) < n {
		out.pool = make([]kgo.Record, n)
		out.records = make([]*kgo.Record, n)
		out.pinned = make([]bool, n)
	}
	out.pool = out.pool[:n]
	out.records = out.records[:n]
	out.pinned = out.pinned[:n]
	for i := range out.pool {
		out.pool[i] = kgo.Record{}
		out.records[i] = &out.pool[i]
		out.pinned[i] = false
	}
}

// release drops the records' references to keys and values (JS memory among them) once franz-go
// is done with them, keeping the structs for the next call.
func (out *outgoing) release() {
	for i := range out.pool {
		out.pool[i] = kgo.Record{}
	}
}

// abandon forgets records franz-go may still hold, so that no later call reuses them.
func (out *outgoing) abandon() {
	out.pool, out.records, out.pinned, out.arena = nil, nil, nil, nil
}

var messageOptionNames = []string{"topic", "key", "value", "headers", "time", "partition"}

// parseProduceRequest reads produce({messages: [...]}) or produce({generate: {...}}) into out.
// Messages are read field by field with sobek's object API instead of exporting the whole array
// to Go maps, which costs more than producing them. Byte slices from ArrayBuffers and
// Uint8Arrays alias JS memory; that is safe because produce() does not return to JS until
// franz-go is done with the records.
func parseProduceRequest(rt *sobek.Runtime, arg sobek.Value, defaultTopic string, out *outgoing) error {
	top, ok := arg.(*sobek.Object)
	if !ok || sobek.IsUndefined(arg) || sobek.IsNull(arg) {
		_, err := newOptions("produce", "", exportArg(arg), "messages", "generate")
		return err
	}
	head := map[string]any{}
	for _, k := range top.Keys() {
		switch k {
		case "messages", "generate":
			head[k] = sobek.Undefined() // read below, without exporting
		default:
			head[k] = nil
		}
	}
	o, err := newOptions("produce", "", head, "messages", "generate")
	if err != nil {
		return err
	}
	messages, generate := top.Get("messages"), top.Get("generate")
	hasMessages := messages != nil && !sobek.IsUndefined(messages) && !sobek.IsNull(messages)
	hasGenerate := generate != nil && !sobek.IsUndefined(generate) && !sobek.IsNull(generate)
	switch {
	case hasMessages && hasGenerate:
		return &optionError{`kafka: produce options "messages" and "generate" exclude each other; set only one`}
	case hasGenerate:
		spec, err := parseGenerateSpec(exportArg(generate), defaultTopic)
		if err != nil {
			return err
		}
		spec.build(out)
		return nil
	case !hasMessages:
		return o.errorf("messages", "is required (a non-empty array of messages), or use generate")
	}
	list, isArray := messages.(*sobek.Object)
	if !isArray || list.ClassName() != "Array" {
		return o.errorf("messages", "must be a non-empty array of messages, got %s", describe(exportArg(messages)))
	}
	n := int(list.Get("length").ToInteger())
	if n == 0 {
		return o.errorf("messages", "must be a non-empty array of messages, got an array")
	}
	out.reset(n)
	if out.fields == nil {
		out.fields = map[string]any{}
	}
	for i := range n {
		if err := parseMessage(list.Get(strconv.Itoa(i)), defaultTopic, out, i); err != nil {
			return err
		}
	}
	return nil
}

// messagePrefixes caches "messages[i]." for error messages, so reading a message formats nothing.
var messagePrefixes struct {
	sync.Mutex
	list []string
}

func messagePrefix(i int) string {
	messagePrefixes.Lock()
	defer messagePrefixes.Unlock()
	for len(messagePrefixes.list) <= i {
		messagePrefixes.list = append(messagePrefixes.list, fmt.Sprintf("messages[%d].", len(messagePrefixes.list)))
	}
	return messagePrefixes.list[i]
}

// parseMessage reads messages[i] into out.records[i]. Fields are looked up by name. Only the
// first message's keys are checked for unknown options: the messages of one call are built by
// the same code, so a misspelled field shows there, and listing every message's keys would
// cost more than producing it.
func parseMessage(item sobek.Value, defaultTopic string, out *outgoing, i int) error {
	obj, isObj := item.(*sobek.Object)
	if !isObj || obj.ClassName() != "Object" {
		_, err := newOptions("produce", fmt.Sprintf("messages[%d].", i), exportArg(item), messageOptionNames...)
		return err
	}
	clear(out.fields)
	if i == 0 {
		for _, k := range obj.Keys() {
			out.fields[k] = nil
		}
	}
	for _, k := range messageOptionNames {
		if v := obj.Get(k); v != nil {
			out.fields[k] = exportArg(v)
		}
	}
	m, err := newOptions("produce", messagePrefix(i), out.fields, messageOptionNames...)
	if err != nil {
		return err
	}
	rec := out.records[i]
	topic, ok, err := m.str("topic")
	if err != nil {
		return err
	}
	if !ok {
		topic = defaultTopic
	}
	if topic == "" {
		return m.errorf("topic", "is required because the Producer has no default topic")
	}
	rec.Topic = topic
	if raw, ok := m.get("key"); ok {
		if rec.Key, ok = asBytes(raw); !ok {
			return m.errorf("key", "must be a string, ArrayBuffer or Uint8Array, got %s", describe(raw))
		}
	}
	raw, ok := m.get("value")
	if !ok {
		return m.errorf("value", "is required (a string, ArrayBuffer or Uint8Array)")
	}
	if rec.Value, ok = asBytes(raw); !ok {
		return m.errorf("value", "must be a string, ArrayBuffer or Uint8Array, got %s", describe(raw))
	}
	if rec.Headers, err = readHeaders(m); err != nil {
		return err
	}
	if raw, ok := m.get("time"); ok {
		if t, isTime := raw.(time.Time); isTime {
			rec.Timestamp = t
		} else if ms, isInt := asInteger(raw); isInt {
			rec.Timestamp = time.UnixMilli(ms)
		} else {
			return m.errorf("time", "must be a Date or integer milliseconds since the epoch, got %s", describe(raw))
		}
	}
	p, pinned, err := m.integer("partition", 0, math.MaxInt32)
	if err != nil {
		return err
	}
	rec.Partition = int32(p)
	out.pinned[i] = pinned
	return nil
}

func readHeaders(m *options) ([]kgo.RecordHeader, error) {
	raw, ok := m.get("headers")
	if !ok {
		return nil, nil
	}
	obj, isObj := raw.(map[string]any)
	if !isObj {
		return nil, m.errorf("headers", "must be an object of name: value pairs, got %s", describe(raw))
	}
	headers := make([]kgo.RecordHeader, 0, len(obj))
	for name, v := range obj {
		b, ok := asBytes(v)
		if !ok {
			return nil, m.errorf("headers."+name, "must be a string, ArrayBuffer or Uint8Array, got %s", describe(v))
		}
		headers = append(headers, kgo.RecordHeader{Key: name, Value: b})
	}
	return headers, nil
}

// asBytes accepts the payload types scripts use: strings (UTF-8 encoded), ArrayBuffers and
// Uint8Arrays (which sobek exports as []byte).
func asBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case string:
		return []byte(x), true
	case []byte:
		return x, true
	case sobek.ArrayBuffer:
		return x.Bytes(), true
	}
	return nil, false
}
