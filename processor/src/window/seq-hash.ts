// The ledger's sequence hash (docs/sink.md): a 32-bit mix of a record's seq number. The
// processor sums it per run, window and partition; the load scripts sum it per produced batch; a
// verifier compares the two sums modulo 2^32. Pure arithmetic, shared by both sides.
export function mixSeq (seq: number): number {
  // A murmur3-style finaliser over the low and high halves; fast and well spread.
  let h = (seq ^ Math.floor(seq / 0x100000000)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}
