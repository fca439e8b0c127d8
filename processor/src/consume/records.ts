// How fetched records travel from the consumer through the intake to the micro-batch: a run of
// one partition's consecutive records, held as positions into the bytes Kafka sent (or into one
// decompressed record batch), not as an object per record. A record becomes a SourceRecord only
// where one is needed (a dead letter, the full decoder).

export interface SourceRecord {
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
}

/** Per record, four int32 slots in `spans`: key start, key end, value start, value end; start -1 = null. */
export const SPAN = 4

export class RecordRun {
  readonly partition: number
  /** The bytes the spans point into. */
  readonly data: Buffer
  /** Each record's offset (offsets stay far below 2^53). */
  readonly offsets: Float64Array
  readonly spans: Int32Array
  /** The records of this run: indexes [start, end) of offsets and spans. */
  readonly start: number
  readonly end: number

  constructor (partition: number, data: Buffer, offsets: Float64Array, spans: Int32Array, start: number, end: number) {
    this.partition = partition
    this.data = data
    this.offsets = offsets
    this.spans = spans
    this.start = start
    this.end = end
  }

  get length (): number {
    return this.end - this.start
  }

  /** The same records from index `from` to `to` (absolute indexes). */
  slice (from: number, to = this.end): RecordRun {
    return new RecordRun(this.partition, this.data, this.offsets, this.spans, Math.max(from, this.start), Math.min(to, this.end))
  }

  /** Index of the first record at or past `offset` (end when there is none). */
  indexOf (offset: number): number {
    let i = this.start
    while (i < this.end && (this.offsets[i] as number) < offset) i++
    return i
  }

  /** Bytes of keys and values in the run. */
  get bytes (): number {
    let total = 0
    const spans = this.spans
    for (let i = this.start * SPAN; i < this.end * SPAN; i += SPAN) {
      if ((spans[i] as number) >= 0) total += (spans[i + 1] as number) - (spans[i] as number)
      if ((spans[i + 2] as number) >= 0) total += (spans[i + 3] as number) - (spans[i + 2] as number)
    }
    return total
  }

  /** Record i as an object (its key and value are views of the run's bytes). */
  record (i: number): SourceRecord {
    const s = i * SPAN
    const spans = this.spans
    const keyStart = spans[s] as number
    const valueStart = spans[s + 2] as number
    return {
      partition: this.partition,
      offset: BigInt(this.offsets[i] as number),
      key: keyStart < 0 ? null : this.data.subarray(keyStart, spans[s + 1]),
      value: valueStart < 0 ? null : this.data.subarray(valueStart, spans[s + 3]),
    }
  }
}
