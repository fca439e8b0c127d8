// The processor's Kafka consumer: group membership and offset commits on kafkajs, fetching on
// spate's own fetch client (consume/fetch/).
//
// Why the split: kafkajs hands records to JavaScript as an object per record with string offsets,
// and on the reference machine that alone held the processor to about a tenth of Kafka's own
// consumer; the fetch client reads the same responses into record runs (consume/records.ts) about
// ten times faster (BENCHMARKS.md). kafkajs is unmaintained since 2023, so what it still does for
// spate - joining the group, heartbeats, assignments, commits - stays behind this one module; its
// own fetching is paused for good, which leaves its heartbeat loop running.
//
// Offsets belong to the checkpoint: nothing commits on its own, and a partition newly assigned to
// this instance starts at the group's committed offset, which the pipeline commits only after the
// matching checkpoint is durable. A partition kept across a rebalance by the same member keeps its
// fetch position: nobody else can have read it meanwhile.
import { Kafka, logLevel, type Admin, type Consumer, type SASLOptions } from 'kafkajs'
import { readFileSync } from 'node:fs'
import type { ProcessorConfig } from '../config/types.ts'
import { SpateError } from '../errors.ts'
import { UNTRUSTED_CERTIFICATE } from '../tls.ts'
import type { Logger } from '../log.ts'
import { ConnectionError } from './fetch/connection.ts'
import { EARLIEST, Fetcher } from './fetch/fetcher.ts'
import { RecordBatchError } from './fetch/record-batches.ts'
import { SaslError } from './fetch/sasl.ts'
import type { RecordRun } from './records.ts'

/** A fetch's bound, and a partition's share of it (Kafka's own consumer default), unless the buffer is smaller. */
export const FETCH_MAX_BYTES = 8 * 1024 * 1024
export const PARTITION_FETCH_MAX_BYTES = 1024 * 1024

export interface ConsumerHandlers {
  /** Takes one fetch's records; resolving it lets the consumer fetch more. isStale: a seek or a rebalance made some of them obsolete. */
  onRecords (runs: RecordRun[], isStale: () => boolean): Promise<void>
  /** memberId: this consumer's id in the group; a new one means the group had dropped it. */
  onAssigned (partitions: number[], memberId: string): void
  /** kafkajs gave up on the consumer and will not restart it. */
  onStopped (error: Error): void
  /** Log end offset of a partition, seen with each fetch: for the lag gauge. */
  onHighWatermark (partition: number, highWatermark: bigint): void
}

/**
 * kafkajs' own log lines. Before the consumer has started they are held back: a Kafka that cannot
 * be reached makes kafkajs log a dozen retries (one with a stack trace), and the processor says
 * it in one line instead (kafkaError below). Once running they become the processor's JSON
 * lines, without stack traces.
 */
export class KafkaLog {
  private held: Array<{ level: 'warn' | 'error', message: string, fields: Record<string, unknown> }> = []
  private running = false
  private readonly log: Logger

  constructor (log: Logger) {
    this.log = log
  }

  write (level: 'warn' | 'error', message: string, fields: Record<string, unknown>): void {
    const { stack: _stack, ...rest } = fields
    const entry = { level, message, fields: { source: 'kafkajs', ...rest } }
    if (!this.running) {
      // Bounded: a long failing start keeps only the latest lines.
      this.held.push(entry)
      if (this.held.length > 50) this.held.shift()
      return
    }
    this.log[level](message, entry.fields)
  }

  /** From now on lines are logged as they come; the ones held back go to the debug level. */
  started (): void {
    this.running = true
    for (const { message, fields } of this.held) this.log.debug(message, fields)
    this.held = []
  }
}

export function kafkaClient (config: ProcessorConfig, log: Logger): { kafka: Kafka, log: KafkaLog } {
  const { kafka } = config
  const kafkaLog = new KafkaLog(log)
  const sasl = kafka.sasl.mechanism === 'none'
    ? undefined
    : { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username as string, password: kafka.sasl.password as string } as SASLOptions
  const client = new Kafka({
    clientId: kafka.clientId,
    brokers: kafka.brokers,
    ...(sasl ? { sasl } : {}),
    ...(kafka.tls.enabled ? { ssl: kafka.tls.caFile ? { ca: [readFileSync(kafka.tls.caFile, 'utf8')] } : true } : {}),
    connectionTimeout: 5000,
    retry: { retries: 5 },
    // Never with credentials: kafkajs does not log them.
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }) => {
      const { message, ...fields } = entry
      kafkaLog.write(level === logLevel.ERROR ? 'error' : 'warn', message, fields)
    },
  })
  return { kafka: client, log: kafkaLog }
}

/** kafkajs error classes that mean no broker could be reached (by class name, never by message). */
const UNREACHABLE = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError'])

/** A kafkajs error as one line for people, with the error code of the registry. */
export function kafkaError (error: unknown, brokers: readonly string[]): SpateError {
  if (error instanceof SpateError) return error
  const chain: Array<Error & { errors?: Error[] }> = []
  for (let e = error as (Error & { cause?: unknown, originalError?: unknown, errors?: Error[] }) | undefined; e && chain.length < 5; e = (e.cause ?? e.originalError) as typeof e) chain.push(e)
  const first = chain[0]
  const inner = first?.errors?.[0]?.message
  const text = [first?.message ?? String(error), inner].filter(Boolean).join(': ')
  const all = [...chain, ...(first?.errors ?? [])] as Array<Error & { code?: unknown }>
  if (first instanceof RecordBatchError) return new SpateError('SPATE_KAFKA', first.message, { cause: error })
  if (all.some((e) => e.name === 'KafkaJSSASLAuthenticationError' || e instanceof SaslError)) {
    return new SpateError('SPATE_KAFKA_AUTH', `Kafka refused the SASL credentials (${text}); check kafka.sasl.mechanism, kafka.sasl.username and SPATE_KAFKA_SASL_PASSWORD`, { cause: error })
  }
  if (all.some((e) => UNTRUSTED_CERTIFICATE.has(String(e.code)) || /certificate/i.test(e.message))) {
    return new SpateError('SPATE_KAFKA_TLS', `the brokers' TLS certificate is not trusted (${text}); set kafka.tls.caFile (SPATE_KAFKA_TLS_CA_FILE) to the PEM file of their CA`, { cause: error })
  }
  if (chain.some((e) => UNREACHABLE.has(e.name) || e instanceof ConnectionError) || first?.errors?.some((e) => UNREACHABLE.has(e.name))) {
    return new SpateError('SPATE_KAFKA_UNREACHABLE', `cannot reach Kafka (${text}); check kafka.brokers (${brokers.join(',')})`, { cause: error })
  }
  return new SpateError('SPATE_KAFKA', `Kafka failed a request (${text})`, { cause: error })
}

export class GroupConsumer {
  private readonly consumer: Consumer
  private readonly admin: Admin
  private readonly fetcher: Fetcher
  private readonly config: ProcessorConfig
  private readonly log: Logger
  private readonly topic: string
  private handlers: ConsumerHandlers | undefined
  private memberId: string | undefined
  /** Counts assignments: a committed-offset lookup for an older one is not applied. */
  private assignments = 0
  private stopped = false

  constructor (kafka: Kafka, config: ProcessorConfig, log: Logger) {
    this.config = config
    this.log = log
    this.topic = config.kafka.topic
    this.consumer = kafka.consumer({
      groupId: config.kafka.groupId,
      sessionTimeout: config.kafka.sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(config.kafka.sessionTimeout / 3)),
      // kafkajs fetches nothing (its topic stays paused); its loop sleeps this long between
      // heartbeats.
      maxWaitTimeInMs: Math.min(500, config.batch.maxWait),
      allowAutoTopicCreation: false,
      // The consumer's own retries (its coordinator lookups) outlast a broker restart, about 60 s
      // in all: a restart must pause the pipeline, not end it. The start's checks go through the
      // client's shorter retries, so an unreachable Kafka still fails fast.
      retry: { retries: 10, maxRetryTime: 10_000 },
    })
    this.admin = kafka.admin()
    const { kafka: settings, backpressure } = config
    this.fetcher = new Fetcher({
      brokers: settings.brokers,
      topic: this.topic,
      connection: {
        clientId: settings.clientId,
        tls: settings.tls.enabled ? (settings.tls.caFile ? { ca: [readFileSync(settings.tls.caFile, 'utf8')] } : {}) : undefined,
        sasl: settings.sasl.mechanism === 'none' ? undefined : { mechanism: settings.sasl.mechanism, username: settings.sasl.username as string, password: settings.sasl.password as string },
        connectTimeoutMs: 5000,
        requestTimeoutMs: 30_000,
      },
      maxWaitMs: Math.min(500, config.batch.maxWait),
      // Fetches of a few MB, as Kafka's own consumer (fetch.max.bytes is larger, but
      // max.partition.fetch.bytes is 1 MiB): a response is read while it is still in the
      // processor's caches, and the next fetch is served while the buffer is read. One fetch
      // lands in the buffer whole, so it stays small next to the buffer's bound: the buffer holds
      // at most its bound plus one fetch.
      maxBytes: Math.min(backpressure.maxBufferedBytes, FETCH_MAX_BYTES),
      partitionMaxBytes: Math.max(64 * 1024, Math.min(PARTITION_FETCH_MAX_BYTES, Math.floor(backpressure.maxBufferedBytes / 4))),
      // As long as kafkajs' own retries: a broker restart pauses the pipeline, it does not end it.
      giveUpMs: 90_000,
    }, {
      onRuns: async (runs, isStale) => this.handlers?.onRecords(runs, isStale),
      onHighWatermark: (partition, highWatermark) => this.handlers?.onHighWatermark(partition, highWatermark),
      onStopped: (error) => this.handlers?.onStopped(kafkaError(error, settings.brokers)),
    }, log)
  }

  async start (handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.pauseKafkajs()
      const partitions = [...(event.payload.memberAssignment[this.topic] ?? [])].sort((a, b) => a - b)
      const rejoined = this.memberId !== undefined && event.payload.memberId !== this.memberId
      this.memberId = event.payload.memberId
      handlers.onAssigned(partitions, event.payload.memberId)
      this.assign(partitions, rejoined)
    })
    // kafkajs restarts the consumer after retriable failures (a broker restart); when it does
    // not, nothing would be consumed again, so the process must stop and be restarted.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) handlers.onStopped(event.payload.error)
    })
    await this.admin.connect()
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true })
    // Records reach the pipeline through the fetch client only; whatever kafkajs fetches before
    // its topic is paused is left alone.
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} })
  }

  /**
   * Follows a new assignment: revoked partitions stop at once; kept ones go on from where they
   * are unless the group had dropped this member (then everything starts again from the
   * committed offsets, as the pipeline restores everything from the checkpoints); new ones start
   * at the group's committed offset, or at the earliest offset when there is none.
   */
  private assign (partitions: number[], rejoined: boolean): void {
    const assignment = ++this.assignments
    const current = this.fetcher.assigned
    const kept = new Map<number, number>()
    if (!rejoined) for (const partition of partitions) if (current.has(partition)) kept.set(partition, current.get(partition) as number)
    this.fetcher.assign(kept)
    const fresh = partitions.filter((partition) => !kept.has(partition))
    if (fresh.length === 0) return
    const lookUp = async (): Promise<void> => {
      for (let attempt = 1; !this.stopped && assignment === this.assignments; attempt++) {
        try {
          const [committed] = await this.admin.fetchOffsets({ groupId: this.config.kafka.groupId, topics: [this.topic] })
          if (assignment !== this.assignments) return
          const offsets = new Map(committed?.partitions.map(({ partition, offset }) => [partition, Number(offset)]) ?? [])
          const positions = new Map(this.fetcher.assigned)
          for (const partition of fresh) {
            const offset = offsets.get(partition) ?? -1
            positions.set(partition, offset >= 0 ? offset : EARLIEST)
          }
          this.fetcher.assign(positions)
          return
        } catch (error) {
          this.log.warn('reading the group\'s committed offsets failed; retrying', { error: (error as Error).message, attempt })
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)))
        }
      }
    }
    lookUp().catch(() => {})
  }

  private pauseKafkajs (): void {
    try {
      this.consumer.pause([{ topic: this.topic }])
    } catch {
      // kafkajs refuses while it restarts the consumer; the next GROUP_JOIN pauses it.
    }
  }

  /** Stops fetching (records already handed over stay with the caller). */
  pause (): void {
    this.fetcher.pause()
  }

  resume (): void {
    this.fetcher.resume()
  }

  /** The next fetch of the partition starts at offset; records fetched before are not delivered. */
  seek (partition: number, offset: bigint): void {
    this.fetcher.seek(partition, Number(offset))
  }

  async commit (offsets: Array<{ partition: number, offset: bigint }>): Promise<void> {
    await this.consumer.commitOffsets(offsets.map(({ partition, offset }) => ({ topic: this.topic, partition, offset: offset.toString() })))
  }

  /** Leaves the group, so its partitions move to the other instances at once. */
  async close (): Promise<void> {
    this.stopped = true
    this.fetcher.close()
    await this.consumer.disconnect()
    await this.admin.disconnect().catch(() => {})
  }
}
