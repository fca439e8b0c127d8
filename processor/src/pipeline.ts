// The processor's main loop: consume -> decode -> window -> sink -> checkpoint, one micro-batch
// at a time.
//
// Per micro-batch:
//   1. records are grouped by partition; a partition seen for the first time is restored from its
//      latest checkpoint, and records below the checkpoint's offset are skipped (they are already
//      reflected in the restored state or in Redis);
//   2. each record is decoded and run through the logic profile into its window, or becomes a
//      dead letter (bad input, or late);
//   3. windows the watermark has passed are written to Redis (idempotent overwrites);
//   4. dead letters are produced to the dead-letter topic (acks=all);
//   5. partitions whose checkpoint interval elapsed are checkpointed to S3, and the same offsets
//      are committed to the consumer group so that lag is visible to any Kafka tool.
// Nothing is checkpointed before its effects are durable, so a crash anywhere replays from the
// last checkpoint and rewrites the same values: exactly-once results in Redis.
import { Partitioners, type Kafka, type Producer } from 'kafkajs'
import { randomUUID } from 'node:crypto'
import { FencedError, S3Checkpoints, type Checkpoint } from './checkpoint/s3-checkpoints.ts'
import type { ProcessorConfig } from './config/types.ts'
import { GroupConsumer, kafkaClient, type SourceRecord } from './consume/group-consumer.ts'
import { DeadLetter, decode } from './decode/record.ts'
import { logics, type Logic } from './logic/profiles.ts'
import type { Logger } from './log.ts'
import type { ProcessorMetrics } from './metrics/metrics.ts'
import { RedisSink } from './sink/redis-sink.ts'
import { SpateError } from './errors.ts'
import { retry } from './retry.ts'
import { PartitionWindows, type ClosedWindow } from './window/partition-windows.ts'

type KafkaMessage = SourceRecord

/** Dead letters per produce request, well under the broker's default message.max.bytes (1 MB). */
const DLQ_CHUNK_BYTES = 512 * 1024

interface OwnedPartition {
  windows: PartitionWindows
  /** Sequence number of the last checkpoint read or written. */
  seq: number
  /** Ownership epoch this instance claimed the partition with. */
  epoch: number
  lastCheckpointAt: number
  /** Records processed since the last checkpoint. */
  dirty: boolean
  /** Set when another instance claimed the partition after this one (a higher epoch). */
  fenced: boolean
}

interface DeadLetterOut {
  source: KafkaMessage
  letter: DeadLetter
}

export class Pipeline {
  readonly instanceId = randomUUID()
  private readonly config: ProcessorConfig
  private readonly log: Logger
  private readonly metrics: ProcessorMetrics
  private readonly logic: Logic
  private readonly checkpoints: S3Checkpoints
  private readonly sink: RedisSink
  private readonly kafka: Kafka
  private readonly consumer: GroupConsumer
  private readonly dlq: Producer
  private readonly highWatermarks = new Map<number, bigint>()
  private readonly partitions = new Map<number, OwnedPartition>()
  /** Partitions the group currently assigns to this instance. */
  private assigned = new Set<number>()
  private readonly pendingCommits = new Map<number, { partition: number, offset: bigint }>()
  private committing: Promise<void> | undefined
  private buffer: KafkaMessage[] = []
  private bufferedBytes = 0
  private stopping = false
  private throttled = false
  private running: Promise<void> | undefined
  private ready = false
  /** Totals for the periodic throughput report. */
  readonly totals = { consumed: 0, processed: 0, deadLettered: 0, windows: 0, checkpoints: 0 }

  private readonly onFatal: (error: unknown) => void
  private readonly windowOptions: { size: number, lateness: number, extraCount: number }

  constructor (config: ProcessorConfig, log: Logger, metrics: ProcessorMetrics, onFatal: (error: unknown) => void) {
    this.onFatal = onFatal
    this.config = config
    this.log = log
    this.metrics = metrics
    this.logic = logics[config.profile]
    this.windowOptions = { size: config.window.size, lateness: config.window.allowedLateness, extraCount: this.logic.extras.length }
    this.checkpoints = new S3Checkpoints(config)
    this.sink = new RedisSink(config.redis, this.logic.extras, metrics, log)
    this.kafka = kafkaClient(config, log)
    this.consumer = new GroupConsumer(this.kafka, config)
    this.dlq = this.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 5 }, createPartitioner: Partitioners.DefaultPartitioner })
  }

  get isReady (): boolean {
    return this.ready && !this.stopping
  }

  /** Connects everything, checking each dependency with a clear error before consuming. */
  async start (): Promise<void> {
    await this.checkpoints.check()
    await this.sink.connect()
    const admin = this.kafka.admin()
    try {
      await admin.connect()
      const topics = await admin.listTopics()
      for (const topic of [this.config.kafka.topic, this.config.kafka.dlqTopic]) {
        if (!topics.includes(topic)) throw new SpateError('SPATE_KAFKA_TOPIC', `topic ${topic} does not exist; create it first (the load scripts do in setup())`)
      }
    } finally {
      await admin.disconnect()
    }
    await this.dlq.connect()
    await this.consumer.start({
      onAssigned: (partitions) => this.onAssignment(partitions),
      onHighWatermark: (partition, highWatermark) => { this.highWatermarks.set(partition, highWatermark) },
      onRecords: (records, payload) => this.enqueue(records, payload),
    })
    this.ready = true
    // An unexpected error leaves a batch half applied to memory; the only safe recovery is the
    // last checkpoint, so the process stops and its supervisor restarts it.
    this.running = this.loop().catch((error: unknown) => {
      this.ready = false
      this.onFatal(error)
    })
  }

  /**
   * Takes a fetched batch into the buffer. While the buffer is over its bounds the call waits,
   * and the consumer fetches nothing more: that is the backpressure on Kafka.
   */
  private async enqueue (records: KafkaMessage[], payload: { heartbeat: () => Promise<void>, isStale: () => boolean }): Promise<void> {
    for (const record of records) {
      this.buffer.push(record)
      this.bufferedBytes += (record.value?.length ?? 0) + (record.key?.length ?? 0)
    }
    const { maxBufferedRecords, maxBufferedBytes } = this.config.backpressure
    let waited = 0
    while ((this.buffer.length >= maxBufferedRecords || this.bufferedBytes >= maxBufferedBytes) && !this.stopping && !payload.isStale()) {
      this.metrics.paused.set(1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      // Waiting must not cost the group membership.
      if ((waited += 20) % 1000 === 0) await payload.heartbeat().catch(() => {})
    }
    this.metrics.paused.set(this.throttled ? 1 : 0)
    this.metrics.bufferedRecords.set(this.buffer.length)
  }

  private onAssignment (partitions: number[]): void {
    const assigned = new Set(partitions)
    this.assigned = assigned
    // Partitions that moved elsewhere: their new owner restores them from the last checkpoint.
    for (const partition of [...this.partitions.keys()]) {
      if (assigned.has(partition)) continue
      this.partitions.delete(partition)
      this.highWatermarks.delete(partition)
      this.metrics.lag.remove({ partition: String(partition) })
    }
    this.metrics.assignedPartitions.set(assigned.size)
    this.log.info('partitions assigned', { partitions })
  }

  private async loop (): Promise<void> {
    const { maxRecords, maxWait } = this.config.batch
    while (!this.stopping) {
      const deadline = Date.now() + maxWait
      while (this.buffer.length < maxRecords && Date.now() < deadline && !this.stopping) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(10, maxWait)))
      }
      const batch = this.takeBatch(maxRecords)
      await this.processBatch(batch)
    }
  }

  private takeBatch (maxRecords: number): KafkaMessage[] {
    const batch = this.buffer.length <= maxRecords ? this.buffer : this.buffer.slice(0, maxRecords)
    this.buffer = this.buffer.length <= maxRecords ? [] : this.buffer.slice(maxRecords)
    for (const message of batch) this.bufferedBytes -= (message.value?.length ?? 0) + (message.key?.length ?? 0)
    return batch
  }

  private updateGauges (): void {
    this.metrics.bufferedRecords.set(this.buffer.length)
    for (const [partition, owned] of this.partitions) {
      const highWatermark = this.highWatermarks.get(partition)
      if (highWatermark !== undefined) this.metrics.lag.set({ partition: String(partition) }, Number(highWatermark - owned.windows.nextOffset))
    }
  }

  /**
   * Restores a partition this instance was just given from its latest checkpoint, and claims it:
   * a checkpoint with the next ownership epoch, so that a previous owner still running (a zombie)
   * finds out at its next checkpoint that it has been replaced.
   */
  private async owned (partition: number): Promise<OwnedPartition> {
    let owned = this.partitions.get(partition)
    if (owned) return owned
    for (;;) {
      const latest = await retry(() => this.checkpoints.latest(partition), {
        baseMs: 200,
        maxMs: 5000,
        onRetry: (error, attempt, retryInMs) => this.log.warn('reading the checkpoint failed; retrying', { partition, error: error.message, attempt, retryInMs }),
      })
      const windows = latest ? PartitionWindows.restore(latest.state, this.windowOptions) : new PartitionWindows(partition, this.windowOptions)
      owned = { windows, seq: latest?.seq ?? 0, epoch: (latest?.epoch ?? 0) + 1, lastCheckpointAt: Date.now(), dirty: false, fenced: false }
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
    this.partitions.set(partition, owned)
    this.log.info('partition claimed', { partition, epoch: owned.epoch, checkpoint: owned.seq, nextOffset: owned.windows.nextOffset, openWindows: owned.windows.openWindows })
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
    }
  }

  async processBatch (batch: KafkaMessage[]): Promise<void> {
    const started = performance.now()
    const now = Date.now()
    const { valueField, idleTimeout } = this.config.window
    const deadLetters: DeadLetterOut[] = []
    let processed = 0
    let late = 0

    for (const message of batch) {
      // Fetched before a rebalance moved the partition away: its new owner reads it again.
      if (!this.assigned.has(message.partition)) continue
      const owned = this.partitions.get(message.partition) ?? await this.owned(message.partition)
      if (owned.fenced) continue
      const state = owned.windows
      if (message.offset < state.nextOffset) continue
      state.nextOffset = message.offset + 1n
      state.lastRecordAt = now
      owned.dirty = true
      const decoded = decode(message.value, message.key, valueField, this.config.kafka.maxRecordBytes)
      if (decoded instanceof DeadLetter) {
        deadLetters.push({ source: message, letter: decoded })
        continue
      }
      const contribution = this.logic.apply(decoded)
      if (contribution instanceof DeadLetter) {
        deadLetters.push({ source: message, letter: contribution })
        continue
      }
      if (state.add(decoded.key, decoded.eventTime, decoded.runId, decoded.seq, contribution)) {
        processed++
      } else {
        late++
        deadLetters.push({ source: message, letter: new DeadLetter('late', `window ${decoded.eventTime - (decoded.eventTime % this.config.window.size)} closed at watermark ${state.watermark}`) })
      }
    }

    const closed: ClosedWindow[] = []
    const idleAdvanced = new Set<number>()
    let openWindows = 0
    for (const [partition, owned] of this.partitions) {
      if (owned.fenced) continue
      const highWatermark = this.highWatermarks.get(partition)
      // Buffered records lie below the high watermark, so this also means nothing is pending.
      const caughtUp = highWatermark !== undefined && owned.windows.nextOffset >= highWatermark
      if (owned.windows.advanceIfIdle(now, idleTimeout, caughtUp)) idleAdvanced.add(partition)
      const done = owned.windows.takeClosed()
      if (done.length > 0) {
        owned.dirty = true
        closed.push(...done)
      }
      openWindows += owned.windows.openWindows
    }
    this.metrics.openWindows.set(openWindows)

    if (closed.length > 0) {
      const flushStarted = performance.now()
      const writtenAt = await this.sink.write(closed)
      this.metrics.windowFlush.observe((performance.now() - flushStarted) / 1000)
      this.metrics.windowsClosed.inc(closed.length)
      for (const window of closed) {
        for (const agg of window.keys.values()) {
          this.metrics.endToEndLatency.observe((writtenAt - agg.eventTimeSum / agg.count) / 1000, agg.count)
        }
      }
      this.totals.windows += closed.length
    }

    if (deadLetters.length > 0) await this.sendDeadLetters(deadLetters)

    await this.checkpointDue(now, idleAdvanced)

    const topic = this.config.kafka.topic
    if (batch.length > 0) {
      this.log.debug('batch', { records: batch.length, processed, deadLetters: deadLetters.length, windowsClosed: closed.length, partitions: [...new Set(batch.map((m) => m.partition))] })
      this.metrics.consumed.inc({ topic }, batch.length)
      this.metrics.processed.inc({ topic }, processed)
      if (late > 0) this.metrics.late.inc({ topic }, late)
      this.metrics.batchRecords.observe(batch.length)
      this.metrics.batchDuration.observe((performance.now() - started) / 1000)
      this.totals.consumed += batch.length
      this.totals.processed += processed
      this.totals.deadLettered += deadLetters.length
    }
    await this.throttle(batch, performance.now() - started)
    this.updateGauges()
  }

  private async sendDeadLetters (letters: DeadLetterOut[]): Promise<void> {
    const counts = new Map<string, number>()
    const messages = letters.map(({ source, letter }) => {
      counts.set(letter.reason, (counts.get(letter.reason) ?? 0) + 1)
      const headers = {
        'spate-reason': letter.reason,
        'spate-detail': letter.detail.slice(0, 500),
        'spate-source': `${this.config.kafka.topic}/${source.partition}/${source.offset}`,
      }
      // An oversize value is not copied: the dead letter would be refused for the same reason.
      const value = letter.reason === 'oversize' ? Buffer.alloc(0) : (source.value ?? Buffer.alloc(0))
      return { key: source.key, value, headers }
    })
    // Chunks: a produce request carries one record batch per partition, and a batch larger than
    // the broker's message.max.bytes is refused whole.
    const chunks: typeof messages[] = []
    let chunk: typeof messages = []
    let bytes = 0
    for (const message of messages) {
      const size = message.value.length + (message.key?.length ?? 0) + 600
      if (chunk.length > 0 && bytes + size > DLQ_CHUNK_BYTES) {
        chunks.push(chunk)
        chunk = []
        bytes = 0
      }
      chunk.push(message)
      bytes += size
    }
    chunks.push(chunk)
    for (const part of chunks) await this.sendDeadLetterChunk(part)
    for (const [reason, count] of counts) this.metrics.deadLettered.inc({ reason }, count)
  }

  private async sendDeadLetterChunk (messages: Array<{ key: Buffer | null, value: Buffer, headers: Record<string, string> }>): Promise<void> {
    await retry(() => this.dlq.send({ topic: this.config.kafka.dlqTopic, acks: -1, messages }), {
      baseMs: 100,
      maxMs: 5000,
      giveUp: (error) => (error as { retriable?: boolean }).retriable === false,
      onRetry: (error, attempt, retryInMs) => this.log.warn('dead-letter produce failed; retrying', { error: error.message, attempt, retryInMs }),
    })
  }

  /** Checkpoints every partition whose interval elapsed (or all of them with force). */
  async checkpointDue (now: number, urgent: Set<number> = new Set(), force = false): Promise<void> {
    const due = [...this.partitions].filter(([partition, owned]) =>
      !owned.fenced && owned.dirty && (force || urgent.has(partition) || now - owned.lastCheckpointAt >= this.config.checkpoint.interval))
    if (due.length === 0) return
    await Promise.all(due.map(([partition, owned]) => this.checkpoint(partition, owned, now)))
    const offsets = due
      .filter(([, owned]) => !owned.fenced)
      .map(([partition, owned]) => ({ partition, offset: owned.windows.nextOffset }))
    if (offsets.length > 0) this.commitInBackground(offsets)
  }

  /**
   * Commits offsets to the consumer group. Informational only (resumption uses the checkpoint),
   * it lets any Kafka tool see the group's lag; so it never holds up a micro-batch: a commit can
   * wait out a rebalance. One commit is in flight at a time; a later one carries newer offsets.
   */
  private commitInBackground (offsets: Array<{ partition: number, offset: bigint }>): void {
    for (const entry of offsets) this.pendingCommits.set(entry.partition, entry)
    if (this.committing) return
    const next = [...this.pendingCommits.values()]
    this.pendingCommits.clear()
    this.committing = this.consumer.commit(next)
      .catch((error: Error) => this.log.warn('offset commit failed; the next checkpoint commits again', { error: error.message }))
      .finally(() => {
        this.committing = undefined
        if (this.pendingCommits.size > 0 && !this.stopping) this.commitInBackground([])
      })
  }

  private async checkpoint (partition: number, owned: OwnedPartition, now: number): Promise<void> {
    const started = performance.now()
    const body = this.checkpointOf(partition, owned, owned.seq + 1, now)
    try {
      await retry(() => this.checkpoints.write(body), {
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
    owned.seq = body.seq
    owned.lastCheckpointAt = now
    owned.dirty = false
    this.metrics.checkpoints.inc()
    this.metrics.checkpointDuration.observe((performance.now() - started) / 1000)
    this.totals.checkpoints++
    await this.checkpoints.prune(partition, body.seq, this.config.checkpoint.keep)
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
      this.log.warn('partition fenced: another instance claimed it after this one', { partition, ours: owned.epoch, theirs: latest.epoch, by: latest.instanceId })
      return
    }
    owned.seq = latest.seq
    if (BigInt(latest.state.nextOffset) >= owned.windows.nextOffset) {
      owned.windows = PartitionWindows.restore(latest.state, this.windowOptions)
      owned.dirty = false
      owned.lastCheckpointAt = Date.now()
      this.log.warn('checkpoint overtaken by an older owner; adopted its state', { partition, seq: latest.seq })
    } else {
      await this.checkpoint(partition, owned, Date.now())
    }
  }

  /** Spark-style maxRatePerPartition: stretch the batch so no partition exceeds the rate. */
  private async throttle (batch: KafkaMessage[], elapsedMs: number): Promise<void> {
    const rate = this.config.backpressure.maxRatePerPartition
    if (rate === 0 || batch.length === 0) return
    const perPartition = new Map<number, number>()
    for (const message of batch) perPartition.set(message.partition, (perPartition.get(message.partition) ?? 0) + 1)
    const neededMs = Math.max(...perPartition.values()) / rate * 1000
    if (neededMs > elapsedMs) {
      this.throttled = true
      this.consumer.pause()
      await new Promise((resolve) => setTimeout(resolve, neededMs - elapsedMs))
      this.consumer.resume()
      this.throttled = false
    }
  }

  /** Stops fetching, processes what was fetched, checkpoints every partition, leaves the group. */
  async stop (): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.consumer.pause()
    await this.running
    while (this.buffer.length > 0) await this.processBatch(this.takeBatch(this.config.batch.maxRecords))
    await this.checkpointDue(Date.now(), new Set(), true)
    await this.committing
    if (this.pendingCommits.size > 0) {
      await this.consumer.commit([...this.pendingCommits.values()]).catch((error: Error) => this.log.warn('final offset commit failed', { error: error.message }))
    }
    try {
      await this.consumer.close()
    } catch (error) {
      this.log.warn('leaving the consumer group failed', { error: (error as Error).message })
    }
    await this.dlq.disconnect().catch(() => {})
    await this.sink.close()
  }
}
