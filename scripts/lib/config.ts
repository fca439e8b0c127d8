// The load scripts' configuration, read once from environment variables (docs/load-scripts.md).
//
// A bad value must stop the run before anything is produced, with one line that names the
// variable and what is allowed. An exception in the init context would end the run as a script
// error (exit code 107), so the problem is kept here instead and setup() aborts the test with it
// (exit code 108).
import type { ProducerConfig, SASLConfig, TLSConfig } from 'k6/x/kafka'
import type { Profile, ProfileName } from '../../thresholds/profiles.ts'
import type { Schema } from './messages.ts'

export interface LoadConfig {
  brokers: string[]
  topic: string
  dlqTopic: string
  partitions: number
  /** Independent Kafka producers, whatever the number of VUs. */
  producers: number
  producer: Omit<ProducerConfig, 'brokers' | 'share'>
  sasl?: SASLConfig
  tls?: TLSConfig
  schema: Schema
  keys: number
  /** Messages per produce call (one iteration). */
  batch: number
  runId: string
  /** Unset means the script's own default profile. */
  thresholds: ProfileName | undefined
  /** Per-run changes to the profile, e.g. SPATE_MAX_WRITE_P99_MS=300. */
  thresholdOverrides: Partial<Profile>
}

export interface Loaded<T> {
  config: T
  /** The first problem found, as the one line the run stops with; undefined when all is well. */
  problem?: string
}

type Env = Record<string, string | undefined>

/** Collects the first problem while the reads go on with defaults, so options can still be built. */
export class EnvReader {
  problem: string | undefined
  constructor (private readonly env: Env) {}

  private fail (name: string, raw: string, allowed: string): void {
    this.problem ??= `${name}=${JSON.stringify(raw)} is invalid: ${allowed}`
  }

  /** Set, but to the empty string (which string() reads as unset). */
  empty (name: string): boolean {
    return this.env[name] === ''
  }

  string (name: string, fallback: string, pattern?: RegExp, allowed = 'a non-empty string'): string {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return fallback
    if (pattern && !pattern.test(raw)) {
      this.fail(name, raw, `must be ${allowed}`)
      return fallback
    }
    return raw
  }

  number (name: string, fallback: number, options: { min: number, max: number, integer?: boolean }): number {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    const kind = options.integer ? 'an integer' : 'a number'
    if (!Number.isFinite(value) || value < options.min || value > options.max || (options.integer && !Number.isInteger(value))) {
      this.fail(name, raw, `must be ${kind} from ${options.min} to ${options.max}`)
      return fallback
    }
    return value
  }

  oneOf<T extends string> (name: string, fallback: T, values: readonly T[]): T {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return fallback
    if (!(values as readonly string[]).includes(raw)) {
      this.fail(name, raw, `must be one of ${values.join(', ')}`)
      return fallback
    }
    return raw as T
  }

  /** A duration in k6's script API notation, such as 30s, 2m, 1h30m. */
  duration (name: string, fallback: string): string {
    return this.string(name, fallback, /^(\d+(ms|s|m|h))+$/, 'a duration such as 500ms, 30s, 2m or 1h30m')
  }

  list (name: string, fallback: string[], pattern: RegExp, allowed: string): string[] {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return fallback
    const items = raw.split(',').map((item) => item.trim())
    if (items.length === 0 || items.some((item) => !pattern.test(item))) {
      this.fail(name, raw, `must be ${allowed}`)
      return fallback
    }
    return items
  }
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/
const ACKS = { all: -1, leader: 1, none: 0 } as const

export function readLoadConfig (env: Env): { reader: EnvReader, config: LoadConfig } {
  const read = new EnvReader(env)
  const brokers = read.list('SPATE_KAFKA_BROKERS', ['127.0.0.1:19092'], /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'a comma-separated list of host:port')
  const topic = read.string('SPATE_TOPIC', 'spate-events', TOPIC, 'a Kafka topic name')
  const acks = read.oneOf('SPATE_ACKS', 'all', ['all', 'leader', 'none'])
  const compression = read.oneOf('SPATE_COMPRESSION', 'none', ['none', 'gzip', 'snappy', 'lz4', 'zstd'])
  const lingerMs = read.number('SPATE_LINGER_MS', 0, { min: 0, max: 60_000 })
  const batchBytes = read.number('SPATE_BATCH_BYTES', 1_000_000, { min: 512, max: 100 * 1024 * 1024, integer: true })
  const mechanism = read.oneOf('SPATE_KAFKA_SASL_MECHANISM', 'none', ['none', 'plain', 'scram-sha-256', 'scram-sha-512'])
  const tlsOn = read.oneOf('SPATE_KAFKA_TLS', 'false', ['true', 'false'])
  const config: LoadConfig = {
    brokers,
    topic,
    dlqTopic: read.string('SPATE_DLQ_TOPIC', `${topic}-dlq`, TOPIC, 'a Kafka topic name'),
    partitions: read.number('SPATE_PARTITIONS', 12, { min: 1, max: 10_000, integer: true }),
    producers: read.number('SPATE_PRODUCERS', 4, { min: 1, max: 1_000, integer: true }),
    producer: { requiredAcks: ACKS[acks], compression, lingerMs, batchBytes, clientId: 'spate-load' },
    schema: read.oneOf('SPATE_SCHEMA', 'basic', ['basic', 'medium', 'complex']),
    keys: read.number('SPATE_KEYS', 1_000, { min: 1, max: 100_000_000, integer: true }),
    batch: read.number('SPATE_BATCH', 10, { min: 1, max: 100_000, integer: true }),
    runId: read.string('SPATE_RUN_ID', '', /^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ - (at most 100)'),
    thresholds: env.SPATE_THRESHOLDS ? read.oneOf<ProfileName>('SPATE_THRESHOLDS', 'default', ['smoke', 'default', 'strict']) : undefined,
    thresholdOverrides: {},
  }
  for (const [name, field] of [['SPATE_MAX_WRITE_P95_MS', 'maxWriteP95Ms'], ['SPATE_MAX_WRITE_P99_MS', 'maxWriteP99Ms'], ['SPATE_MAX_E2E_P95_MS', 'maxEndToEndP95Ms'], ['SPATE_MAX_E2E_P99_MS', 'maxEndToEndP99Ms'], ['SPATE_MAX_START_DELAY_P99_MS', 'maxStartDelayP99Ms']] as const) {
    if (env[name] !== undefined && env[name] !== '') config.thresholdOverrides[field] = read.number(name, 0, { min: 0, max: 3_600_000 })
  }
  if (mechanism !== 'none') {
    const username = env.SPATE_KAFKA_SASL_USERNAME
    const password = env.SPATE_KAFKA_SASL_PASSWORD
    if (!username || !password) read.problem ??= `SPATE_KAFKA_SASL_MECHANISM=${mechanism} needs SPATE_KAFKA_SASL_USERNAME and SPATE_KAFKA_SASL_PASSWORD`
    config.sasl = { algorithm: mechanism, username: username ?? '', password: password ?? '' }
  }
  if (tlsOn === 'true') {
    const caFile = env.SPATE_KAFKA_TLS_CA_FILE
    config.tls = { enabled: true, ...(caFile ? { caFile } : {}) }
  }
  return { reader: read, config }
}
