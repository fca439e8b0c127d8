package kafka

import (
	"fmt"
	"math"
	"time"

	"github.com/grafana/sobek"
	"github.com/twmb/franz-go/pkg/kgo"
)

// outgoing is one produce() call translated into franz-go records.
type outgoing struct {
	records []*kgo.Record
	// pinned[i] is true when the script chose records[i].Partition itself.
	pinned []bool
}

var messageOptionNames = []string{"topic", "key", "value", "headers", "time", "partition"}

// parseProduceRequest reads produce({messages: [...]}). Byte slices coming
// from ArrayBuffers and Uint8Arrays alias JS memory; that is safe because
// produce() does not return to JS until franz-go is done with the records.
func parseProduceRequest(v any, defaultTopic string) (outgoing, error) {
	var out outgoing
	o, err := newOptions("produce", "", v, "messages")
	if err != nil {
		return out, err
	}
	raw, ok := o.get("messages")
	if !ok {
		return out, o.errorf("messages", "is required (a non-empty array of messages)")
	}
	list, isList := raw.([]any)
	if !isList || len(list) == 0 {
		return out, o.errorf("messages", "must be a non-empty array of messages, got %s", describe(raw))
	}
	out.records = make([]*kgo.Record, 0, len(list))
	out.pinned = make([]bool, 0, len(list))
	for i, item := range list {
		m, err := newOptions("produce", fmt.Sprintf("messages[%d].", i), item, messageOptionNames...)
		if err != nil {
			return out, err
		}
		rec, pinned, err := parseMessage(m, defaultTopic)
		if err != nil {
			return out, err
		}
		out.records = append(out.records, rec)
		out.pinned = append(out.pinned, pinned)
	}
	return out, nil
}

func parseMessage(m *options, defaultTopic string) (*kgo.Record, bool, error) {
	rec := &kgo.Record{}
	topic, ok, err := m.str("topic")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		topic = defaultTopic
	}
	if topic == "" {
		return nil, false, m.errorf("topic", "is required because the Producer has no default topic")
	}
	rec.Topic = topic
	if raw, ok := m.get("key"); ok {
		if rec.Key, ok = asBytes(raw); !ok {
			return nil, false, m.errorf("key", "must be a string, ArrayBuffer or Uint8Array, got %s", describe(raw))
		}
	}
	raw, ok := m.get("value")
	if !ok {
		return nil, false, m.errorf("value", "is required (a string, ArrayBuffer or Uint8Array)")
	}
	if rec.Value, ok = asBytes(raw); !ok {
		return nil, false, m.errorf("value", "must be a string, ArrayBuffer or Uint8Array, got %s", describe(raw))
	}
	if rec.Headers, err = readHeaders(m); err != nil {
		return nil, false, err
	}
	if raw, ok := m.get("time"); ok {
		if t, isTime := raw.(time.Time); isTime {
			rec.Timestamp = t
		} else if ms, isInt := asInteger(raw); isInt {
			rec.Timestamp = time.UnixMilli(ms)
		} else {
			return nil, false, m.errorf("time", "must be a Date or integer milliseconds since the epoch, got %s", describe(raw))
		}
	}
	n, pinned, err := m.integer("partition", 0, math.MaxInt32)
	if err != nil {
		return nil, false, err
	}
	rec.Partition = int32(n)
	return rec, pinned, nil
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

// asBytes accepts the payload types scripts use: strings (UTF-8 encoded),
// ArrayBuffers and Uint8Arrays (which sobek exports as []byte).
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
