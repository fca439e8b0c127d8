// The ledger's sequence hash (docs/sink.md): a 32-bit mix of a record's seq number. The
// processor sums it per run, window and partition; the load scripts sum it per produced batch; a
// verifier compares the two sums modulo 2^32. Pure arithmetic: no Node or k6 APIs, both import it.
export function mixSeq (seq: number): number {
  // A murmur3-style finaliser over the low and high halves; fast and well spread.
  let h = (seq ^ Math.floor(seq / 0x100000000)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** Sum of mixSeq over [first, first + n), modulo 2^32: what a produced batch adds to the ledger. */
export function mixSeqRange (first: number, n: number): number {
  let sum = 0
  for (let seq = first; seq < first + n; seq++) sum = (sum + mixSeq(seq)) >>> 0
  return sum
}
