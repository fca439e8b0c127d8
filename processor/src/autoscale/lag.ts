// The consumer group's lag, read from Kafka as any Kafka tool reads it: per partition, the log
// end offset minus the group's committed offset (the whole retained log when the group has
// committed nothing for it). The processor commits after each checkpoint (docs/processor.md), so
// this is the work not yet durably done, whatever the instances say about themselves.
import type { Admin } from 'kafkajs'
import type { ProcessorConfig } from '../config/types.ts'
import { kafkaClient, kafkaError } from '../consume/group-consumer.ts'
import { SpateError } from '../errors.ts'
import type { Logger } from '../log.ts'

export interface LagSample {
  /** Sum over the topic's partitions. */
  lag: number
  partitions: number
  byPartition: Map<number, number>
}

export class LagReader {
  private readonly admin: Admin
  private readonly topic: string
  private readonly group: string
  private readonly brokers: string[]

  constructor (config: ProcessorConfig, log: Logger) {
    // The processor's own client settings (brokers, SASL, TLS), so both reach Kafka alike.
    const { kafka } = kafkaClient({ ...config, kafka: { ...config.kafka, clientId: `${config.kafka.clientId}-autoscale` } }, log)
    this.admin = kafka.admin()
    this.topic = config.kafka.topic
    this.group = config.kafka.groupId
    this.brokers = config.kafka.brokers
  }

  async connect (): Promise<void> {
    try {
      await this.admin.connect()
    } catch (error) {
      throw kafkaError(error, this.brokers)
    }
  }

  async read (): Promise<LagSample> {
    let ends
    try {
      ends = await this.admin.fetchTopicOffsets(this.topic)
    } catch (error) {
      if (unknownTopic(error)) {
        throw new SpateError('SPATE_KAFKA_TOPIC', `topic ${this.topic} does not exist; create it (the load scripts do in setup()) or fix kafka.topic`)
      }
      throw kafkaError(error, this.brokers)
    }
    let committed
    try {
      committed = await this.admin.fetchOffsets({ groupId: this.group, topics: [this.topic] })
    } catch (error) {
      throw kafkaError(error, this.brokers)
    }
    const done = new Map<number, bigint>()
    for (const p of committed.find((t) => t.topic === this.topic)?.partitions ?? []) done.set(p.partition, BigInt(p.offset))
    const byPartition = new Map<number, number>()
    let lag = 0
    for (const p of ends) {
      const end = BigInt(p.high)
      const from = done.get(p.partition) ?? -1n
      const start = from >= 0n ? from : BigInt(p.low)
      const behind = end > start ? Number(end - start) : 0
      byPartition.set(p.partition, behind)
      lag += behind
    }
    return { lag, partitions: ends.length, byPartition }
  }

  async close (): Promise<void> {
    await this.admin.disconnect().catch(() => {})
  }
}

/** kafkajs' error for a missing topic, possibly wrapped by its retrier (by type, never by message). */
function unknownTopic (error: unknown): boolean {
  for (let e = error as { type?: string, cause?: unknown, originalError?: unknown } | undefined, depth = 0; e && depth < 5; e = (e.cause ?? e.originalError) as typeof e, depth++) {
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true
  }
  return false
}
