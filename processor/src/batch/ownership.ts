// Partition ownership: claiming a partition on assignment, checkpointing it, and fencing.
//
// A partition is restored from its newest checkpoint and claimed (a checkpoint with the next
// ownership epoch) as soon as the group assigns it, not when its first record arrives: a
// partition whose checkpoint holds open windows and that receives nothing new must still close
// them by watermark or idle timeout. The claim makes a previous owner still running (a zombie)
// find out at its next checkpoint that it has been replaced (checkpoint/s3-checkpoints.ts).
import { FencedError, type Checkpoint, type S3Checkpoints } from '../checkpoint/s3-checkpoints.ts'
import type { ProcessorConfig } from '../config/types.ts'
import type { Logger } from '../log.ts'
import type { ProcessorMetrics } from '../metrics/metrics.ts'
import { retry } from '../retry.ts'
import { restoreUnconfirmed, snapshotUnconfirmed, type UnconfirmedWindow } from '../sink/unconfirmed.ts'
import { PartitionWindows } from '../window/partition-windows.ts'

export interface OwnedPartition {
  windows: PartitionWindows
  /** Sequence number of the last checkpoint read or written. */
  seq: number
  /** Ownership epoch this instance claimed the partition with. */
  epoch: number
  /** 0 right after a claim, so the first batch after it is checkpointed at once. */
  lastCheckpointAt: number
  /** Records processed or windows closed since the last checkpoint. */
  dirty: boolean
  /** Set when another instance claimed the partition after this one (a higher epoch). */
  fenced: boolean
  /** When fenced was set (ms), to tell a replaced zombie from a partition nobody processes. */
  fencedAt?: number
  unconfirmed: UnconfirmedWindow[]
}

export interface WindowOptions { size: number, lateness: number, extraCount: number }

/** A checkpoint taken (Ownership.takeDue) and not yet stored. */
export interface TakenCheckpoint {
  partition: number
  owned: OwnedPartition
  checkpoint: Checkpoint
  /** The state as JSON, serialized when it was taken (the unconfirmed windows are added when stored). */
  state: string
  nextOffset: bigint
  /** Set once this checkpoint is in S3: only then is its offset committed. */
  stored: boolean
}

export class Ownership {
  readonly partitions = new Map<number, OwnedPartition>()
  private readonly claiming = new Map<number, Promise<OwnedPartition | undefined>>()
  private readonly config: ProcessorConfig
  private readonly log: Logger
  private readonly metrics: ProcessorMetrics
  private readonly checkpoints: S3Checkpoints
  private readonly instanceId: string
  private readonly windowOptions: WindowOptions
  private readonly isAssigned: (partition: number) => boolean

  constructor (options: { config: ProcessorConfig, log: Logger, metrics: ProcessorMetrics, checkpoints: S3Checkpoints, instanceId: string, windowOptions: WindowOptions, isAssigned: (partition: number) => boolean }) {
    this.config = options.config
    this.log = options.log
    this.metrics = options.metrics
    this.checkpoints = options.checkpoints
    this.instanceId = options.instanceId
    this.windowOptions = options.windowOptions
    this.isAssigned = options.isAssigned
  }

  /** The partition's state, restoring and claiming it first; undefined when it was revoked meanwhile. */
  async claim (partition: number): Promise<OwnedPartition | undefined> {
    const owned = this.partitions.get(partition)
    if (owned) return owned
    let claiming = this.claiming.get(partition)
    if (!claiming) {
      claiming = this.restoreAndClaim(partition).finally(() => this.claiming.delete(partition))
      this.claiming.set(partition, claiming)
    }
    return claiming
  }

  /** Forgets a partition the group moved elsewhere: its new owner restores it from the checkpoint. */
  release (partition: number): void {
    this.partitions.delete(partition)
  }

  private async restoreAndClaim (partition: number): Promise<OwnedPartition | undefined> {
    let owned: OwnedPartition
    for (;;) {
      // A claim written after the group moved the partition away would fence its new owner.
      if (!this.isAssigned(partition)) return undefined
      const latest = await retry(() => this.checkpoints.latest(partition), {
        baseMs: 200,
        maxMs: 5000,
        onRetry: (error, attempt, retryInMs) => this.log.warn('reading the checkpoint failed; retrying', { partition, error: error.message, attempt, retryInMs }),
      })
      const windows = latest ? PartitionWindows.restore(latest.state, this.windowOptions) : new PartitionWindows(partition, this.windowOptions)
      owned = { windows, seq: latest?.seq ?? 0, epoch: (latest?.epoch ?? 0) + 1, lastCheckpointAt: 0, dirty: false, fenced: false, unconfirmed: restoreUnconfirmed(latest?.unconfirmed) }
      const claim = this.checkpointOf(partition, owned, owned.seq + 1, Date.now())
      try {
        await retry(() => this.checkpoints.write(claim), {
          baseMs: 200,
          maxMs: 5000,
          giveUp: (error) => error instanceof FencedError,
          onRetry: (error, attempt, retryInMs) => this.log.warn('claiming the partition failed; retrying', { partition, error: error.message, attempt, retryInMs }),
        })
        owned.seq++
        break
      } catch (error) {
        if (!(error instanceof FencedError)) throw error
        // Another instance claimed it in the same moment; read again and claim after it.
      }
    }
    if (!this.isAssigned(partition)) return undefined
    this.partitions.set(partition, owned)
    this.log.info('partition claimed', { partition, epoch: owned.epoch, checkpoint: owned.seq, nextOffset: owned.windows.nextOffset, openWindows: owned.windows.openWindows, unconfirmedWindows: owned.unconfirmed.length })
    return owned
  }

  private checkpointOf (partition: number, owned: OwnedPartition, seq: number, now: number): Checkpoint {
    return {
      version: 1,
      seq,
      topic: this.config.kafka.topic,
      groupId: this.config.kafka.groupId,
      partition,
      epoch: owned.epoch,
      instanceId: this.instanceId,
      writtenAt: now,
      state: owned.windows.snapshot(),
      unconfirmed: snapshotUnconfirmed(owned.unconfirmed),
    }
  }

  /**
   * The checkpoints of every partition whose interval elapsed (every dirty one with force), as
   * the partitions stand now: their state serialized at once, since it moves on while they are
   * written, and the partitions count as clean from here. writeCheckpoints() stores them, once
   * every window write before them is done.
   */
  takeDue (now: number, urgent: ReadonlySet<number> = new Set(), force = false): TakenCheckpoint[] {
    const taken: TakenCheckpoint[] = []
    for (const [partition, owned] of this.partitions) {
      if (owned.fenced || !owned.dirty) continue
      if (!force && !urgent.has(partition) && now - owned.lastCheckpointAt < this.config.checkpoint.interval) continue
      const checkpoint = this.checkpointOf(partition, owned, owned.seq + 1, now)
      taken.push({ partition, owned, checkpoint, state: JSON.stringify(checkpoint.state), nextOffset: owned.windows.nextOffset, stored: false })
      owned.dirty = false
      owned.lastCheckpointAt = now
    }
    return taken
  }

  /** Stores checkpoints takeDue() took; returns the offsets now safe to commit to the group. */
  async writeCheckpoints (taken: readonly TakenCheckpoint[]): Promise<Array<{ partition: number, offset: bigint }>> {
    await Promise.all(taken.map((checkpoint) => this.store(checkpoint)))
    return taken.filter((c) => c.stored && !c.owned.fenced).map((c) => ({ partition: c.partition, offset: c.nextOffset }))
  }

  private async store (taken: TakenCheckpoint): Promise<void> {
    const { partition, owned, checkpoint, state } = taken
    // The windows written up to now are unconfirmed as of now: among them those this state
    // closed, whose writes were still in flight when it was taken.
    const { state: _state, ...fields } = { ...checkpoint, unconfirmed: snapshotUnconfirmed(owned.unconfirmed) }
    const head = JSON.stringify(fields)
    const body = `${head.slice(0, -1)},"state":${state}}`
    const started = performance.now()
    try {
      await retry(() => this.checkpoints.write(checkpoint, body), {
        baseMs: 200,
        maxMs: 5000,
        giveUp: (error) => error instanceof FencedError,
        onRetry: (error, attempt, retryInMs) => {
          this.metrics.checkpointFailures.inc({ reason: 'error' })
          this.log.warn('checkpoint write failed; retrying', { partition, error: error.message, attempt, retryInMs })
        },
      })
    } catch (error) {
      if (error instanceof FencedError) return this.onFenced(partition, owned)
      throw error
    }
    taken.stored = true
    owned.seq = Math.max(owned.seq, checkpoint.seq)
    this.metrics.checkpoints.inc()
    this.metrics.checkpointDuration.observe((performance.now() - started) / 1000)
    await this.checkpoints.prune(partition, checkpoint.seq, this.config.checkpoint.keep)
      .catch((error: Error) => this.log.warn('deleting an old checkpoint failed', { partition, error: error.message }))
  }

  /**
   * Another instance wrote our next checkpoint first. If it claimed the partition after us (a
   * higher epoch) it owns it and this instance is a zombie: stop touching the partition.
   * Otherwise it is an older owner that has not noticed yet; both computed the same
   * deterministic state from the same records, so keep the one further ahead.
   */
  private async onFenced (partition: number, owned: OwnedPartition): Promise<void> {
    this.metrics.checkpointFailures.inc({ reason: 'fenced' })
    const latest = await this.checkpoints.latest(partition)
    if (!latest) return
    if (latest.epoch > owned.epoch) {
      owned.fenced = true
      owned.fencedAt = Date.now()
      this.log.warn('partition fenced: another instance claimed it after this one', { partition, ours: owned.epoch, theirs: latest.epoch, by: latest.instanceId })
      return
    }
    owned.seq = latest.seq
    if (BigInt(latest.state.nextOffset) >= owned.windows.nextOffset) {
      owned.windows = PartitionWindows.restore(latest.state, this.windowOptions)
      owned.unconfirmed = restoreUnconfirmed(latest.unconfirmed)
      owned.dirty = false
      owned.lastCheckpointAt = Date.now()
      this.log.warn('checkpoint overtaken by an older owner; adopted its state', { partition, seq: latest.seq })
    } else {
      // Ours is further ahead: the next round checkpoints it after that one (the effects of the
      // state as it stands then are written by then; now they may not be).
      owned.dirty = true
      owned.lastCheckpointAt = 0
    }
  }
}
