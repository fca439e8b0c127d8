// The fast path of decode/record.ts for the profiles that read only the five fields every record
// has (key, eventTime, runId, seq and the value field): it reads them straight from the record's
// bytes, without building a string of the whole value or an object of every field.
//
// It decides only the plain case and declines everything else, so that record.ts stays the one
// place that judges bad input: a value it accepts gives exactly the fields decode() gives for it,
// and for any other value (an escape, a non-ASCII byte, a nested object or array, a missing,
// repeated or ill-typed field, a Kafka key that differs, ...) it returns false and the caller
// runs decode(). Plain ASCII without escapes is its own UTF-8 and JSON decodes each such string
// to exactly its bytes, so a string is read as latin1. An unsigned number of at most 15 digits
// (an integer, or a decimal such as 69.17) is read by hand to the same double JSON.parse gives;
// any other number token is checked against JSON's grammar and read with Number(), which rounds
// exactly as JSON.parse does.

import type { RecordFields } from './record.ts'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN = 0x7b
const CLOSE = 0x7d
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39
const DOT = 0x2e

const KEY = 1
const EVENT_TIME = 2
const VALUE = 4
const RUN_ID = 8
const SEQ = 16
const ALL = KEY | EVENT_TIME | VALUE | RUN_ID | SEQ

/** 1 for the bytes a plain string holds: printable ASCII except the quote and the backslash. */
const PLAIN = new Uint8Array(256)
for (let byte = 0x20; byte <= 0x7e; byte++) PLAIN[byte] = byte === QUOTE || byte === BACKSLASH ? 0 : 1

/** 10^0 .. 10^15, exact doubles (each an exact product of the one before). */
const POWERS_OF_TEN = [1]
for (let i = 1; i <= 15; i++) POWERS_OF_TEN.push((POWERS_OF_TEN[i - 1] as number) * 10)

function isSpace (byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

export class FastDecoder {
  /** The fields of the last record decode() accepted; overwritten by the next call. */
  readonly record: RecordFields = { key: '', eventTime: 0, value: 0, runId: '', seq: 0 }
  private readonly names: Array<{ bytes: Buffer, bit: number }>
  private readonly maxBytes: number
  /** The last run id read, and its bytes: records of one run repeat it, so it is read once. */
  private lastRunId = ''
  private lastRunIdBytes: Buffer = Buffer.alloc(0)
  // The span of the last string or number token read (end exclusive).
  private start = 0
  private end = 0
  /** The end of the value being read (exclusive). */
  private limit = 0

  constructor (valueField: string, maxBytes: number) {
    this.maxBytes = maxBytes
    this.names = [['key', KEY], ['eventTime', EVENT_TIME], [valueField, VALUE], ['runId', RUN_ID], ['seq', SEQ]]
      .map(([name, bit]) => ({ bytes: Buffer.from(name as string, 'utf8'), bit: bit as number }))
  }

  /**
   * Reads the record into this.record and returns true, or returns false when decode() must
   * judge it. Never throws.
   */
  decode (value: Buffer | null | undefined, key: Buffer | null | undefined): boolean {
    if (value === undefined || value === null || key === undefined || key === null) return false
    return this.decodeAt(value, 0, value.length, key, 0, key.length)
  }

  /** decode() of the value in value[start, end) with the key in key[keyStart, keyEnd). */
  decodeAt (value: Buffer, start: number, end: number, key: Buffer, keyStart: number, keyEnd: number): boolean {
    if (end === start || end - start > this.maxBytes) return false
    const length = end
    this.limit = end
    let i = start
    while (i < length && isSpace(value[i] as number)) i++
    if (i >= length || value[i] !== OPEN) return false
    i++
    let seen = 0
    const out = this.record
    for (;;) {
      while (i < length && isSpace(value[i] as number)) i++
      if (i >= length || value[i] !== QUOTE) return false
      i = this.string(value, i + 1)
      if (i < 0) return false
      const bit = this.field(value, this.start, this.end)
      if ((seen & bit) !== 0) return false // repeated: JSON.parse would keep the last one
      seen |= bit
      while (i < length && isSpace(value[i] as number)) i++
      if (i >= length || value[i] !== COLON) return false
      i++
      while (i < length && isSpace(value[i] as number)) i++
      if (i >= length) return false
      const first = value[i] as number
      if (first === QUOTE) {
        i = this.string(value, i + 1)
        if (i < 0) return false
        if (bit === KEY) {
          if (this.end === this.start || !equalBytes(key, keyStart, keyEnd, value, this.start, this.end)) return false
          out.key = value.toString('latin1', this.start, this.end)
        } else if (bit === RUN_ID) {
          if (this.end === this.start) return false
          out.runId = this.runId(value, this.start, this.end)
        } else if (bit !== 0) {
          return false
        }
      } else if (first === MINUS || (first >= ZERO && first <= NINE)) {
        if (bit === KEY || bit === RUN_ID) return false
        // A short non-negative integer (seq, eventTime) or decimal (69.17) is read in the same
        // pass that checks it: its digits as an integer, over a power of ten for a decimal. Both
        // are exact doubles while there are at most 15 digits, and one division rounds
        // correctly, so the result is the double JSON.parse reads. Anything else (a sign, an
        // exponent, more digits) is checked and read by number() and numberValue().
        let n = 0
        let j = i
        let byte = first
        while (byte >= ZERO && byte <= NINE) {
          n = n * 10 + (byte - ZERO)
          byte = ++j < length ? value[j] as number : -1
        }
        const whole = j - i
        const plain = whole >= 1 && (first > ZERO || whole === 1) // no sign, no leading zero
        let fraction = 0
        if (plain && byte === DOT) {
          byte = ++j < length ? value[j] as number : -1
          while (byte >= ZERO && byte <= NINE) {
            n = n * 10 + (byte - ZERO)
            fraction++
            byte = ++j < length ? value[j] as number : -1
          }
          if (fraction === 0) return false // "1." is not JSON: decode() judges it
        }
        if (plain && whole + fraction <= 15 && byte !== 0x65 && byte !== 0x45) {
          if (fraction > 0) n /= POWERS_OF_TEN[fraction] as number
          i = j
        } else {
          i = this.number(value, i)
          if (i < 0) return false
          if (bit !== 0) n = this.numberValue(value, this.start, this.end)
        }
        if (bit !== 0) {
          if (bit === EVENT_TIME) {
            if (!Number.isSafeInteger(n) || n < 0) return false
            out.eventTime = n
          } else if (bit === VALUE) {
            if (!Number.isFinite(n)) return false
            out.value = n
          } else {
            if (!Number.isSafeInteger(n) || n < 0) return false
            out.seq = n
          }
        }
      } else if (bit === 0 && first !== OPEN && first !== 0x5b) {
        // true, false or null in a field no profile reads here
        i = this.literal(value, i)
        if (i < 0) return false
      } else {
        return false
      }
      while (i < length && isSpace(value[i] as number)) i++
      if (i >= length) return false
      if (value[i] === COMMA) { i++; continue }
      if (value[i] === CLOSE) { i++; break }
      return false
    }
    while (i < length && isSpace(value[i] as number)) i++
    return i === length && seen === ALL
  }

  /** A string's contents from i (after its quote): plain printable ASCII only. Returns the index after the closing quote, or -1. */
  private string (value: Buffer, i: number): number {
    const start = i
    const length = this.limit
    while (i < length && PLAIN[value[i] as number] === 1) i++
    if (i >= length || value[i] !== QUOTE) return -1
    this.start = start
    this.end = i
    return i + 1
  }

  /** A number token from i, checked against JSON's grammar. Returns the index after it, or -1. */
  private number (value: Buffer, i: number): number {
    const start = i
    const length = this.limit
    if (value[i] === MINUS) i++
    if (value[i] === ZERO) {
      i++
    } else {
      const digits = i
      while (i < length && (value[i] as number) >= ZERO && (value[i] as number) <= NINE) i++
      if (i === digits) return -1
    }
    if (value[i] === DOT) {
      i++
      const digits = i
      while (i < length && (value[i] as number) >= ZERO && (value[i] as number) <= NINE) i++
      if (i === digits) return -1
    }
    if (value[i] === 0x65 || value[i] === 0x45) {
      i++
      if (value[i] === 0x2b || value[i] === MINUS) i++
      const digits = i
      while (i < length && (value[i] as number) >= ZERO && (value[i] as number) <= NINE) i++
      if (i === digits) return -1
    }
    this.start = start
    this.end = i
    return i
  }

  /** The value of a number token: short integers by hand, the rest by Number(). */
  private numberValue (value: Buffer, start: number, end: number): number {
    const negative = value[start] === MINUS
    const from = negative ? start + 1 : start
    if (end - from <= 15) {
      let n = 0
      let i = from
      for (; i < end; i++) {
        const byte = value[i] as number
        if (byte < ZERO || byte > NINE) break
        n = n * 10 + (byte - ZERO)
      }
      if (i === end) return negative ? -n : n
    }
    return Number(value.toString('latin1', start, end))
  }

  /** true, false or null from i. Returns the index after it, or -1. */
  private literal (value: Buffer, i: number): number {
    for (const word of LITERALS) {
      if (i + word.length <= this.limit && value.compare(word, 0, word.length, i, i + word.length) === 0) return i + word.length
    }
    return -1
  }

  /** Which of the five fields a member name is (0: another field). */
  private field (value: Buffer, start: number, end: number): number {
    const length = end - start
    for (let n = 0; n < this.names.length; n++) {
      const name = this.names[n] as { bytes: Buffer, bit: number }
      if (name.bytes.length === length && equalBytes(name.bytes, 0, name.bytes.length, value, start, end)) return name.bit
    }
    return 0
  }

  private runId (value: Buffer, start: number, end: number): string {
    if (equalBytes(this.lastRunIdBytes, 0, this.lastRunIdBytes.length, value, start, end)) return this.lastRunId
    this.lastRunId = value.toString('latin1', start, end)
    this.lastRunIdBytes = Buffer.from(this.lastRunId, 'latin1')
    return this.lastRunId
  }
}

/** Whether a[from, to) holds exactly the bytes b[start, end). */
function equalBytes (a: Buffer, from: number, to: number, b: Buffer, start: number, end: number): boolean {
  if (to - from !== end - start) return false
  for (let i = start, j = from; i < end; i++, j++) {
    if (a[j] !== b[i]) return false
  }
  return true
}

const LITERALS = [Buffer.from('true'), Buffer.from('false'), Buffer.from('null')]
