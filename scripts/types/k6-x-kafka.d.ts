// Types for the `k6/x/kafka` module of spate's engine (engine/internal/modules/kafka). Its API follows
// the k6 Kafka extension's (v2); these declarations describe what the runtime accepts, with optional fields
// optional and no enums that the runtime lacks.
declare module 'k6/x/kafka' {
  /** produce({generate}): count messages with sequence numbers firstSeq .. firstSeq+count-1. */
  export interface GenerateRequest {
    schema: 'basic' | 'medium' | 'complex'
    runId: string
    firstSeq: number
    count: number
    keys: number
    /** Event time in ms since the epoch (default: now). */
    eventTime?: number
    topic?: string
  }

  export type Bytes = string | ArrayBuffer | Uint8Array

  export interface SASLConfig {
    algorithm: 'plain' | 'scram-sha-256' | 'scram-sha-512'
    username: string
    password: string
  }

  export interface TLSConfig {
    enabled: boolean
    insecureSkipVerify?: boolean
    caFile?: string
    certFile?: string
    keyFile?: string
  }

  export interface ConnectionConfig {
    brokers: string[]
    sasl?: SASLConfig
    tls?: TLSConfig
  }

  export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

  export interface ProducerConfig extends ConnectionConfig {
    /** Default topic for messages that name none. */
    topic?: string
    /** -1 = all in-sync replicas (the default here), 1 = leader only, 0 = none. */
    requiredAcks?: -1 | 0 | 1
    /** Maximum records per batch. */
    batchSize?: number
    /** Maximum bytes per batch. */
    batchBytes?: number
    /** How long a partition's batch may wait for more records, in milliseconds. */
    lingerMs?: number
    compression?: Compression
    maxInFlight?: number
    clientId?: string
    /** Producers with the same share key in one k6 process use one Kafka client. */
    share?: string
  }

  export interface Message {
    topic?: string
    key?: Bytes
    value: Bytes
    headers?: Record<string, string>
    /** Record timestamp: a Date or milliseconds since the epoch. */
    time?: Date | number
    partition?: number
  }

  export class Producer {
    constructor(config: ProducerConfig)
    /**
     * Sends the messages and returns when every one is acknowledged. With `generate`, spate's
     * engine builds the messages natively, byte-identical to scripts/lib/messages.ts (the script
     * still decides their content: schema, run id, sequence range, key space, event time).
     */
    produce(request: { messages: Message[] } | { generate: GenerateRequest }): void
    close(): void
  }

  export interface TopicConfig {
    topic: string
    numPartitions?: number
    replicationFactor?: number
    configEntries?: Record<string, string> | Array<{ configName: string; configValue: string }>
  }

  export class AdminClient {
    constructor(config: ConnectionConfig)
    /** True when created, false when the topic already existed. */
    createTopic(config: TopicConfig): boolean
    deleteTopic(topic: string): void
    listTopics(): string[]
    describeTopic(topic: string): { topic: string; partitions: number }
    /**
     * Log end offsets of the topic summed over its partitions, and, with a group, that group's
     * committed offsets and lag (end - committed).
     */
    topicOffsets(topic: string, groupId?: string): { end: number; committed: number; lag: number }
    close(): void
  }

  export interface ConsumerConfig extends ConnectionConfig {
    topic: string
    groupId?: string
    startOffset?: 'earliest' | 'latest'
  }

  export interface ConsumedMessage {
    topic: string
    partition: number
    offset: number
    key: string
    value: string
    headers: Record<string, string>
    time: Date
  }

  export class Consumer {
    constructor(config: ConsumerConfig)
    /** Returns after maxMessages or timeoutMs (default 10000), whichever comes first. */
    consume(request: { maxMessages: number; timeoutMs?: number }): ConsumedMessage[]
    close(): void
  }

  export const SASL_PLAIN: 'plain'
  export const SASL_SCRAM_SHA256: 'scram-sha-256'
  export const SASL_SCRAM_SHA512: 'scram-sha-512'
  export const CODEC_NONE: 'none'
  export const CODEC_GZIP: 'gzip'
  export const CODEC_SNAPPY: 'snappy'
  export const CODEC_LZ4: 'lz4'
  export const CODEC_ZSTD: 'zstd'
  export const NANOSECOND: number
  export const MICROSECOND: number
  export const MILLISECOND: number
  export const SECOND: number
}
