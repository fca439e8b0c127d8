// One micro-batch: decode -> window -> Redis -> dead letters -> checkpoint.
//
//   1. each record of an owned partition at or past the partition's next offset is decoded and
//      run through the logic profile into its window, or becomes a dead letter (bad input, or
//      late); records below the next offset are already reflected in the state or in Redis;
//   2. windows the watermark (or the idle timeout) has passed are written to Redis, after any
//      window an earlier Redis process may have lost is written again (sink/unconfirmed.ts);
//      the write goes on while the next batch's records are read (one write in flight);
//   3. dead letters are produced to the dead-letter topic (acks=all);
//   4. partitions whose checkpoint interval elapsed are checkpointed: their state is taken now
//      and stored to S3 in the background once every window write before it is done; the
//      caller commits the offsets of stored checkpoints to the group.
// Nothing is checkpointed before its effects are written, so a crash anywhere replays from the
// last checkpoint and rewrites the same values: exactly-once results in Redis.
import type { ProcessorConfig } from '../config/types.ts'
import { SPAN, type RecordRun } from '../consume/records.ts'
import { FastDecoder } from '../decode/fast-record.ts'
import { DeadLetter, decode, type RecordFields } from '../decode/record.ts'
import type { Contribution, Logic } from '../logic/profiles.ts'
import type { Logger } from '../log.ts'
import type { ProcessorMetrics } from '../metrics/metrics.ts'
import { retry } from '../retry.ts'
import type { RedisSink } from '../sink/redis-sink.ts'
import { sortUnconfirmed } from '../sink/unconfirmed.ts'
import type { ClosedWindow } from '../window/partition-windows.ts'
import type { DeadLetterOut, DeadLetters } from './dead-letters.ts'
import type { OwnedPartition, Ownership } from './ownership.ts'

export interface BatchTotals { consumed: number, processed: number, deadLettered: number, windows: number, checkpoints: number, rewritten: number }

export interface BatchResult {
  /** Records taken from the buffer, processed or not. */
  consumed: number
  processed: number
  deadLetters: number
  windowsClosed: number
  /** Offsets of the checkpoints stored since the batch before, to commit to the group. */
  checkpointed: Array<{ partition: number, offset: bigint }>
}

export class BatchStep {
  private readonly config: ProcessorConfig
  private readonly log: Logger
  private readonly metrics: ProcessorMetrics
  private readonly logic: Logic
  private readonly sink: RedisSink
  private readonly deadLetters: DeadLetters
  private readonly ownership: Ownership
  private readonly highWatermarks: ReadonlyMap<number, bigint>
  private readonly isAssigned: (partition: number, takenAt: number) => boolean
  private readonly assignment: () => number
  private readonly generation: () => number
  /** The fast path for records of plain ASCII JSON, when the logic reads only the five fields. */
  private readonly fast: FastDecoder | undefined
  /** The last batch's window write (writeWindows), in flight while the next batch is read. */
  private writing: Promise<void> = Promise.resolve()
  /** The checkpoint round in flight (checkpointRound), at most one. */
  private checkpointing: Promise<void> | undefined
  /** Offsets of the checkpoints stored since the last batch returned them, to commit. */
  private checkpointed: Array<{ partition: number, offset: bigint }> = []
  /** A checkpoint round's error: the next batch throws it (the process stops; the last checkpoint stands). */
  private failure: unknown

  /**
   * isAssigned(partition, takenAt): the partition's records, taken from the buffer when the
   * assignment counter stood at takenAt (assignment()), are to be processed now: the partition is
   * assigned here and has been since then, so they belong to the ownership its state is of;
   * generation: changes when the group had dropped this consumer, which drops the state and
   * records of before.
   */
  constructor (options: { config: ProcessorConfig, log: Logger, metrics: ProcessorMetrics, logic: Logic, sink: RedisSink, deadLetters: DeadLetters, ownership: Ownership, highWatermarks: ReadonlyMap<number, bigint>, isAssigned: (partition: number, takenAt: number) => boolean, assignment: () => number, generation: () => number }) {
    this.config = options.config
    this.log = options.log
    this.metrics = options.metrics
    this.logic = options.logic
    this.sink = options.sink
    this.deadLetters = options.deadLetters
    this.ownership = options.ownership
    this.highWatermarks = options.highWatermarks
    this.isAssigned = options.isAssigned
    this.assignment = options.assignment
    this.generation = options.generation
    this.fast = this.logic.applyFields ? new FastDecoder(this.config.window.valueField, this.config.kafka.maxRecordBytes) : undefined
  }

  async run (batch: readonly RecordRun[], force = false): Promise<BatchResult> {
    const { size } = this.config.window
    const deadLetters: DeadLetterOut[] = []
    let processed = 0
    let late = 0
    let consumed = 0
    for (const run of batch) consumed += run.length
    const generation = this.generation()
    const takenAt = this.assignment()
    const fast = this.fast
    const applyFields = this.logic.applyFields
    const advanced = new Map<OwnedPartition, bigint>()

    // A run is one partition's consecutive records: what it needs from the assignment and the
    // ownership is looked up once. Nothing here changes while a run is read synchronously; after
    // the one await (a claim) it is looked up again.
    for (const run of batch) {
      const partition = run.partition
      // A new assignment restored every partition from its checkpoint, and the consumer reads
      // again from the committed offsets: the rest of this batch belongs to the state before.
      if (this.generation() !== generation) break
      // Fetched before a rebalance moved the partition away (and maybe back): its owner reads
      // it again from the committed offset.
      if (!this.isAssigned(partition, takenAt)) continue
      let owned = this.ownership.partitions.get(partition)
      if (owned === undefined) {
        owned = await this.ownership.claim(partition)
        if (this.generation() !== generation) break
        if (!this.isAssigned(partition, takenAt)) owned = undefined
      }
      if (owned === undefined || owned.fenced) continue
      if (!advanced.has(owned)) advanced.set(owned, owned.windows.nextOffset)
      const state = owned.windows
      const first = run.indexOf(Number(state.nextOffset))
      if (first >= run.end) continue
      const { data, offsets, spans } = run
      for (let i = first; i < run.end; i++) {
        const s = i * SPAN
        let decoded: RecordFields
        let contribution: Contribution | DeadLetter
        if (fast !== undefined && applyFields !== undefined && (spans[s] as number) >= 0 && (spans[s + 2] as number) >= 0 &&
          fast.decodeAt(data, spans[s + 2] as number, spans[s + 3] as number, data, spans[s] as number, spans[s + 1] as number)) {
          decoded = fast.record
          contribution = applyFields(decoded)
        } else {
          const record = run.record(i)
          const full = decode(record.value, record.key, this.config.window.valueField, this.config.kafka.maxRecordBytes)
          if (full instanceof DeadLetter) {
            deadLetters.push({ source: record, letter: full })
            continue
          }
          decoded = full
          contribution = this.logic.apply(full)
        }
        if (contribution instanceof DeadLetter) {
          deadLetters.push({ source: run.record(i), letter: contribution })
          continue
        }
        if (state.add(decoded.key, decoded.eventTime, decoded.runId, decoded.seq, contribution)) {
          processed++
        } else {
          late++
          deadLetters.push({ source: run.record(i), letter: new DeadLetter('late', `window ${decoded.eventTime - (decoded.eventTime % size)} closed at watermark ${state.watermark}`) })
        }
      }
      state.nextOffset = BigInt(offsets[run.end - 1] as number) + 1n
    }
    // The processing time of a partition's last record, for its idle timeout.
    const recordsAt = Date.now()
    for (const [owner, before] of advanced) {
      if (owner.windows.nextOffset === before) continue
      owner.windows.lastRecordAt = recordsAt
      owner.dirty = true
    }

    // Read after the records: a batch that took long must not look less idle than it is.
    const now = Date.now()
    const { idleTimeout } = this.config.window
    const closed: ClosedWindow[] = []
    const urgent = new Set<number>()
    let openWindows = 0
    for (const [partition, owned] of this.ownership.partitions) {
      if (owned.fenced) continue
      const highWatermark = this.highWatermarks.get(partition)
      // Buffered records lie below the high watermark, so this also means nothing is pending.
      const caughtUp = highWatermark !== undefined && owned.windows.nextOffset >= highWatermark
      if (owned.windows.advanceIfIdle(now, idleTimeout, caughtUp)) urgent.add(partition)
      const done = owned.windows.takeClosed()
      if (done.length > 0) {
        owned.dirty = true
        closed.push(...done)
      }
      openWindows += owned.windows.openWindows
    }
    this.metrics.openWindows.set(openWindows)

    // The windows are written while the next batch's records are read: one write in flight, in
    // batch order.
    await this.writing
    const writing = this.writeWindows(closed)
    writing.catch(() => {}) // awaited by the next batch, a checkpoint round or flush()
    this.writing = writing
    await this.deadLetters.send(deadLetters)
    if (force) await this.flush()
    this.checkpointRound(now, urgent, force)
    if (force) await this.flush()
    if (this.failure !== undefined) throw this.failure
    const checkpointed = this.checkpointed
    this.checkpointed = []

    if (consumed > 0) {
      const topic = this.config.kafka.topic
      this.metrics.consumed.inc({ topic }, consumed)
      this.metrics.processed.inc({ topic }, processed)
      if (late > 0) this.metrics.late.inc({ topic }, late)
      this.metrics.batchRecords.observe(consumed)
    }
    return { consumed, processed, deadLetters: deadLetters.length, windowsClosed: closed.length, checkpointed }
  }

  /**
   * Takes the checkpoints due and stores them in the background, once every window write before
   * them is done: nothing is checkpointed before its effects are written. One round at a time;
   * while one is in flight the partitions stay dirty and the next batch takes them.
   */
  private checkpointRound (now: number, urgent: ReadonlySet<number>, force: boolean): void {
    if (this.checkpointing !== undefined) return
    const taken = this.ownership.takeDue(now, urgent, force)
    if (taken.length === 0) return
    const written = this.writing
    this.checkpointing = written
      .then(() => this.ownership.writeCheckpoints(taken))
      .then((offsets) => { this.checkpointed.push(...offsets) }, (error: unknown) => { this.failure ??= error })
      .finally(() => { this.checkpointing = undefined })
  }

  /** Waits for the window write and the checkpoint round in flight (when stopping, with force). */
  async flush (): Promise<void> {
    await this.writing
    if (this.checkpointing !== undefined) await this.checkpointing
    if (this.failure !== undefined) throw this.failure
  }

  /**
   * Writes the closed windows after rewriting those an earlier Redis process may have lost, and
   * keeps them unconfirmed until Redis has run confirmAfter past the write.
   */
  private async writeWindows (closed: ClosedWindow[]): Promise<void> {
    const owned = [...this.ownership.partitions.values()].filter((p) => !p.fenced)
    if (closed.length === 0 && owned.every((p) => p.unconfirmed.length === 0)) return
    const runId = await retry(() => this.sink.runId(), {
      baseMs: 100,
      maxMs: 2000,
      onRetry: (error, attempt, retryInMs) => this.log.warn('reading the Redis run id failed; retrying', { error: error.message, attempt, retryInMs }),
    })
    const checkedAt = Date.now()
    const rewrite: ClosedWindow[] = []
    for (const partition of owned) {
      const sorted = sortUnconfirmed(partition.unconfirmed, runId, checkedAt, this.config.redis.confirmAfter)
      partition.unconfirmed = sorted.keep
      for (const entry of sorted.rewrite) {
        rewrite.push(entry.window)
        partition.unconfirmed.push({ redisRunId: runId, writtenAt: checkedAt, window: entry.window })
      }
    }
    if (rewrite.length > 0) {
      this.log.warn('Redis restarted since these windows were written; writing them again', { windows: rewrite.length })
      await this.sink.write(rewrite)
      this.metrics.windowsRewritten.inc(rewrite.length)
    }
    if (closed.length === 0) return
    const started = performance.now()
    const writtenAt = await this.sink.write(closed)
    this.metrics.windowFlush.observe((performance.now() - started) / 1000)
    this.metrics.windowsClosed.inc(closed.length)
    for (const window of closed) {
      this.ownership.partitions.get(window.partition)?.unconfirmed.push({ redisRunId: runId, writtenAt: checkedAt, window })
      for (const agg of window.keys.values()) {
        this.metrics.endToEndLatency.observe((writtenAt - agg.eventTimeSum / agg.count) / 1000, agg.count)
      }
    }
  }
}
