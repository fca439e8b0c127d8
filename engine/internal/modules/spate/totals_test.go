package spate

import (
	"math/big"
	"testing"

	"spate.local/engine/internal/contract"
)

func TestTotalsAreExact(t *testing.T) {
	tests := []struct {
		name   string
		ranges [][2]uint64 // first, n
	}{
		{"small batches from zero sum as n(n-1)/2", [][2]uint64{{0, 500}, {500, 500}, {1000, 1}}},
		{"sequence numbers near 2^53 sum past 2^53 exactly", [][2]uint64{{1<<53 - 1000, 999}, {1<<52 + 7, 1000}}},
		{"a batch whose own sum passes 2^64 stays exact", [][2]uint64{{1<<53 - 1_000_001, 1_000_000}, {1<<53 - 2_000_001, 1_000_000}}},
		{"an empty batch changes nothing", [][2]uint64{{42, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got totals
			var wantCount uint64
			var wantSum big.Int
			var wantHash uint32
			for _, r := range tt.ranges {
				got.addRange(r[0], r[1])
				for seq := r[0]; seq < r[0]+r[1]; seq++ {
					wantCount++
					wantSum.Add(&wantSum, new(big.Int).SetUint64(seq))
					wantHash += contract.MixSeq(seq)
				}
			}
			if got.count != wantCount || got.seqSum.Cmp(&wantSum) != 0 || got.seqHash != wantHash {
				t.Fatalf("got count %d seqSum %s seqHash %d, want %d %s %d", got.count, got.seqSum.String(), got.seqHash, wantCount, wantSum.String(), wantHash)
			}
		})
	}
}

func TestAddHashSumsLedgerFields(t *testing.T) {
	var got totals
	for _, h := range []map[string]string{
		{"count": "3", "seqSum": "9007199254740993", "seqHash": "4294967297"},
		{"count": "2", "seqSum": "9007199254740993", "seqHash": "4294967295"},
		{"start": "0"},
	} {
		if err := got.addHash("k", h); err != nil {
			t.Fatal(err)
		}
	}
	if got.count != 5 || got.seqSum.String() != "18014398509481986" || got.seqHash != 0 {
		t.Fatalf("got count %d seqSum %s seqHash %d", got.count, got.seqSum.String(), got.seqHash)
	}
	if err := got.addHash("spate:ledger:r:0:1", map[string]string{"seqSum": "1.5"}); err == nil || err.Error() != `spate: ledger key "spate:ledger:r:0:1" has seqSum "1.5", not an integer` {
		t.Fatalf("got %v", err)
	}
}
