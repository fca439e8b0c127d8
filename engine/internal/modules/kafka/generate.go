package kafka

import (
	"time"

	"spate.local/engine/internal/contract"
)

// maxGenerateCount bounds one generated call: its records are built in memory at once.
const maxGenerateCount = 1_000_000

// maxSafeInteger is JS's Number.MAX_SAFE_INTEGER: sequence numbers and key spaces beyond it
// could not be written by the TypeScript generator either.
const maxSafeInteger = 1<<53 - 1

var generateOptionNames = []string{"schema", "runId", "firstSeq", "count", "keys", "eventTime", "topic"}

// generateSpec is produce({generate}): count messages with sequence numbers firstSeq.., built
// natively and byte-identical to scripts/lib/messages.ts's message(schema, runId, seq, keys,
// eventTime). It exists because building messages in JS caps a VU far below what Kafka takes.
type generateSpec struct {
	gen      contract.Generator
	firstSeq uint64
	count    int
	topic    string
}

func parseGenerateSpec(v any, defaultTopic string) (generateSpec, error) {
	var spec generateSpec
	o, err := newOptions("produce", "generate.", v, generateOptionNames...)
	if err != nil {
		return spec, err
	}
	if name, ok, err := o.choice("schema", "basic", "medium", "complex"); err != nil {
		return spec, err
	} else if ok {
		spec.gen.Schema, _ = contract.ParseSchema(name)
	}
	runID, ok, err := o.str("runId")
	if err != nil {
		return spec, err
	}
	if !ok {
		return spec, o.errorf("runId", "is required (the run id the messages carry)")
	}
	spec.gen.RunID = runID
	first, ok, err := o.integer("firstSeq", 0, maxSafeInteger)
	if err != nil {
		return spec, err
	}
	if !ok {
		return spec, o.errorf("firstSeq", "is required (the sequence number of the first message)")
	}
	spec.firstSeq = uint64(first)
	count, ok, err := o.integer("count", 1, maxGenerateCount)
	if err != nil {
		return spec, err
	}
	if !ok {
		return spec, o.errorf("count", "is required (how many messages to produce, 1 to %d)", maxGenerateCount)
	}
	if first+count-1 > maxSafeInteger {
		return spec, o.errorf("count", "takes the sequence numbers past 2^53-1 (firstSeq %d + count %d)", first, count)
	}
	spec.count = int(count)
	keys, ok, err := o.integer("keys", 1, maxSafeInteger)
	if err != nil {
		return spec, err
	}
	if !ok {
		return spec, o.errorf("keys", "is required (the size of the key space: keys are k0 .. k<keys-1>)")
	}
	spec.gen.Keys = uint64(keys)
	if t, ok, err := o.number("eventTime", 0, 8.64e15); err != nil {
		return spec, err
	} else if ok {
		spec.gen.EventTime = t
	} else {
		spec.gen.EventTime = float64(time.Now().UnixMilli())
	}
	if spec.topic, ok, err = o.str("topic"); err != nil {
		return spec, err
	} else if !ok {
		spec.topic = defaultTopic
	}
	if spec.topic == "" {
		return spec, o.errorf("topic", "is required because the Producer has no default topic")
	}
	return spec, nil
}

// build writes the records into out, reusing its arena: keys and values are appended first and
// sliced after, because appending may move the arena.
func (spec generateSpec) build(out *outgoing) {
	out.reset(spec.count)
	arena := out.arena[:0]
	type span struct{ key, value int }
	ends := make([]span, spec.count)
	for i := range spec.count {
		seq := spec.firstSeq + uint64(i)
		arena = spec.gen.AppendKey(arena, seq)
		ends[i].key = len(arena)
		arena = spec.gen.AppendValue(arena, seq)
		ends[i].value = len(arena)
	}
	out.arena = arena
	start := 0
	for i, e := range ends {
		r := out.records[i]
		r.Topic = spec.topic
		r.Key = arena[start:e.key:e.key]
		r.Value = arena[e.key:e.value:e.value]
		start = e.value
	}
}
