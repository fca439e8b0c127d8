// The processor's Kafka consumer: group membership, fetching and offset commits, on kafkajs.
//
// Why kafkajs: on the reference machine it hands records to JavaScript 6x faster than
// @platformatic/kafka and 3.4x faster than @confluentinc/kafka-javascript (BENCHMARKS.md,
// `task bench:clients`), and the processor is bound by that rate. It is unmaintained since 2023,
// so everything it does for spate stays behind this one module; the protocol versions it speaks
// are all still served by Kafka 4.1, which the tests run against.
//
// Offsets belong to the checkpoint: kafkajs never commits on its own (autoCommit: false), and a
// partition assigned to this instance starts at the group's committed offset, which the pipeline
// commits only after the matching checkpoint is durable.
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type SASLOptions } from 'kafkajs'
import { readFileSync } from 'node:fs'
import type { ProcessorConfig } from '../config/types.ts'
import { SpateError } from '../errors.ts'
import { UNTRUSTED_CERTIFICATE } from '../tls.ts'
import type { Logger } from '../log.ts'

export interface SourceRecord {
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
}

export interface ConsumerHandlers {
  /** Takes a fetched batch; resolving it lets the consumer fetch more for the partition. */
  onRecords (records: SourceRecord[], payload: { heartbeat: () => Promise<void>, isStale: () => boolean }): Promise<void>
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
  if (all.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    return new SpateError('SPATE_KAFKA_AUTH', `Kafka refused the SASL credentials (${text}); check kafka.sasl.mechanism, kafka.sasl.username and SPATE_KAFKA_SASL_PASSWORD`, { cause: error })
  }
  if (all.some((e) => UNTRUSTED_CERTIFICATE.has(String(e.code)) || /certificate/i.test(e.message))) {
    return new SpateError('SPATE_KAFKA_TLS', `the brokers' TLS certificate is not trusted (${text}); set kafka.tls.caFile (SPATE_KAFKA_TLS_CA_FILE) to the PEM file of their CA`, { cause: error })
  }
  if (chain.some((e) => UNREACHABLE.has(e.name)) || first?.errors?.some((e) => UNREACHABLE.has(e.name))) {
    return new SpateError('SPATE_KAFKA_UNREACHABLE', `cannot reach Kafka (${text}); check kafka.brokers (${brokers.join(',')})`, { cause: error })
  }
  return new SpateError('SPATE_KAFKA', `Kafka failed a request (${text})`, { cause: error })
}

export class GroupConsumer {
  private readonly consumer: Consumer
  private readonly topic: string
  private paused = false

  constructor (kafka: Kafka, config: ProcessorConfig) {
    this.topic = config.kafka.topic
    this.consumer = kafka.consumer({
      groupId: config.kafka.groupId,
      sessionTimeout: config.kafka.sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(config.kafka.sessionTimeout / 3)),
      maxWaitTimeInMs: Math.min(500, config.batch.maxWait),
      maxBytes: Math.min(config.backpressure.maxBufferedBytes, 64 * 1024 * 1024),
      // One partition's fetch lands in the buffer whole, so it must stay small next to the
      // buffer's bound: the buffer holds at most its bound plus one partition's fetch.
      maxBytesPerPartition: Math.max(64 * 1024, Math.min(8 * 1024 * 1024, Math.floor(config.backpressure.maxBufferedBytes / 4))),
      allowAutoTopicCreation: false,
      // The consumer's own retries (its coordinator lookups and fetches) outlast a broker
      // restart, about 60 s in all: a restart must pause the pipeline, not end it. The start's
      // checks go through the client's shorter retries, so an unreachable Kafka still fails fast.
      retry: { retries: 10, maxRetryTime: 10_000 },
    })
  }

  async start (handlers: ConsumerHandlers): Promise<void> {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      if (this.paused) this.apply()
      handlers.onAssigned([...(event.payload.memberAssignment[this.topic] ?? [])].sort((a, b) => a - b), event.payload.memberId)
    })
    // kafkajs restarts the consumer after retriable failures (a broker restart); when it does
    // not, nothing would be consumed again, so the process must stop and be restarted.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) handlers.onStopped(event.payload.error)
    })
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true })
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, isStale }: EachBatchPayload) => {
        handlers.onHighWatermark(batch.partition, BigInt(batch.highWatermark))
        if (batch.messages.length === 0) return
        const records: SourceRecord[] = new Array(batch.messages.length)
        for (let i = 0; i < batch.messages.length; i++) {
          const message = batch.messages[i] as (typeof batch.messages)[number]
          records[i] = { partition: batch.partition, offset: BigInt(message.offset), key: message.key, value: message.value }
        }
        await handlers.onRecords(records, { heartbeat, isStale })
      },
    })
  }

  /** Stops fetching (records already handed over stay with the caller). */
  pause (): void {
    if (this.paused) return
    this.paused = true
    this.apply()
  }

  resume (): void {
    if (!this.paused) return
    this.paused = false
    this.apply()
  }

  /**
   * kafkajs refuses pause and resume while it restarts the consumer (a broker restart); it
   * fetches nothing then anyway, and the state is applied again when the group is rejoined.
   */
  private apply (): void {
    try {
      if (this.paused) this.consumer.pause([{ topic: this.topic }])
      else this.consumer.resume([{ topic: this.topic }])
    } catch {
      // Applied again on the next GROUP_JOIN.
    }
  }

  /** The next fetch of the partition starts at offset; batches fetched before are not delivered. */
  seek (partition: number, offset: bigint): void {
    this.consumer.seek({ topic: this.topic, partition, offset: offset.toString() })
  }

  async commit (offsets: Array<{ partition: number, offset: bigint }>): Promise<void> {
    await this.consumer.commitOffsets(offsets.map(({ partition, offset }) => ({ topic: this.topic, partition, offset: offset.toString() })))
  }

  /** Leaves the group, so its partitions move to the other instances at once. */
  async close (): Promise<void> {
    await this.consumer.disconnect()
  }
}
