// Every processor setting: its path in the YAML file, type, default, bounds and meaning.
// The loader derives the env var (SPATE_ + path in upper snake case, e.g. window.allowedLateness
// -> SPATE_WINDOW_ALLOWED_LATENESS) and the flag (--window.allowedLateness=5s) from the path,
// and docs/processor.md lists this table.

export type Kind =
  | { type: 'string', pattern?: RegExp, patternHint?: string, optional?: boolean }
  | { type: 'int', min: number, max: number }
  /** An integer, or "auto" (resolved by the loader, e.g. to the cores the process is given). */
  | { type: 'int-or-auto', min: number, max: number }
  | { type: 'bool' }
  | { type: 'duration', minMs: number, maxMs: number }
  | { type: 'bytes', min: number, max: number }
  | { type: 'enum', values: readonly string[] }
  | { type: 'list', pattern?: RegExp, patternHint?: string, minItems: number }

export interface Setting {
  path: string
  kind: Kind
  default: string | number | boolean | string[] | undefined
  doc: string
  /** Secrets come from the environment only: a YAML file or flag that sets them is refused. */
  secret?: boolean
}

const HOST_PORT = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/
const KAFKA_NAME = /^[A-Za-z0-9._-]{1,249}$/
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

export const settings: readonly Setting[] = [
  { path: 'workers', kind: { type: 'int-or-auto', min: 1, max: 64 }, default: 'auto', doc: 'worker threads, each a consumer in the group with its own share of the partitions; auto = the cores the process may use (CPU affinity and cgroup quota); 1 = no worker threads' },
  { path: 'profile', kind: { type: 'enum', values: ['basic', 'medium', 'complex'] }, default: 'basic', doc: 'logic profile: basic (parse + upsert), medium (validate, enrich, aggregate), complex (flatten nested records, several aggregations)' },

  { path: 'kafka.brokers', kind: { type: 'list', pattern: HOST_PORT, patternHint: 'host:port', minItems: 1 }, default: ['127.0.0.1:19092'], doc: 'bootstrap brokers' },
  { path: 'kafka.topic', kind: { type: 'string', pattern: KAFKA_NAME, patternHint: 'a Kafka topic name' }, default: 'spate-events', doc: 'topic to consume' },
  { path: 'kafka.groupId', kind: { type: 'string', pattern: KAFKA_NAME, patternHint: 'a consumer group id' }, default: 'spate-processor', doc: 'consumer group; instances with the same group share the partitions' },
  { path: 'kafka.clientId', kind: { type: 'string' }, default: 'spate-processor', doc: 'client id sent to the brokers' },
  { path: 'kafka.dlqTopic', kind: { type: 'string', pattern: KAFKA_NAME, patternHint: 'a Kafka topic name' }, default: 'spate-events-dlq', doc: 'dead-letter topic for records that cannot be processed, or arrive too late' },
  { path: 'kafka.maxRecordBytes', kind: { type: 'bytes', min: 64, max: 64 * 1024 * 1024 }, default: 1024 * 1024, doc: 'larger records go to the dead-letter topic as oversize' },
  { path: 'kafka.sessionTimeout', kind: { type: 'duration', minMs: 6 * SECOND, maxMs: 5 * MINUTE }, default: 10 * SECOND, doc: 'consumer group session timeout' },
  { path: 'kafka.sasl.mechanism', kind: { type: 'enum', values: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] }, default: 'none', doc: 'SASL mechanism' },
  { path: 'kafka.sasl.username', kind: { type: 'string', optional: true }, default: undefined, doc: 'SASL user' },
  { path: 'kafka.sasl.password', kind: { type: 'string', optional: true }, default: undefined, doc: 'SASL password (env SPATE_KAFKA_SASL_PASSWORD only)', secret: true },
  { path: 'kafka.tls.enabled', kind: { type: 'bool' }, default: false, doc: 'connect to the brokers over TLS' },
  { path: 'kafka.tls.caFile', kind: { type: 'string', optional: true }, default: undefined, doc: 'PEM file of the CA that signed the brokers\' certificates' },

  { path: 'window.size', kind: { type: 'duration', minMs: SECOND, maxMs: HOUR }, default: 10 * SECOND, doc: 'tumbling event-time window length' },
  { path: 'window.allowedLateness', kind: { type: 'duration', minMs: 0, maxMs: HOUR }, default: 5 * SECOND, doc: 'watermark = max event time seen in the partition - allowed lateness' },
  { path: 'window.idleTimeout', kind: { type: 'duration', minMs: 100, maxMs: HOUR }, default: 5 * SECOND, doc: 'a partition without records for this long advances its watermark with the clock, so its last windows close' },
  { path: 'window.valueField', kind: { type: 'string', pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternHint: 'a JSON field name' }, default: 'value', doc: 'numeric field aggregated as sum/min/max' },

  { path: 'batch.maxRecords', kind: { type: 'int', min: 1, max: 1_000_000 }, default: 20_000, doc: 'a micro-batch ends after this many records' },
  { path: 'batch.maxWait', kind: { type: 'duration', minMs: 1, maxMs: MINUTE }, default: 250, doc: '... or after this long, whichever comes first' },

  { path: 'backpressure.maxRatePerPartition', kind: { type: 'int', min: 0, max: 100_000_000 }, default: 0, doc: 'records per second per partition, 0 = unlimited (Spark\'s maxRatePerPartition)' },
  { path: 'backpressure.maxBufferedRecords', kind: { type: 'int', min: 1, max: 100_000_000 }, default: 200_000, doc: 'consumption pauses while this many records wait to be processed' },
  { path: 'backpressure.maxBufferedBytes', kind: { type: 'bytes', min: 1024, max: 16 * 1024 * 1024 * 1024 }, default: 256 * 1024 * 1024, doc: '... or this many bytes' },

  { path: 'redis.url', kind: { type: 'string', pattern: /^rediss?:\/\/[^/]+(\/\d+)?$/, patternHint: 'redis://host:port[/db] or rediss:// for TLS' }, default: 'redis://127.0.0.1:16379', doc: 'Redis server' },
  { path: 'redis.tls.caFile', kind: { type: 'string', optional: true }, default: undefined, doc: 'PEM file of the CA that signed Redis\'s certificate (rediss:// URLs)' },
  { path: 'redis.username', kind: { type: 'string', optional: true }, default: undefined, doc: 'ACL user' },
  { path: 'redis.password', kind: { type: 'string', optional: true }, default: undefined, doc: 'password (env SPATE_REDIS_PASSWORD only)', secret: true },
  { path: 'redis.mode', kind: { type: 'enum', values: ['pooled', 'naive'] }, default: 'pooled', doc: 'pooled: long-lived pipelined connections; naive: a connection per record, to reproduce that bottleneck' },
  { path: 'redis.poolSize', kind: { type: 'int', min: 1, max: 256 }, default: 4, doc: 'connections in the pool' },
  { path: 'redis.pipelineSize', kind: { type: 'int', min: 1, max: 100_000 }, default: 1000, doc: 'hashes written per pipelined round trip (a key\'s window or a ledger entry)' },
  { path: 'redis.maxInFlight', kind: { type: 'int', min: 1, max: 1024 }, default: 8, doc: 'pipelines in flight at once across the pool' },
  { path: 'redis.keyPrefix', kind: { type: 'string', pattern: /^[A-Za-z0-9:_.-]{1,64}$/, patternHint: 'letters, digits, : _ . -' }, default: 'spate', doc: 'prefix of every key written (docs/sink.md)' },
  { path: 'redis.confirmAfter', kind: { type: 'duration', minMs: 0, maxMs: 10 * MINUTE }, default: 3 * SECOND, doc: 'written windows stay in the checkpoint until Redis has run this long after the write without restarting, and are written again if it restarted (covers appendfsync everysec)' },
  { path: 'redis.ttl', kind: { type: 'duration', minMs: 0, maxMs: 365 * 24 * HOUR }, default: 0, doc: 'expiry of written keys, 0 = none' },

  { path: 's3.endpoint', kind: { type: 'string', optional: true, pattern: /^https?:\/\/[^/]+$/, patternHint: 'http(s)://host[:port]' }, default: 'http://127.0.0.1:19000', doc: 'S3 endpoint; unset for AWS S3 in s3.region' },
  { path: 's3.region', kind: { type: 'string', pattern: /^[a-z0-9-]+$/, patternHint: 'an AWS region such as us-east-1' }, default: 'us-east-1', doc: 'S3 region' },
  { path: 's3.bucket', kind: { type: 'string', pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, patternHint: 'an S3 bucket name' }, default: 'spate-checkpoints', doc: 'bucket for checkpoints' },
  { path: 's3.prefix', kind: { type: 'string', pattern: /^[A-Za-z0-9!_.*'()\/-]{0,512}$/, patternHint: 'an S3 key prefix' }, default: 'checkpoints', doc: 'key prefix of checkpoint objects' },
  { path: 's3.accessKeyId', kind: { type: 'string', optional: true }, default: undefined, doc: 'env SPATE_S3_ACCESS_KEY_ID only', secret: true },
  { path: 's3.secretAccessKey', kind: { type: 'string', optional: true }, default: undefined, doc: 'env SPATE_S3_SECRET_ACCESS_KEY only', secret: true },

  { path: 'checkpoint.interval', kind: { type: 'duration', minMs: 0, maxMs: HOUR }, default: 2 * SECOND, doc: 'least time between two checkpoints of a partition (0 = after every micro-batch)' },
  { path: 'checkpoint.keep', kind: { type: 'int', min: 1, max: 1000 }, default: 3, doc: 'checkpoints kept per partition; older ones are deleted' },

  { path: 'metrics.host', kind: { type: 'string' }, default: '127.0.0.1', doc: 'address of /metrics, /healthz, /readyz' },
  { path: 'metrics.port', kind: { type: 'int', min: 0, max: 65535 }, default: 19400, doc: 'port of /metrics, /healthz, /readyz' },

  { path: 'log.level', kind: { type: 'enum', values: ['debug', 'info', 'warn', 'error'] }, default: 'info', doc: 'least severe level written' },
  { path: 'log.reportInterval', kind: { type: 'duration', minMs: 0, maxMs: HOUR }, default: 10 * SECOND, doc: 'period of the one-line throughput report, 0 = off' },
]
