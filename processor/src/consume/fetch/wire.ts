// Kafka's wire encoding for the few requests the fetch client speaks (fetch/fetcher.ts): fixed-size
// big-endian integers, int16-prefixed strings, int32-prefixed arrays and bytes. Only the
// protocol's non-flexible versions are used, so there are no tagged fields and no compact forms.

/** Builds a request body. */
export class Writer {
  private buffer = Buffer.allocUnsafe(256)
  private length = 0

  private room (bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes))
    this.buffer.copy(grown, 0, 0, this.length)
    this.buffer = grown
  }

  int8 (value: number): this {
    this.room(1)
    this.length = this.buffer.writeInt8(value, this.length)
    return this
  }

  int16 (value: number): this {
    this.room(2)
    this.length = this.buffer.writeInt16BE(value, this.length)
    return this
  }

  int32 (value: number): this {
    this.room(4)
    this.length = this.buffer.writeInt32BE(value, this.length)
    return this
  }

  int64 (value: bigint): this {
    this.room(8)
    this.length = this.buffer.writeBigInt64BE(value, this.length)
    return this
  }

  /** A string, or null (length -1). */
  string (value: string | null): this {
    if (value === null) return this.int16(-1)
    const bytes = Buffer.byteLength(value, 'utf8')
    this.int16(bytes)
    this.room(bytes)
    this.length += this.buffer.write(value, this.length, 'utf8')
    return this
  }

  bytes (value: Buffer): this {
    this.int32(value.length)
    this.room(value.length)
    this.length += value.copy(this.buffer, this.length)
    return this
  }

  array<T> (items: readonly T[], each: (item: T) => void): this {
    this.int32(items.length)
    for (const item of items) each(item)
    return this
  }

  done (): Buffer {
    return this.buffer.subarray(0, this.length)
  }
}

/** The protocol's framing was not kept: a response shorter than its fields. */
export class ShortResponseError extends Error {}

/** Reads a response body. */
export class Reader {
  readonly buffer: Buffer
  offset: number

  constructor (buffer: Buffer, offset = 0) {
    this.buffer = buffer
    this.offset = offset
  }

  private need (bytes: number): number {
    const at = this.offset
    if (at + bytes > this.buffer.length) throw new ShortResponseError(`a Kafka response ended ${at + bytes - this.buffer.length} bytes early`)
    this.offset += bytes
    return at
  }

  int8 (): number {
    return this.buffer.readInt8(this.need(1))
  }

  int16 (): number {
    return this.buffer.readInt16BE(this.need(2))
  }

  int32 (): number {
    return this.buffer.readInt32BE(this.need(4))
  }

  int64 (): bigint {
    return this.buffer.readBigInt64BE(this.need(8))
  }

  /** An int64 the fetch client counts with as a number: offsets stay far below 2^53. */
  int64Number (): number {
    const at = this.need(8)
    const high = this.buffer.readInt32BE(at)
    return high * 0x1_0000_0000 + this.buffer.readUInt32BE(at + 4)
  }

  string (): string | null {
    const length = this.int16()
    if (length < 0) return null
    const at = this.need(length)
    return this.buffer.toString('utf8', at, at + length)
  }

  /** Bytes as a view of the response (no copy), or null. */
  bytes (): Buffer | null {
    const length = this.int32()
    if (length < 0) return null
    const at = this.need(length)
    return this.buffer.subarray(at, at + length)
  }

  array<T> (each: () => T): T[] {
    const count = this.int32()
    const items: T[] = []
    for (let i = 0; i < count; i++) items.push(each())
    return items
  }

  skip (bytes: number): void {
    this.need(bytes)
  }
}
