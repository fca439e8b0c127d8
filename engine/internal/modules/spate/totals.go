package spate

import (
	"fmt"
	"math/big"
	"strconv"

	"spate.local/engine/internal/contract"
)

// totals is what a ledger accumulates: a record count, the exact sum of the records' sequence
// numbers (it passes 2^53, and per batch even 2^64 for huge seqs, so it is a big.Int) and the
// sum of their mixes modulo 2^32 (docs/sink.md).
type totals struct {
	count   uint64
	seqSum  big.Int
	seqHash uint32
}

// addRange adds the records first .. first+n-1: seqSum grows by n*first + n(n-1)/2.
func (t *totals) addRange(first, n uint64) {
	t.count += n
	var a, b big.Int
	a.SetUint64(n)
	a.Mul(&a, b.SetUint64(first))
	t.seqSum.Add(&t.seqSum, &a)
	if n > 0 {
		a.SetUint64(n)
		a.Mul(&a, b.SetUint64(n-1))
		a.Rsh(&a, 1)
		t.seqSum.Add(&t.seqSum, &a)
	}
	t.seqHash += contract.SeqHashRange(first, n)
}

func (t *totals) merge(o *totals) {
	t.count += o.count
	t.seqSum.Add(&t.seqSum, &o.seqSum)
	t.seqHash += o.seqHash
}

func (t *totals) empty() bool { return t.count == 0 }

// addHash reads one ledger hash's fields (HGETALL's strings) into t. Missing fields count as 0.
func (t *totals) addHash(key string, h map[string]string) error {
	if s, ok := h["count"]; ok {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("spate: ledger key %q has count %q, not a whole number", key, s)
		}
		t.count += n
	}
	if s, ok := h["seqSum"]; ok {
		var v big.Int
		if _, ok := v.SetString(s, 10); !ok {
			return fmt.Errorf("spate: ledger key %q has seqSum %q, not an integer", key, s)
		}
		t.seqSum.Add(&t.seqSum, &v)
	}
	if s, ok := h["seqHash"]; ok {
		var v big.Int
		if _, ok := v.SetString(s, 10); !ok {
			return fmt.Errorf("spate: ledger key %q has seqHash %q, not an integer", key, s)
		}
		t.seqHash += uint32(new(big.Int).And(&v, big.NewInt(0xffffffff)).Uint64())
	}
	return nil
}
