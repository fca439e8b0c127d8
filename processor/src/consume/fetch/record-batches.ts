// Kafka's record batches (message format v2) read into record runs (consume/records.ts): a walk
// over the varints that notes where each record's key and value lie and its offset, without
// copying a byte. What a read-committed consumer must skip is skipped here: control batches,
// and the batches of transactions the fetch response lists as aborted. Compressed batches are
// inflated first (gzip; the other codecs are refused with a clear error).
import { gunzipSync } from 'node:zlib'
import { RecordRun, SPAN } from '../records.ts'

const HEADER = 61
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export interface AbortedTransaction { producerId: bigint, firstOffset: number }

/** A record batch the fetch client cannot read; the message names the fix. */
export class RecordBatchError extends Error {}

export interface WalkResult {
  runs: RecordRun[]
  /** The offset to fetch next: past the last complete batch, or `from` when there was none. */
  next: number
}

/**
 * The records of `records` (a partition's record set in a fetch response) at or past `from`.
 * A batch cut short at the end of the set (the fetch's size limit) is left for the next fetch.
 */
export function readRecordBatches (records: Buffer, partition: number, from: number, aborted: readonly AbortedTransaction[]): WalkResult {
  const runs: RecordRun[] = []
  let next = from
  // Records of plain batches all point into `records`: one run for them, sized by a first pass.
  let plainCount = 0
  for (let at = 0; at + HEADER <= records.length;) {
    const size = 12 + records.readInt32BE(at + 8)
    if (at + size > records.length) break
    if ((records.readInt16BE(at + 21) & 0x07) === 0) plainCount += records.readInt32BE(at + 57)
    at += size
  }
  const offsets = new Float64Array(plainCount)
  const spans = new Int32Array(plainCount * SPAN)
  let count = 0
  // Plain records since the last compressed batch: runs stay in offset order.
  let segment = 0
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset)
  const abortedProducers = new Set<bigint>()

  for (let at = 0; at + HEADER <= records.length;) {
    const size = 12 + records.readInt32BE(at + 8)
    if (at + size > records.length) break
    const batchEnd = at + size
    const baseOffset = records.readInt32BE(at) * 0x1_0000_0000 + records.readUInt32BE(at + 4)
    const magic = records.readInt8(at + 16)
    if (magic !== 2) throw new RecordBatchError(`partition ${partition} holds a record batch in message format v${magic} at offset ${baseOffset}; only v2 (Kafka 0.11 and later) is read`)
    const attributes = records.readInt16BE(at + 21)
    const lastOffset = baseOffset + records.readInt32BE(at + 23)
    const producerId = records.readBigInt64BE(at + 43)
    const recordCount = records.readInt32BE(at + 57)
    const codec = attributes & 0x07
    const transactional = (attributes & 0x10) !== 0
    const control = (attributes & 0x20) !== 0
    while (pending.length > 0 && (pending[0] as AbortedTransaction).firstOffset <= lastOffset) abortedProducers.add((pending.shift() as AbortedTransaction).producerId)

    const skip = lastOffset < from || control || (transactional && abortedProducers.has(producerId))
    if (control && abortedProducers.has(producerId) && codec === 0 && isAbortMarker(records, at + HEADER, batchEnd)) abortedProducers.delete(producerId)
    if (!skip) {
      if (codec === 0) {
        count = walk(records, at + HEADER, batchEnd, baseOffset, recordCount, from, offsets, spans, count)
      } else {
        if (codec !== 1) throw new RecordBatchError(`partition ${partition} holds records compressed with ${CODECS[codec] ?? `codec ${codec}`} at offset ${baseOffset}; the processor reads uncompressed and gzip batches: produce with compression none or gzip`)
        if (count > segment) runs.push(new RecordRun(partition, records, offsets, spans, segment, count))
        segment = count
        const inflated = gunzipSync(records.subarray(at + HEADER, batchEnd))
        const own = new Float64Array(recordCount)
        const ownSpans = new Int32Array(recordCount * SPAN)
        const n = walk(inflated, 0, inflated.length, baseOffset, recordCount, from, own, ownSpans, 0)
        if (n > 0) runs.push(new RecordRun(partition, inflated, own, ownSpans, 0, n))
      }
    }
    next = Math.max(next, lastOffset + 1)
    at = batchEnd
  }
  if (count > segment) runs.push(new RecordRun(partition, records, offsets, spans, segment, count))
  return { runs, next }
}

/** Walks `count` records in [at, end); notes those at or past `from`. Returns the new record count. */
function walk (data: Buffer, at: number, end: number, baseOffset: number, recordCount: number, from: number, offsets: Float64Array, spans: Int32Array, count: number): number {
  const cursor = { at }
  for (let r = 0; r < recordCount; r++) {
    const length = varint(data, cursor)
    const recordEnd = cursor.at + length
    if (length < 0 || recordEnd > end) throw new RecordBatchError(`a record at offset ${baseOffset} runs past its batch; the partition's log may be damaged`)
    cursor.at++ // attributes
    skipVarint(data, cursor) // timestamp delta
    const offset = baseOffset + varint(data, cursor)
    const keyLength = varint(data, cursor)
    const keyStart = cursor.at
    if (keyLength > 0) cursor.at += keyLength
    const valueLength = varint(data, cursor)
    const valueStart = cursor.at
    if (offset >= from) {
      offsets[count] = offset
      const s = count * SPAN
      spans[s] = keyLength < 0 ? -1 : keyStart
      spans[s + 1] = keyLength < 0 ? -1 : keyStart + keyLength
      spans[s + 2] = valueLength < 0 ? -1 : valueStart
      spans[s + 3] = valueLength < 0 ? -1 : valueStart + valueLength
      count++
    }
    cursor.at = recordEnd
  }
  return count
}

/** A control batch's first record says whether the transaction was aborted (type 0) or committed (1). */
function isAbortMarker (data: Buffer, at: number, end: number): boolean {
  const cursor = { at }
  varint(data, cursor) // length
  cursor.at++ // attributes
  skipVarint(data, cursor) // timestamp delta
  skipVarint(data, cursor) // offset delta
  const keyLength = varint(data, cursor)
  if (keyLength < 4 || cursor.at + 4 > end) return false
  return data.readInt16BE(cursor.at + 2) === 0
}

/** A zigzag varint (int32). */
function varint (data: Buffer, cursor: { at: number }): number {
  let value = 0
  let shift = 0
  let byte: number
  do {
    byte = data[cursor.at++] as number
    value |= (byte & 0x7f) << shift
    shift += 7
  } while ((byte & 0x80) !== 0 && shift < 35)
  return (value >>> 1) ^ -(value & 1)
}

function skipVarint (data: Buffer, cursor: { at: number }): void {
  while (((data[cursor.at++] as number) & 0x80) !== 0);
}
