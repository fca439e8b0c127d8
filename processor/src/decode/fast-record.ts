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

/** plainNumber()'s answers when it does not read a number. */
const NOT_PLAIN = -1
const NOT_JSON = -2

/** Kinds of value slot in a shape. */
const NUMBER_SLOT = 0
const KEY_SLOT = 1

/**
 * A record's shape: literals[0], slot 0, literals[1], slot 1, ..., literals[n]. A slot is a
 * number (bits: which field, 0 for one no profile reads) or the key.
 */
interface Shape {
  literals: Uint8Array[]
  /** Each literal's whole four-byte words, little-endian. */
  words: Uint32Array[]
  bits: number[]
  kinds: number[]
  runId: string
}

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
  /** Records read by matching the shape of an earlier one (decodeAt). */
  matched = 0
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
  /** The number plainNumber() read last. */
  private plain = 0
  /** The value slots read() found, four numbers each: field bit, kind, start, end (exclusive). */
  private readonly slots: number[] = []
  /** The shape records are matched against first (decodeAt), and how often read() ran since. */
  private shape: Shape | undefined
  private misses = 0
  /** viewOf()'s last buffer and its view. */
  private viewed: Buffer | undefined
  private view: DataView = new DataView(new ArrayBuffer(0))

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

  /**
   * decode() of the value in value[start, end) with the key in key[keyStart, keyEnd).
   *
   * Records of one producer mostly share a shape: the same fields in the same order, spaced the
   * same, the same run id and the same unread strings; only the numbers and the key differ. The
   * last accepted record's shape is kept (learnShape) and the next record is first matched
   * against it (matchShape): its bytes between the numbers and the key must equal the shape's,
   * so the record has that record's fields and is JSON as that one was, and only the numbers and
   * the key are read. A record that differs goes through the full reading (read), whose
   * acceptance may teach a new shape.
   */
  decodeAt (value: Buffer, start: number, end: number, key: Buffer, keyStart: number, keyEnd: number): boolean {
    if (end === start || end - start > this.maxBytes) return false
    if (this.shape !== undefined && this.matchShape(value, start, end, key, keyStart, keyEnd)) {
      this.matched++
      return true
    }
    if (!this.read(value, start, end, key, keyStart, keyEnd)) return false
    // A shape that keeps missing is replaced now and then, not at every record.
    if (this.shape === undefined || (++this.misses & 15) === 0) this.learnShape(value, start, end)
    return true
  }

  private read (value: Buffer, start: number, end: number, key: Buffer, keyStart: number, keyEnd: number): boolean {
    this.slots.length = 0
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
        const token = i
        i = this.string(value, i + 1)
        if (i < 0) return false
        if (bit === KEY) {
          if (this.end === this.start || !equalBytes(key, keyStart, keyEnd, value, this.start, this.end)) return false
          out.key = value.toString('latin1', this.start, this.end)
          this.slots.push(KEY, KEY_SLOT, token, i)
        } else if (bit === RUN_ID) {
          if (this.end === this.start) return false
          out.runId = this.runId(value, this.start, this.end)
        } else if (bit !== 0) {
          return false
        }
      } else if (first === MINUS || (first >= ZERO && first <= NINE)) {
        if (bit === KEY || bit === RUN_ID) return false
        // plainNumber() reads short unsigned numbers; number() and numberValue() the rest.
        const token = i
        let n: number
        const after = this.plainNumber(value, i, length)
        if (after >= 0) {
          n = this.plain
          i = after
        } else {
          if (after === NOT_JSON) return false // "1." is not JSON: decode() judges it
          i = this.number(value, i)
          if (i < 0) return false
          n = bit !== 0 ? this.numberValue(value, this.start, this.end) : 0
        }
        this.slots.push(bit, NUMBER_SLOT, token, i)
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

  /** The record just read, as a shape: the bytes around its numbers and its key. */
  private learnShape (value: Buffer, start: number, end: number): void {
    const literals: Uint8Array[] = []
    const bits: number[] = []
    const kinds: number[] = []
    let from = start
    for (let s = 0; s < this.slots.length; s += 4) {
      literals.push(Uint8Array.from(value.subarray(from, this.slots[s + 2] as number)))
      bits.push(this.slots[s] as number)
      kinds.push(this.slots[s + 1] as number)
      from = this.slots[s + 3] as number
    }
    literals.push(Uint8Array.from(value.subarray(from, end)))
    const words = literals.map((literal) => {
      const view = new DataView(literal.buffer, literal.byteOffset, literal.byteLength)
      return Uint32Array.from({ length: literal.length >> 2 }, (_, w) => view.getUint32(w * 4, true))
    })
    this.shape = { literals, words, bits, kinds, runId: this.record.runId }
  }

  /** Reads the record if it has the shape's bytes around its numbers and its key; false if not. */
  private matchShape (value: Buffer, start: number, end: number, key: Buffer, keyStart: number, keyEnd: number): boolean {
    const { literals, words, bits, kinds, runId } = this.shape as Shape
    const out = this.record
    let i = start
    for (let s = 0; s <= bits.length; s++) {
      const literal = literals[s] as Uint8Array
      const n = literal.length
      if (i + n > end) return false
      // Four bytes at a time, then the rest by byte.
      const literalWords = words[s] as Uint32Array
      let k = 0
      if (literalWords.length > 0) {
        const view = this.viewOf(value)
        for (let w = 0; w < literalWords.length; w++, k += 4) {
          if (view.getUint32(i + k, true) !== literalWords[w]) return false
        }
      }
      for (; k < n; k++) {
        if (value[i + k] !== literal[k]) return false
      }
      i += n
      if (s === bits.length) break
      const bit = bits[s] as number
      if (kinds[s] === KEY_SLOT) {
        if (value[i] !== QUOTE) return false
        const from = i + 1
        let j = from
        while (j < end && PLAIN[value[j] as number] === 1) j++
        if (j === from || j >= end || value[j] !== QUOTE || !equalBytes(key, keyStart, keyEnd, value, from, j)) return false
        out.key = value.toString('latin1', from, j)
        i = j + 1
      } else {
        const after = this.plainNumber(value, i, end)
        if (after < 0) return false
        i = after
        const n = this.plain
        if (bit === EVENT_TIME) {
          if (!Number.isSafeInteger(n)) return false
          out.eventTime = n
        } else if (bit === VALUE) {
          out.value = n
        } else if (bit === SEQ) {
          if (!Number.isSafeInteger(n)) return false
          out.seq = n
        }
      }
    }
    if (i !== end) return false
    out.runId = runId
    return true
  }

  /**
   * A short unsigned number from i (an integer or a decimal such as 69.17), read in the same pass
   * that checks it: its digits as an integer, over a power of ten for a decimal. Both are exact
   * doubles while there are at most 15 digits, and one division rounds correctly, so the result
   * (this.plain) is the double JSON.parse reads. Returns the index after it, NOT_JSON for a
   * point without digits after it, or NOT_PLAIN for anything else (a sign, a leading zero, an
   * exponent, more digits), which number() and numberValue() read.
   */
  private plainNumber (value: Buffer, i: number, length: number): number {
    if (i >= length) return NOT_PLAIN
    const first = value[i] as number
    let n = 0
    let j = i
    let byte = first
    while (byte >= ZERO && byte <= NINE) {
      n = n * 10 + (byte - ZERO)
      byte = ++j < length ? value[j] as number : -1
    }
    const whole = j - i
    if (whole === 0 || (first === ZERO && whole > 1)) return NOT_PLAIN
    let fraction = 0
    if (byte === DOT) {
      byte = ++j < length ? value[j] as number : -1
      while (byte >= ZERO && byte <= NINE) {
        n = n * 10 + (byte - ZERO)
        fraction++
        byte = ++j < length ? value[j] as number : -1
      }
      if (fraction === 0) return NOT_JSON
    }
    if (whole + fraction > 15 || byte === 0x65 || byte === 0x45) return NOT_PLAIN
    this.plain = fraction > 0 ? n / (POWERS_OF_TEN[fraction] as number) : n
    return j
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

  /** A DataView of the buffer a value lies in, made once per buffer (a fetch response). */
  private viewOf (value: Buffer): DataView {
    if (this.viewed !== value) {
      this.viewed = value
      this.view = new DataView(value.buffer, value.byteOffset, value.byteLength)
    }
    return this.view
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
