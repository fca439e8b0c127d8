// Dead letters: records that cannot be processed, or arrive too late, go to kafka.dlqTopic with
// acks=all before the partition's checkpoint moves past them. At-least-once: a crash after the
// produce and before the checkpoint produces them again on replay; the spate-source header
// (<topic>/<partition>/<offset>) is unique per source record, so a reader deduplicates on it.
import { Partitioners, type Kafka, type Producer } from 'kafkajs'
import { deadLetterHeaders } from '../../../contract/messages.ts'
import type { ProcessorConfig } from '../config/types.ts'
import type { SourceRecord } from '../consume/records.ts'
import type { DeadLetter } from '../decode/record.ts'
import type { Logger } from '../log.ts'
import type { ProcessorMetrics } from '../metrics/metrics.ts'
import { retry } from '../retry.ts'

/** Dead letters per produce request, well under the broker's default message.max.bytes (1 MB). */
const CHUNK_BYTES = 512 * 1024

export interface DeadLetterOut {
  source: SourceRecord
  letter: DeadLetter
}

type Outgoing = { key: Buffer | null, value: Buffer, headers: Record<string, string> }

export class DeadLetters {
  private readonly producer: Producer
  private readonly config: ProcessorConfig
  private readonly log: Logger
  private readonly metrics: ProcessorMetrics

  constructor (kafka: Kafka, config: ProcessorConfig, log: Logger, metrics: ProcessorMetrics) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 5 }, createPartitioner: Partitioners.DefaultPartitioner })
    this.config = config
    this.log = log
    this.metrics = metrics
  }

  connect (): Promise<void> {
    return this.producer.connect()
  }

  async disconnect (): Promise<void> {
    await this.producer.disconnect().catch(() => {})
  }

  async send (letters: readonly DeadLetterOut[]): Promise<void> {
    if (letters.length === 0) return
    const counts = new Map<string, number>()
    const messages: Outgoing[] = letters.map(({ source, letter }) => {
      counts.set(letter.reason, (counts.get(letter.reason) ?? 0) + 1)
      // An oversize value is not copied: the dead letter would be refused for the same reason.
      const value = letter.reason === 'oversize' ? Buffer.alloc(0) : (source.value ?? Buffer.alloc(0))
      return {
        key: source.key,
        value,
        headers: {
          [deadLetterHeaders.reason]: letter.reason,
          [deadLetterHeaders.detail]: letter.detail.slice(0, 500),
          [deadLetterHeaders.source]: `${this.config.kafka.topic}/${source.partition}/${source.offset}`,
        },
      }
    })
    // Chunks: a produce request carries one record batch per partition, and a batch larger than
    // the broker's message.max.bytes is refused whole.
    let chunk: Outgoing[] = []
    let bytes = 0
    for (const message of messages) {
      const size = message.value.length + (message.key?.length ?? 0) + 600
      if (chunk.length > 0 && bytes + size > CHUNK_BYTES) {
        await this.sendChunk(chunk)
        chunk = []
        bytes = 0
      }
      chunk.push(message)
      bytes += size
    }
    await this.sendChunk(chunk)
    for (const [reason, count] of counts) this.metrics.deadLettered.inc({ reason }, count)
  }

  private async sendChunk (messages: Outgoing[]): Promise<void> {
    await retry(() => this.producer.send({ topic: this.config.kafka.dlqTopic, acks: -1, messages }), {
      baseMs: 100,
      maxMs: 5000,
      giveUp: (error) => (error as { retriable?: boolean }).retriable === false,
      onRetry: (error, attempt, retryInMs) => this.log.warn('dead-letter produce failed; retrying', { error: error.message, attempt, retryInMs }),
    })
  }
}
