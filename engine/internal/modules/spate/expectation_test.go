package spate

import (
	"encoding/json"
	"math"
	"testing"

	"spate.local/engine/internal/contract"
)

func TestExpectationMatchesTheGeneratedRecords(t *testing.T) {
	tests := []struct {
		name      string
		schema    contract.Schema
		keys      uint64
		eventTime float64
	}{
		{"basic records sum their values per key", contract.Basic, 7, 1_700_000_003_250},
		{"medium records, whose values come from the random sequence, sum the same", contract.Medium, 13, 1_700_000_001_999},
		{"complex records sum the same", contract.Complex, 3, 1_700_000_004_999},
		{"one key holds every record", contract.Basic, 1, 1_700_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newExpectation("run-exp", tt.schema, tt.keys, 5000)
			e.add(100, 250, tt.eventTime)
			e.add(350, 50, tt.eventTime+5000)
			// What a pipeline decoding the generator's bytes would aggregate.
			g := contract.Generator{Schema: tt.schema, RunID: "run-exp", Keys: tt.keys}
			want := map[cell]cellWant{}
			for seq := uint64(100); seq < 400; seq++ {
				g.EventTime = tt.eventTime
				if seq >= 350 {
					g.EventTime = tt.eventTime + 5000
				}
				var m struct {
					Key       string  `json:"key"`
					EventTime float64 `json:"eventTime"`
					Value     float64 `json:"value"`
				}
				if err := json.Unmarshal(g.AppendValue(nil, seq), &m); err != nil {
					t.Fatal(err)
				}
				if string(g.AppendKey(nil, seq)) != m.Key {
					t.Fatalf("key of %d: %s vs %s", seq, g.AppendKey(nil, seq), m.Key)
				}
				start := int64(m.EventTime) - int64(m.EventTime)%5000
				c := cell{window: start, key: seq % tt.keys}
				w := want[c]
				w.count++
				w.cents += int64(math.Round(m.Value * 100))
				want[c] = w
			}
			got, records := e.snapshot()
			if records != 300 {
				t.Fatalf("records %d, want 300", records)
			}
			if len(got) != len(want) {
				t.Fatalf("%d cells, want %d", len(got), len(want))
			}
			for c, w := range want {
				if got[c] != w {
					t.Fatalf("cell %+v: got %+v, want %+v", c, got[c], w)
				}
			}
		})
	}
}

func TestWindowOfAlignsToTheEpoch(t *testing.T) {
	e := newExpectation("run-w", contract.Basic, 1, 5000)
	tests := []struct {
		name      string
		eventTime float64
		want      int64
	}{
		{"a time inside a window maps to its start", 1_700_000_003_250, 1_700_000_000_000},
		{"a window's start belongs to it", 1_700_000_005_000, 1_700_000_005_000},
		{"the last millisecond belongs to the window before", 1_700_000_004_999.9, 1_700_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.windowOf(tt.eventTime); got != tt.want {
				t.Fatalf("windowOf(%v) = %d, want %d", tt.eventTime, got, tt.want)
			}
		})
	}
}
