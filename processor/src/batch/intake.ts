// The buffer between the Kafka consumer and the micro-batch loop, and the rate throttle.
//
// Backpressure: while the buffer is over its bounds, the consumer's handler waits, so kafkajs
// fetches nothing more. Throttle: Spark-style maxRatePerPartition; a batch takes at most about
// one second of a partition's rate, so the sleep after a batch stays short and never holds a
// checkpoint back for long.
import type { ProcessorConfig } from '../config/types.ts'
import type { GroupConsumer, SourceRecord } from '../consume/group-consumer.ts'
import type { ProcessorMetrics } from '../metrics/metrics.ts'

export class Intake {
  private buffer: SourceRecord[] = []
  private bytes = 0
  private throttled = false
  private readonly config: ProcessorConfig
  private readonly metrics: ProcessorMetrics
  private readonly consumer: GroupConsumer
  private readonly stopping: () => boolean
  private readonly applied: (partition: number, offset: bigint) => boolean

  /**
   * applied(partition, offset): the record is already in the partition's state (below its next
   * offset), as after a rebalance, when the consumer reads again from the committed offsets that
   * trail the checkpoints. Such records are left out at once: the batch would skip them anyway,
   * and buffered they would count against the rate cap and the buffer's bounds.
   */
  constructor (config: ProcessorConfig, metrics: ProcessorMetrics, consumer: GroupConsumer, stopping: () => boolean, applied: (partition: number, offset: bigint) => boolean) {
    this.config = config
    this.metrics = metrics
    this.consumer = consumer
    this.stopping = stopping
    this.applied = applied
  }

  get length (): number {
    return this.buffer.length
  }

  /** Records a batch may take from one partition: about a second's worth at the capped rate. */
  get perPartitionCap (): number {
    const rate = this.config.backpressure.maxRatePerPartition
    return rate === 0 ? Infinity : Math.max(1, Math.ceil(rate * Math.max(this.config.batch.maxWait, 1000) / 1000))
  }

  /** Takes a fetched batch into the buffer; waits while the buffer is over its bounds. */
  async enqueue (records: SourceRecord[], payload: { heartbeat: () => Promise<void>, isStale: () => boolean }): Promise<void> {
    for (const record of records) {
      if (this.applied(record.partition, record.offset)) continue
      this.buffer.push(record)
      this.bytes += sizeOf(record)
    }
    const { maxBufferedRecords, maxBufferedBytes } = this.config.backpressure
    let waited = 0
    while ((this.buffer.length >= maxBufferedRecords || this.bytes >= maxBufferedBytes) && !this.stopping() && !payload.isStale()) {
      this.metrics.paused.set(1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      // Waiting must not cost the group membership.
      if ((waited += 20) % 1000 === 0) await payload.heartbeat().catch(() => {})
    }
    this.metrics.paused.set(this.throttled ? 1 : 0)
    this.metrics.bufferedRecords.set(this.buffer.length)
  }

  /** Forgets buffered records (of one partition, or all): the consumer reads them again. */
  drop (partition?: number): void {
    const kept = partition === undefined ? [] : this.buffer.filter((record) => record.partition !== partition)
    if (kept.length === this.buffer.length) return
    this.buffer = kept
    this.bytes = 0
    for (const record of kept) this.bytes += sizeOf(record)
    this.metrics.bufferedRecords.set(this.buffer.length)
  }

  /** Up to maxRecords buffered records, at most perPartitionCap of each partition, in fetch order. */
  take (maxRecords: number): SourceRecord[] {
    const cap = this.perPartitionCap
    let batch: SourceRecord[]
    if (cap === Infinity) {
      batch = this.buffer.length <= maxRecords ? this.buffer : this.buffer.slice(0, maxRecords)
      this.buffer = this.buffer.length <= maxRecords ? [] : this.buffer.slice(maxRecords)
    } else {
      batch = []
      const kept: SourceRecord[] = []
      const taken = new Map<number, number>()
      for (const record of this.buffer) {
        const count = taken.get(record.partition) ?? 0
        if (batch.length < maxRecords && count < cap) {
          batch.push(record)
          taken.set(record.partition, count + 1)
        } else {
          kept.push(record)
        }
      }
      this.buffer = kept
    }
    for (const record of batch) this.bytes -= sizeOf(record)
    this.metrics.bufferedRecords.set(this.buffer.length)
    return batch
  }

  /** Stretches the batch so that no partition exceeds backpressure.maxRatePerPartition. */
  async throttle (batch: readonly SourceRecord[], elapsedMs: number): Promise<void> {
    const rate = this.config.backpressure.maxRatePerPartition
    if (rate === 0 || batch.length === 0) return
    const perPartition = new Map<number, number>()
    for (const record of batch) perPartition.set(record.partition, (perPartition.get(record.partition) ?? 0) + 1)
    const neededMs = Math.max(...perPartition.values()) / rate * 1000
    if (neededMs <= elapsedMs) return
    this.throttled = true
    this.consumer.pause()
    await new Promise((resolve) => setTimeout(resolve, neededMs - elapsedMs))
    this.consumer.resume()
    this.throttled = false
  }
}

function sizeOf (record: SourceRecord): number {
  return (record.value?.length ?? 0) + (record.key?.length ?? 0)
}
