// The buffer between the Kafka consumer and the micro-batch loop, and the rate throttle.
//
// The buffer holds record runs (consume/records.ts) in fetch order. Backpressure: while the
// buffer is over its bounds, the consumer's handler waits, so nothing more is fetched, and the
// batch loop takes a batch at once (ready()) rather than wait for more records. Throttle:
// Spark-style maxRatePerPartition; a batch takes at most about one second of a partition's rate,
// so the sleep after a batch stays short and never holds a checkpoint back for long.
import type { ProcessorConfig } from '../config/types.ts'
import type { GroupConsumer } from '../consume/group-consumer.ts'
import type { RecordRun } from '../consume/records.ts'
import type { ProcessorMetrics } from '../metrics/metrics.ts'

export class Intake {
  private buffer: RecordRun[] = []
  private records = 0
  private bytes = 0
  private throttled = false
  /** Settled when records arrive (wakes ready()), and when a batch takes some (wakes enqueue()). */
  private readonly arrived = new Signal()
  private readonly roomMade = new Signal()
  private readonly config: ProcessorConfig
  private readonly metrics: ProcessorMetrics
  private readonly consumer: GroupConsumer
  private readonly stopping: () => boolean
  private readonly nextOffset: (partition: number) => number | undefined

  /**
   * nextOffset(partition): the offset below which the partition's records are already in its
   * state (undefined: not owned here yet), as after a rebalance, when the consumer reads again
   * from the committed offsets that trail the checkpoints. Such records are left out at once:
   * the batch would skip them anyway, and buffered they would count against the rate cap and the
   * buffer's bounds.
   */
  constructor (config: ProcessorConfig, metrics: ProcessorMetrics, consumer: GroupConsumer, stopping: () => boolean, nextOffset: (partition: number) => number | undefined) {
    this.config = config
    this.metrics = metrics
    this.consumer = consumer
    this.stopping = stopping
    this.nextOffset = nextOffset
  }

  /** Records in the buffer. */
  get length (): number {
    return this.records
  }

  /** Records a batch may take from one partition: about a second's worth at the capped rate. */
  get perPartitionCap (): number {
    const rate = this.config.backpressure.maxRatePerPartition
    return rate === 0 ? Infinity : Math.max(1, Math.ceil(rate * Math.max(this.config.batch.maxWait, 1000) / 1000))
  }

  /** Whether the buffer is at one of its bounds: the consumer waits until a batch takes records. */
  get full (): boolean {
    const { maxBufferedRecords, maxBufferedBytes } = this.config.backpressure
    return this.records >= maxBufferedRecords || this.bytes >= maxBufferedBytes
  }

  /** Takes one fetch's runs into the buffer; waits while the buffer is over its bounds. */
  async enqueue (runs: readonly RecordRun[], isStale: () => boolean): Promise<void> {
    for (let run of runs) {
      const next = this.nextOffset(run.partition)
      if (next !== undefined) run = run.slice(run.indexOf(next))
      if (run.length === 0) continue
      this.buffer.push(run)
      this.records += run.length
      this.bytes += run.bytes
    }
    this.arrived.fire()
    while (this.full && !this.stopping() && !isStale()) {
      this.metrics.paused.set(1)
      // Woken by take() or drop(); now and then it looks at stopping and isStale.
      await this.roomMade.wait(20)
    }
    this.metrics.paused.set(this.throttled ? 1 : 0)
    this.metrics.bufferedRecords.set(this.records)
  }

  /**
   * Resolves once a batch is worth taking: `records` are buffered, or the buffer is full (no
   * more can come until a batch takes some), or `deadline` (a Date.now() time) has passed, or
   * stopping() is true.
   */
  async ready (records: number, deadline: number): Promise<void> {
    for (;;) {
      const left = deadline - Date.now()
      if (this.records >= records || this.full || left <= 0 || this.stopping()) return
      await this.arrived.wait(Math.min(10, left)) // now and then it looks at stopping
    }
  }

  /** Forgets buffered records (of one partition, or all): the consumer reads them again. */
  drop (partition?: number): void {
    const kept = partition === undefined ? [] : this.buffer.filter((run) => run.partition !== partition)
    if (kept.length === this.buffer.length) return
    this.buffer = kept
    this.count()
  }

  /** Up to maxRecords buffered records, at most perPartitionCap of each partition, in fetch order. */
  take (maxRecords: number): RecordRun[] {
    const cap = this.perPartitionCap
    const batch: RecordRun[] = []
    const kept: RecordRun[] = []
    const taken = new Map<number, number>()
    let room = maxRecords
    for (const run of this.buffer) {
      const already = taken.get(run.partition) ?? 0
      const n = Math.min(run.length, room, cap - already)
      if (n <= 0) {
        kept.push(run)
        continue
      }
      const part = n === run.length ? run : run.slice(run.start, run.start + n)
      batch.push(part)
      if (n < run.length) kept.push(run.slice(run.start + n))
      taken.set(run.partition, already + n)
      room -= n
      this.records -= n
      this.bytes -= part.bytes
    }
    this.buffer = kept
    this.metrics.bufferedRecords.set(this.records)
    this.roomMade.fire()
    return batch
  }

  /** Stretches the batch so that no partition exceeds backpressure.maxRatePerPartition. */
  async throttle (batch: readonly RecordRun[], elapsedMs: number): Promise<void> {
    const rate = this.config.backpressure.maxRatePerPartition
    if (rate === 0 || batch.length === 0) return
    const perPartition = new Map<number, number>()
    for (const run of batch) perPartition.set(run.partition, (perPartition.get(run.partition) ?? 0) + run.length)
    const neededMs = Math.max(...perPartition.values()) / rate * 1000
    if (neededMs <= elapsedMs) return
    this.throttled = true
    this.consumer.pause()
    await new Promise((resolve) => setTimeout(resolve, neededMs - elapsedMs))
    this.consumer.resume()
    this.throttled = false
  }

  private count (): void {
    this.records = 0
    this.bytes = 0
    for (const run of this.buffer) {
      this.records += run.length
      this.bytes += run.bytes
    }
    this.metrics.bufferedRecords.set(this.records)
    this.roomMade.fire()
  }
}

/** Something that happens again and again: wait() resolves when it next happens, or after ms. */
class Signal {
  private next: { promise: Promise<void>, resolve: () => void } | undefined

  fire (): void {
    this.next?.resolve()
    this.next = undefined
  }

  wait (ms: number): Promise<void> {
    if (this.next === undefined) {
      let resolve: () => void = () => {}
      const promise = new Promise<void>((r) => { resolve = r })
      this.next = { promise, resolve }
    }
    let timer: NodeJS.Timeout | undefined
    return Promise.race([this.next.promise, new Promise<void>((resolve) => { timer = setTimeout(resolve, ms) })]).finally(() => clearTimeout(timer))
  }
}
