// Turns a Kafka record into the fields every logic profile needs, or into a dead letter with a
// reason. The wire format is docs/messages.md: JSON with runId, seq, key, eventTime (ms) and a
// numeric value field.

export const deadLetterReasons = ['malformed-json', 'missing-field', 'wrong-type', 'oversize', 'invalid', 'late'] as const
export type DeadLetterReason = typeof deadLetterReasons[number]

export interface Decoded {
  key: string
  eventTime: number
  value: number
  runId: string
  seq: number
  /** The parsed JSON body, for profiles that read more fields. */
  body: Record<string, unknown>
}

export class DeadLetter {
  constructor (readonly reason: DeadLetterReason, readonly detail: string) {}
}

export function decode (value: Buffer | null | undefined, key: Buffer | null | undefined, valueField: string, maxBytes: number): Decoded | DeadLetter {
  if (value === undefined || value === null || value.length === 0) return new DeadLetter('missing-field', 'empty record value')
  if (value.length > maxBytes) return new DeadLetter('oversize', `value is ${value.length} bytes, kafka.maxRecordBytes is ${maxBytes}`)
  let body: unknown
  try {
    body = JSON.parse(value.toString('utf8'))
  } catch (error) {
    return new DeadLetter('malformed-json', (error as Error).message)
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return new DeadLetter('wrong-type', 'value is not a JSON object')
  const record = body as Record<string, unknown>

  const recordKey = record.key ?? key?.toString('utf8')
  if (recordKey === undefined || recordKey === '') return new DeadLetter('missing-field', 'no key in the record or its Kafka key')
  if (typeof recordKey !== 'string') return new DeadLetter('wrong-type', 'key must be a string')

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
