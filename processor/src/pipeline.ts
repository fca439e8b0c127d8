// The processor's lifecycle: connect and check every dependency, follow the group's
// assignments (claiming each assigned partition at once, batch/ownership.ts), run micro-batches
// (batch/batch-step.ts) from the buffer (batch/intake.ts) until stopped, then finish the
// buffer, checkpoint every partition, commit and leave the group.
import type { Admin, Kafka } from 'kafkajs'
import { randomUUID } from 'node:crypto'
import { BatchStep, type BatchTotals } from './batch/batch-step.ts'
import { DeadLetters } from './batch/dead-letters.ts'
import { Intake } from './batch/intake.ts'
import { OffsetCommits } from './batch/offset-commits.ts'
import { Ownership } from './batch/ownership.ts'
import { S3Checkpoints } from './checkpoint/s3-checkpoints.ts'
import type { ProcessorConfig } from './config/types.ts'
import { GroupConsumer, kafkaClient, kafkaError, type KafkaLog } from './consume/group-consumer.ts'
import { SpateError } from './errors.ts'
import { logics } from './logic/profiles.ts'
import type { Logger } from './log.ts'
import type { ProcessorMetrics } from './metrics/metrics.ts'
import { RedisSink } from './sink/redis-sink.ts'

/** How often the log end offsets are read for partitions that receive nothing (idle detection). */
const HIGH_WATERMARK_POLL_MS = 1000

export class Pipeline {
  readonly instanceId = randomUUID()
  /** Totals for the periodic throughput report. */
  readonly totals: BatchTotals = { consumed: 0, processed: 0, deadLettered: 0, windows: 0, checkpoints: 0, rewritten: 0 }
  readonly kafkaLog: KafkaLog
  private readonly config: ProcessorConfig
  private readonly log: Logger
  private readonly metrics: ProcessorMetrics
  private readonly checkpoints: S3Checkpoints
  private readonly sink: RedisSink
  private readonly kafka: Kafka
  private readonly admin: Admin
  private readonly consumer: GroupConsumer
  private readonly deadLetters: DeadLetters
  private readonly intake: Intake
  private readonly commits: OffsetCommits
  private readonly ownership: Ownership
  private readonly step: BatchStep
  private readonly highWatermarks = new Map<number, bigint>()
  /** Partitions the group currently assigns to this instance. */
  private assigned = new Set<number>()
  /** This consumer's id in the group, as of the last assignment. */
  private memberId: string | undefined
  /** Changes when the group had dropped this consumer: state and records before it are dropped. */
  private generation = 0
  /** Fenced partitions the group still assigns here, being restored and re-read (recoverFenced). */
  private readonly recovering = new Set<number>()
  /** Counts the assignments of the group and the restores of fenced partitions. */
  private assignment = 0
  /**
   * The assignment from which each assigned partition has been owned here without a break (a
   * revocation or a restore): its records taken from the buffer before then belong to an earlier
   * ownership, and the state they would be applied to now was restored from a checkpoint.
   */
  private readonly assignedAt = new Map<number, number>()
  private stopping = false
  private running: Promise<void> | undefined
  private ready = false
  private lastPoll = 0
  private polling = false
  private readonly onFatal: (error: unknown) => void

  constructor (config: ProcessorConfig, log: Logger, metrics: ProcessorMetrics, onFatal: (error: unknown) => void) {
    this.onFatal = onFatal
    this.config = config
    this.log = log
    this.metrics = metrics
    const logic = logics[config.profile]
    this.checkpoints = new S3Checkpoints(config)
    this.sink = new RedisSink(config.redis, logic.extras, metrics, log)
    const { kafka, log: kafkaLog } = kafkaClient(config, log)
    this.kafka = kafka
    this.kafkaLog = kafkaLog
    this.admin = kafka.admin()
    this.consumer = new GroupConsumer(kafka, config, log)
    this.deadLetters = new DeadLetters(kafka, config, log, metrics)
    // Records below an owned partition's next offset are in its state already. Every step back
    // of a next offset (a restore from a checkpoint) drops the buffer and reads again.
    this.intake = new Intake(config, metrics, this.consumer, () => this.stopping, (partition) => {
      const owned = this.ownership.partitions.get(partition)
      return owned !== undefined && !owned.fenced ? Number(owned.windows.nextOffset) : undefined
    })
    this.commits = new OffsetCommits(this.consumer, log)
    const isAssigned = (partition: number): boolean => this.assigned.has(partition)
    this.ownership = new Ownership({
      config,
      log,
      metrics,
      checkpoints: this.checkpoints,
      instanceId: this.instanceId,
      windowOptions: { size: config.window.size, lateness: config.window.allowedLateness, extraCount: logic.extras.length },
      isAssigned,
    })
    this.step = new BatchStep({
      config,
      log,
      metrics,
      logic,
      sink: this.sink,
      deadLetters: this.deadLetters,
      ownership: this.ownership,
      highWatermarks: this.highWatermarks,
      isAssigned: (partition, takenAt) => this.assigned.has(partition) && !this.recovering.has(partition) && (this.assignedAt.get(partition) ?? Infinity) <= takenAt,
      assignment: () => this.assignment,
      generation: () => this.generation,
    })
  }

  get isReady (): boolean {
    return this.ready && !this.stopping
  }

  /** Connects everything and joins the group: prepare(), then consume(). */
  async start (): Promise<void> {
    await this.prepare()
    await this.consume()
  }

  /**
   * Connects everything, checking each dependency with a clear error, without joining the group
   * yet: worker threads all prepare first and then join together (workers/supervisor.ts), so that
   * the group's first assignment already spreads the partitions over all of them.
   */
  async prepare (): Promise<void> {
    await this.checkpoints.check()
    await this.sink.connect()
    if (!await this.sink.appendOnly()) {
      this.log.warn('Redis keeps no append-only file: a Redis crash loses every result since its last snapshot, which no checkpoint can make up; set appendonly yes')
    }
    try {
      await this.admin.connect()
      const topics = await this.admin.listTopics()
      for (const topic of [this.config.kafka.topic, this.config.kafka.dlqTopic]) {
        if (!topics.includes(topic)) throw new SpateError('SPATE_KAFKA_TOPIC', `topic ${topic} does not exist; create it first (the load scripts do in setup())`)
      }
      await this.deadLetters.connect()
    } catch (error) {
      throw kafkaError(error, this.config.kafka.brokers)
    }
  }

  /** Joins the group and runs micro-batches until stop(); prepare() first. */
  async consume (): Promise<void> {
    try {
      await this.consumer.start({
        onAssigned: (partitions, memberId) => this.onAssignment(partitions, memberId),
        onStopped: (error) => {
          if (this.stopping) return
          this.ready = false
          this.onFatal(error)
        },
        onHighWatermark: (partition, highWatermark) => { this.highWatermarks.set(partition, highWatermark) },
        onRecords: (runs, isStale) => this.intake.enqueue(runs, isStale),
      })
    } catch (error) {
      throw kafkaError(error, this.config.kafka.brokers)
    }
    this.kafkaLog.started()
    this.ready = true
    // An unexpected error leaves a batch half applied to memory; the only safe recovery is the
    // last checkpoint, so the process stops and its supervisor restarts it.
    this.running = this.loop().catch((error: unknown) => {
      this.ready = false
      this.onFatal(error)
    })
  }

  /**
   * A new assignment of the group. A partition kept across the rebalance keeps its state while
   * this consumer stayed a member of the group throughout (the same member id): no other member
   * can have owned it meanwhile. With a new member id the group had dropped this consumer (a
   * missed session timeout), and another member may have claimed and advanced any partition it
   * now gets back: then every partition is restored from its latest checkpoint and claimed again,
   * and the buffered records are dropped; the consumer reads each assigned partition again from
   * its committed offset, which is never past the checkpoint.
   *
   * The buffered records of a partition that leaves or joins this instance's assignment are
   * dropped: they were fetched for an earlier ownership. A partition that comes back is restored
   * from the checkpoint of its owner meanwhile, which may lie before the first of them (the ones
   * before it were taken and skipped while the partition was away); applied to that state they
   * would skip the records in between. The consumer reads the partition again from the group's
   * committed offset.
   */
  private onAssignment (partitions: number[], memberId: string): void {
    const rejoined = this.memberId !== undefined && memberId !== this.memberId
    this.memberId = memberId
    const before = this.assigned
    this.assigned = new Set(partitions)
    this.assignment++
    if (rejoined) {
      this.generation++
      this.recovering.clear()
      this.intake.drop()
      this.log.warn('the group had dropped this consumer; restoring every partition from its checkpoint', { memberId })
    }
    for (const partition of before) {
      if (this.assigned.has(partition)) continue
      this.assignedAt.delete(partition)
      this.intake.drop(partition)
    }
    for (const partition of partitions) {
      if (before.has(partition) && !rejoined) continue
      this.assignedAt.set(partition, this.assignment)
      this.intake.drop(partition)
    }
    for (const partition of [...this.ownership.partitions.keys()]) {
      if (rejoined) this.ownership.release(partition)
      if (this.assigned.has(partition)) continue
      this.ownership.release(partition)
      this.recovering.delete(partition)
      this.highWatermarks.delete(partition)
      this.metrics.lag.remove({ partition: String(partition) })
    }
    this.metrics.assignedPartitions.set(partitions.length)
    this.log.info('partitions assigned', { partitions })
    // Claimed now, not on their first record: a partition that receives nothing more must still
    // close the open windows its checkpoint holds.
    for (const partition of partitions) {
      this.ownership.claim(partition).catch((error: unknown) => {
        this.ready = false
        this.onFatal(error)
      })
    }
    this.lastPoll = 0
  }

  private async loop (): Promise<void> {
    const { maxRecords, maxWait } = this.config.batch
    while (!this.stopping) {
      await this.intake.ready(maxRecords, Date.now() + maxWait)
      this.pollHighWatermarks()
      await this.runBatch(this.intake.take(maxRecords))
    }
  }

  private async runBatch (batch: ReturnType<Intake['take']>, force = false): Promise<void> {
    const started = performance.now()
    const result = await this.step.run(batch, force)
    if (result.checkpointed.length > 0) this.commits.commit(result.checkpointed)
    this.recoverFenced()
    this.totals.checkpoints += result.checkpointed.length
    this.totals.windows += result.windowsClosed
    if (result.consumed > 0) {
      this.log.debug('batch', { records: result.consumed, processed: result.processed, deadLetters: result.deadLetters, windowsClosed: result.windowsClosed })
      this.metrics.batchDuration.observe((performance.now() - started) / 1000)
      this.totals.consumed += result.consumed
      this.totals.processed += result.processed
      this.totals.deadLettered += result.deadLetters
    }
    if (!this.stopping) await this.intake.throttle(batch, performance.now() - started)
    this.updateLag()
  }

  /**
   * A partition fenced while the group still assigns it here: normally a zombie, which the group
   * tells within a session timeout (a new assignment then restores everything). If the group
   * still assigns it after that, nobody else processes it (another member's claim landed after
   * the group had moved the partition here): restore it from the latest checkpoint, claim it
   * again and read it again from that checkpoint's offset.
   */
  private recoverFenced (): void {
    const now = Date.now()
    for (const [partition, owned] of this.ownership.partitions) {
      if (!owned.fenced || !this.assigned.has(partition) || this.recovering.has(partition)) continue
      if (now - (owned.fencedAt ?? now) < this.config.kafka.sessionTimeout + 2000) continue
      const generation = this.generation
      this.recovering.add(partition)
      this.ownership.release(partition)
      this.intake.drop(partition)
      this.log.warn('partition fenced but still assigned here; restoring it from the latest checkpoint', { partition })
      this.ownership.claim(partition).then((claimed) => {
        if (generation !== this.generation) return
        if (claimed) this.consumer.seek(partition, claimed.windows.nextOffset)
        this.intake.drop(partition)
        this.recovering.delete(partition)
        if (this.assigned.has(partition)) this.assignedAt.set(partition, ++this.assignment)
      }).catch((error: unknown) => {
        this.ready = false
        this.onFatal(error)
      })
    }
  }

  /**
   * Reads the log end offsets in the background: a partition that receives nothing is never
   * fetched with records, and its idle timeout needs to know it is caught up.
   */
  private pollHighWatermarks (): void {
    if (this.polling || Date.now() - this.lastPoll < HIGH_WATERMARK_POLL_MS || this.ownership.partitions.size === 0) return
    this.polling = true
    this.lastPoll = Date.now()
    this.admin.fetchTopicOffsets(this.config.kafka.topic)
      .then((offsets) => {
        for (const { partition, high } of offsets) {
          if (!this.assigned.has(partition)) continue
          const known = this.highWatermarks.get(partition)
          const value = BigInt(high)
          if (known === undefined || value > known) this.highWatermarks.set(partition, value)
        }
      }, (error: Error) => this.log.debug('reading the log end offsets failed; trying again', { error: error.message }))
      .finally(() => { this.polling = false })
  }

  private updateLag (): void {
    for (const [partition, owned] of this.ownership.partitions) {
      const highWatermark = this.highWatermarks.get(partition)
      if (highWatermark !== undefined) this.metrics.lag.set({ partition: String(partition) }, Number(highWatermark - owned.windows.nextOffset))
    }
  }

  /** Stops fetching, processes what was fetched, checkpoints every partition, leaves the group. */
  async stop (): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.consumer.pause()
    await this.running
    do {
      await this.runBatch(this.intake.take(this.config.batch.maxRecords), true)
    } while (this.intake.length > 0)
    await this.step.flush()
    await this.commits.flush()
    try {
      await this.consumer.close()
    } catch (error) {
      this.log.warn('leaving the consumer group failed', { error: (error as Error).message })
    }
    await this.admin.disconnect().catch(() => {})
    await this.deadLetters.disconnect()
    await this.sink.close()
  }
}
