// The message format (docs/messages.md) shared by the load scripts, which produce it, and the
// processor, which decodes it. No Node or k6 APIs: both runtimes import this module.

/** The fields every record carries; profiles read more (docs/messages.md). */
export interface RecordBody {
  runId: string
  /** The record's number within its run, 0 .. N-1. */
  seq: number
  /** Aggregation key; the Kafka record key carries the same string. */
  key: string
  /** Milliseconds since the epoch. */
  eventTime: number
  value: number
}

/** Why a record went to the dead-letter topic (header spate-reason). */
export const deadLetterReasons = [
  'empty', 'malformed-json', 'invalid-utf8', 'missing-field', 'wrong-type', 'key-mismatch', 'oversize', 'invalid', 'late',
] as const
export type DeadLetterReason = typeof deadLetterReasons[number]

/** Headers of a dead letter. spate-source makes each one unique: a reader deduplicates on it. */
export const deadLetterHeaders = { reason: 'spate-reason', detail: 'spate-detail', source: 'spate-source' } as const
