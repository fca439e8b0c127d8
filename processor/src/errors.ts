// Every error the processor raises on purpose carries a stable code from one registry: callers
// branch on the code (or on `retriable`), people read the message. docs/processor.md has a
// section per code (#errors).
export const errorCodes = {
  SPATE_CONFIG: { retriable: false, summary: 'a setting is invalid, unknown or missing' },
  SPATE_KAFKA_UNREACHABLE: { retriable: true, summary: 'no Kafka broker answered' },
  SPATE_KAFKA_TOPIC: { retriable: false, summary: 'the topic or the dead-letter topic does not exist' },
  SPATE_KAFKA: { retriable: true, summary: 'Kafka refused or failed a request' },
  SPATE_KAFKA_AUTH: { retriable: false, summary: 'Kafka refused the SASL credentials' },
  SPATE_KAFKA_TLS: { retriable: false, summary: 'the brokers\' TLS certificate is not trusted' },
  SPATE_REDIS_UNREACHABLE: { retriable: true, summary: 'Redis did not answer' },
  SPATE_REDIS_AUTH: { retriable: false, summary: 'Redis refused the credentials' },
  SPATE_REDIS_TLS: { retriable: false, summary: 'Redis\'s TLS certificate is not trusted' },
  SPATE_REDIS_NO_PASSWORD: { retriable: false, summary: 'a Redis password is set for a Redis that has none' },
  SPATE_CHECKPOINT: { retriable: true, summary: 'S3 failed a checkpoint request' },
  SPATE_CHECKPOINT_FENCED: { retriable: false, summary: 'another instance wrote the partition\'s next checkpoint first' },
  SPATE_METRICS_PORT: { retriable: false, summary: 'the metrics port cannot be opened' },
  SPATE_INTERNAL: { retriable: false, summary: 'an unexpected error; the last checkpoint stands' },
} as const

export type ErrorCode = keyof typeof errorCodes

export class SpateError extends Error {
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SpateError'
    this.code = code
  }

  get retriable (): boolean {
    return errorCodes[this.code].retriable
  }
}
