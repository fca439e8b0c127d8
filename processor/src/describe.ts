// An error as one line for people: registered errors carry their own message, Kafka's are
// translated by class, anything else is an unexpected error. Shared by the main thread and the
// worker threads, so both say the same thing about the same failure.
import { kafkaError } from './consume/group-consumer.ts'
import { SpateError, type ErrorCode } from './errors.ts'

export function describeError (error: unknown, config?: { kafka: { brokers: string[] } }): string {
  if (error instanceof SpateError) return error.message
  if (config && error instanceof Error && error.name.startsWith('KafkaJS')) return kafkaError(error, config.kafka.brokers).message
  const message = error instanceof Error ? error.message : String(error)
  return `unexpected error (${message}); the last checkpoint stands, a restart resumes from it`
}

export function errorCode (error: unknown): ErrorCode {
  return error instanceof SpateError ? error.code : 'SPATE_INTERNAL'
}
