package kafka

import (
	"strings"
	"testing"

	"spate.local/engine/internal/contract"
)

func TestGenerateBuildsTheContractsMessages(t *testing.T) {
	for _, schema := range []string{"basic", "medium", "complex"} {
		t.Run("generate with schema "+schema+" builds contract.Generator's keys and values", func(t *testing.T) {
			out, err := parseJS(t, `{generate: {schema: "`+schema+`", runId: "run-x", firstSeq: 4294967290, count: 700, keys: 97, eventTime: 1764646800123}}`, "orders")
			if err != nil {
				t.Fatal(err)
			}
			s, _ := contract.ParseSchema(schema)
			g := contract.Generator{Schema: s, RunID: "run-x", Keys: 97, EventTime: 1764646800123}
			if len(out.records) != 700 {
				t.Fatalf("%d records, want 700", len(out.records))
			}
			for i, r := range out.records {
				seq := uint64(4294967290 + i)
				if r.Topic != "orders" || string(r.Key) != string(g.AppendKey(nil, seq)) || string(r.Value) != string(g.AppendValue(nil, seq)) {
					t.Fatalf("record %d: topic %q key %q value %q", i, r.Topic, r.Key, r.Value)
				}
				if out.pinned[i] || !r.Timestamp.IsZero() {
					t.Fatalf("record %d is pinned or stamped: %+v", i, r)
				}
			}
		})
	}
}

func TestGenerateReusesTheCallsMemory(t *testing.T) {
	out, err := parseJS(t, `{generate: {runId: "r", firstSeq: 0, count: 100, keys: 10}}`, "t")
	if err != nil {
		t.Fatal(err)
	}
	first := &out.pool[0]
	out.release()
	spec, err := parseGenerateSpec(map[string]any{"runId": "r", "firstSeq": int64(100), "count": int64(50), "keys": int64(10)}, "t")
	if err != nil {
		t.Fatal(err)
	}
	spec.build(out)
	if &out.pool[0] != first || len(out.records) != 50 || !strings.Contains(string(out.records[49].Value), `"seq":149,`) {
		t.Fatalf("second call did not reuse the records or built the wrong ones: %s", out.records[49].Value)
	}
}

func TestGenerateRejectsBadSpecs(t *testing.T) {
	tests := []struct{ name, js, topic, want string }{
		{"messages and generate together are refused", `{messages: [{value: "x"}], generate: {}}`, "t",
			`kafka: produce options "messages" and "generate" exclude each other; set only one`},
		{"an unknown schema is refused", `{generate: {schema: "huge", runId: "r", firstSeq: 0, count: 1, keys: 1}}`, "t",
			`kafka: produce option "generate.schema" must be one of "basic", "medium", "complex", got "huge"`},
		{"a missing run id is refused", `{generate: {firstSeq: 0, count: 1, keys: 1}}`, "t",
			`kafka: produce option "generate.runId" is required (the run id the messages carry)`},
		{"a negative first seq is refused", `{generate: {runId: "r", firstSeq: -1, count: 1, keys: 1}}`, "t",
			`kafka: produce option "generate.firstSeq" must be an integer from 0 to 9007199254740991, got -1`},
		{"a zero count is refused", `{generate: {runId: "r", firstSeq: 0, count: 0, keys: 1}}`, "t",
			`kafka: produce option "generate.count" must be an integer from 1 to 1000000, got 0`},
		{"seqs past 2^53-1 are refused", `{generate: {runId: "r", firstSeq: 9007199254740990, count: 5, keys: 1}}`, "t",
			`kafka: produce option "generate.count" takes the sequence numbers past 2^53-1 (firstSeq 9007199254740990 + count 5)`},
		{"a missing key space is refused", `{generate: {runId: "r", firstSeq: 0, count: 1}}`, "t",
			`kafka: produce option "generate.keys" is required (the size of the key space: keys are k0 .. k<keys-1>)`},
		{"no topic anywhere is refused", `{generate: {runId: "r", firstSeq: 0, count: 1, keys: 1}}`, "",
			`kafka: produce option "generate.topic" is required because the Producer has no default topic`},
		{"a typo in a generate option is refused", `{generate: {runId: "r", firstseq: 0, count: 1, keys: 1}}`, "t",
			`kafka: produce option "generate.firstseq" is not supported (allowed: schema, runId, firstSeq, count, keys, eventTime, topic)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseJS(t, tt.js, tt.topic)
			wantOptionError(t, err, tt.want)
		})
	}
}
