// Tumbling event-time windows of one Kafka partition.
//
// State is kept per partition because Kafka puts all records of a key in one partition: a key's
// window is then computed from one ordered stream, so a replay from a checkpoint rebuilds exactly
// the same aggregates, and lateness is decided by the partition's own watermark, never by how
// partitions happened to interleave. That is what makes the Redis results exactly-once.
//
// watermark = max event time seen in the partition - allowed lateness
// A window [start, start + size) closes once the watermark reaches its end; a record whose
// window has closed is late and goes to the dead-letter topic.
import type { Contribution } from '../logic/profiles.ts'
import { mixSeq } from '../../../contract/seq-hash.ts'

export interface KeyAggregate {
  count: number
  sum: number
  min: number
  max: number
  /** Sum of event times, for the mean end-to-end latency of the key's records. */
  eventTimeSum: number
  maxEventTime: number
  extras: number[]
}

/** Per run id: what a verifier needs to prove no loss and no duplication (docs/sink.md). */
export interface RunLedger {
  count: number
  seqSum: number
  /** Sum of a 32-bit mix of each seq, modulo 2^32: catches a loss masked by a duplicate. */
  seqHash: number
  minEventTime: number
  maxEventTime: number
  /** Sum of (event time - window start): small enough to stay exact, gives the mean event time. */
  eventTimeOffsetSum: number
}

export interface Window {
  start: number
  keys: Map<string, KeyAggregate>
  runs: Map<string, RunLedger>
}

export interface ClosedWindow extends Window {
  partition: number
  end: number
}

export interface PartitionSnapshot {
  partition: number
  /** Next offset to read: every record before it is reflected in this state or already written. */
  nextOffset: string
  maxEventTime: number
  watermark: number
  windows: Array<{
    start: number
    keys: Array<[string, KeyAggregate]>
    runs: Array<[string, RunLedger]>
  }>
}

export class PartitionWindows {
  readonly partition: number
  private readonly size: number
  private readonly lateness: number
  private readonly extraCount: number
  private readonly windows = new Map<number, Window>()
  maxEventTime = -Infinity
  watermark = -Infinity
  nextOffset = 0n
  /** Processing time of the last record, for the idle watermark. */
  lastRecordAt = Date.now()

  constructor (partition: number, options: { size: number, lateness: number, extraCount: number }) {
    this.partition = partition
    this.size = options.size
    this.lateness = options.lateness
    this.extraCount = options.extraCount
  }

  get openWindows (): number {
    return this.windows.size
  }

  /** Adds one record; returns false when its window has already closed (a late record). */
  add (key: string, eventTime: number, runId: string, seq: number, contribution: Contribution): boolean {
    const start = eventTime - (eventTime % this.size)
    if (start + this.size <= this.watermark) return false
    if (eventTime > this.maxEventTime) {
      this.maxEventTime = eventTime
      this.watermark = Math.max(this.watermark, eventTime - this.lateness)
    }
    let window = this.windows.get(start)
    if (window === undefined) {
      window = { start, keys: new Map(), runs: new Map() }
      this.windows.set(start, window)
    }
    const value = contribution.value
    const agg = window.keys.get(key)
    if (agg === undefined) {
      const extras = contribution.extras.length === this.extraCount ? contribution.extras.slice() : new Array<number>(this.extraCount).fill(0)
      window.keys.set(key, { count: 1, sum: value, min: value, max: value, eventTimeSum: eventTime, maxEventTime: eventTime, extras })
    } else {
      agg.count++
      agg.sum += value
      if (value < agg.min) agg.min = value
      if (value > agg.max) agg.max = value
      agg.eventTimeSum += eventTime
      if (eventTime > agg.maxEventTime) agg.maxEventTime = eventTime
      const extras = contribution.extras
      for (let i = 0; i < extras.length; i++) agg.extras[i] = (agg.extras[i] as number) + (extras[i] as number)
    }
    const ledger = window.runs.get(runId)
    if (ledger === undefined) {
      window.runs.set(runId, { count: 1, seqSum: seq, seqHash: mixSeq(seq), minEventTime: eventTime, maxEventTime: eventTime, eventTimeOffsetSum: eventTime - start })
    } else {
      ledger.count++
      ledger.seqSum += seq
      ledger.seqHash = (ledger.seqHash + mixSeq(seq)) >>> 0
      if (eventTime < ledger.minEventTime) ledger.minEventTime = eventTime
      if (eventTime > ledger.maxEventTime) ledger.maxEventTime = eventTime
      ledger.eventTimeOffsetSum += eventTime - start
    }
    return true
  }

  /**
   * Advances the watermark with the clock when the partition has been idle, as if event time had
   * kept pace with processing time, so that the last windows of a quiet partition close instead
   * of waiting for a record that never comes. Idle means caught up (nothing left to read) for
   * idleTimeout: a partition that merely waits its turn in a backlog is not idle. Returns true
   * when it moved the watermark.
   */
  advanceIfIdle (now: number, idleTimeout: number, caughtUp: boolean): boolean {
    if (!caughtUp || this.windows.size === 0 || now - this.lastRecordAt < idleTimeout) return false
    let latestEnd = -Infinity
    for (const start of this.windows.keys()) latestEnd = Math.max(latestEnd, start + this.size)
    const target = Math.min(now - this.lateness, latestEnd)
    if (target <= this.watermark) return false
    this.watermark = target
    return true
  }

  /** Removes and returns the windows the watermark has passed, oldest first. */
  takeClosed (): ClosedWindow[] {
    const closed: ClosedWindow[] = []
    for (const [start, window] of this.windows) {
      if (start + this.size <= this.watermark) {
        closed.push({ ...window, partition: this.partition, end: start + this.size })
        this.windows.delete(start)
      }
    }
    return closed.sort((a, b) => a.start - b.start)
  }

  snapshot (): PartitionSnapshot {
    return {
      partition: this.partition,
      nextOffset: this.nextOffset.toString(),
      maxEventTime: Number.isFinite(this.maxEventTime) ? this.maxEventTime : -1,
      watermark: Number.isFinite(this.watermark) ? this.watermark : -1,
      windows: [...this.windows.values()].map((w) => ({ start: w.start, keys: [...w.keys], runs: [...w.runs] })),
    }
  }

  static restore (snapshot: PartitionSnapshot, options: { size: number, lateness: number, extraCount: number }): PartitionWindows {
    const state = new PartitionWindows(snapshot.partition, options)
    state.nextOffset = BigInt(snapshot.nextOffset)
    state.maxEventTime = snapshot.maxEventTime < 0 ? -Infinity : snapshot.maxEventTime
    state.watermark = snapshot.watermark < 0 ? -Infinity : snapshot.watermark
    for (const w of snapshot.windows) {
      state.windows.set(w.start, { start: w.start, keys: new Map(w.keys), runs: new Map(w.runs) })
    }
    return state
  }
}
