// Package contract is the Go side of what spate's load scripts and its processor agree on: the
// message format of scripts/lib/messages.ts and the ledger's sequence mix of
// contract/seq-hash.ts. Both are byte-for-byte and bit-for-bit the TypeScript ones,
// so records generated natively are indistinguishable from records a script built.
package contract

// MixSeq is mixSeq of contract/seq-hash.ts: a murmur3-style finaliser over the low
// and high 32-bit halves of seq. seq is a JS safe integer (below 2^53) in practice.
func MixSeq(seq uint64) uint32 {
	h := uint32(seq) ^ uint32(seq>>32)
	h = (h ^ h>>16) * 0x85ebca6b
	h = (h ^ h>>13) * 0xc2b2ae35
	return h ^ h>>16
}

// SeqHashRange is the sum of MixSeq over [first, first+n), modulo 2^32.
func SeqHashRange(first, n uint64) uint32 {
	var sum uint32
	for seq := first; seq < first+n; seq++ {
		sum += MixSeq(seq)
	}
	return sum
}
