// Turns a Kafka record into the fields every logic profile needs, or into a dead letter with a
// reason. The wire format is docs/messages.md (contract/messages.ts): JSON with runId, seq, key,
// eventTime (ms) and a numeric value field, keyed in Kafka by the same key.
//
// Bad input must never change a result, so nothing is guessed: no key falls back to the Kafka
// key, no invalid UTF-8 is replaced, a body key that differs from the Kafka key is refused.
import { isUtf8 } from 'node:buffer'
import { deadLetterReasons, type DeadLetterReason } from '../../../contract/messages.ts'

export { deadLetterReasons, type DeadLetterReason }

/** The five fields every record has (the fast path, fast-record.ts, reads only these). */
export interface RecordFields {
  key: string
  eventTime: number
  value: number
  runId: string
  seq: number
}

export interface Decoded extends RecordFields {
  /** The parsed JSON body, for profiles that read more fields. */
  body: Record<string, unknown>
}

export class DeadLetter {
  constructor (readonly reason: DeadLetterReason, readonly detail: string) {}
}

export function decode (value: Buffer | null | undefined, key: Buffer | null | undefined, valueField: string, maxBytes: number): Decoded | DeadLetter {
  if (value === undefined || value === null || value.length === 0) return new DeadLetter('empty', 'the record has no value')
  if (value.length > maxBytes) return new DeadLetter('oversize', `value is ${value.length} bytes, kafka.maxRecordBytes is ${maxBytes}`)
  if (!isUtf8(value)) return new DeadLetter('invalid-utf8', 'value is not valid UTF-8')
  let body: unknown
  try {
    body = JSON.parse(value.toString('utf8'))
  } catch (error) {
    return new DeadLetter('malformed-json', (error as Error).message)
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return new DeadLetter('wrong-type', 'value is not a JSON object')
  const record = body as Record<string, unknown>

  const recordKey = record.key
  if (recordKey === undefined) return new DeadLetter('missing-field', 'key is missing')
  if (typeof recordKey !== 'string' || recordKey === '') return new DeadLetter('wrong-type', 'key must be a non-empty string')
  if (key === undefined || key === null) return new DeadLetter('key-mismatch', 'the record has no Kafka key; produce it with its key field as the Kafka key')
  if (!isUtf8(key)) return new DeadLetter('invalid-utf8', 'the Kafka key is not valid UTF-8')
  if (key.toString('utf8') !== recordKey) return new DeadLetter('key-mismatch', 'the Kafka key differs from the key field; produce the record with its key field as the Kafka key')

  const { eventTime, runId, seq } = record
  const amount = record[valueField]
  if (eventTime === undefined) return new DeadLetter('missing-field', 'eventTime is missing')
  if (typeof eventTime !== 'number' || !Number.isSafeInteger(eventTime) || eventTime < 0) return new DeadLetter('wrong-type', 'eventTime must be milliseconds since the epoch')
  if (amount === undefined) return new DeadLetter('missing-field', `${valueField} is missing`)
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return new DeadLetter('wrong-type', `${valueField} must be a finite number`)
  if (runId === undefined || seq === undefined) return new DeadLetter('missing-field', 'runId and seq are required')
  if (typeof runId !== 'string' || runId === '') return new DeadLetter('wrong-type', 'runId must be a non-empty string')
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return new DeadLetter('wrong-type', 'seq must be a non-negative integer')

  return { key: recordKey, eventTime, value: amount, runId, seq, body: record }
}
