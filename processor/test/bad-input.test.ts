// Bad input never changes a result: each kind of bad record is a dead letter with its reason,
// and nothing is guessed (no key from elsewhere, no replacement characters).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DeadLetter, decode } from '../src/decode/record.ts'

const body = (fields: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ runId: 'r', seq: 1, key: 'k1', eventTime: 1_700_000_000_000, value: 2, ...fields }))
const k1 = Buffer.from('k1')

const cases: Array<{ name: string, value: Buffer | null, key: Buffer | null, reason: string }> = [
  { name: 'a record without a value is empty', value: null, key: k1, reason: 'empty' },
  { name: 'a zero-length value is empty too', value: Buffer.alloc(0), key: k1, reason: 'empty' },
  { name: 'a body without a key is missing-field, not counted under its Kafka key', value: body({ key: undefined }), key: k1, reason: 'missing-field' },
  { name: 'a body key that differs from the Kafka key is a key-mismatch', value: body({ key: 'k2' }), key: k1, reason: 'key-mismatch' },
  { name: 'a record without a Kafka key is a key-mismatch', value: body({}), key: null, reason: 'key-mismatch' },
  { name: 'invalid UTF-8 inside a JSON string is invalid-utf8, not replaced', value: Buffer.concat([Buffer.from('{"runId":"r","seq":1,"key":"k1","eventTime":1,"value":2,"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), key: k1, reason: 'invalid-utf8' },
  { name: 'a Kafka key that is not UTF-8 is invalid-utf8', value: body({}), key: Buffer.from([0xc3, 0x28]), reason: 'invalid-utf8' },
  { name: 'a non-string key is wrong-type', value: body({ key: 7 }), key: Buffer.from('7'), reason: 'wrong-type' },
  { name: 'text that is not JSON is malformed-json', value: Buffer.from('{"key":'), key: k1, reason: 'malformed-json' },
  { name: 'a value over the size limit is oversize', value: Buffer.alloc(300, 0x20), key: k1, reason: 'oversize' },
]

for (const c of cases) {
  test(c.name, () => {
    const decoded = decode(c.value, c.key, 'value', 256)
    assert.ok(decoded instanceof DeadLetter, `decoded as ${JSON.stringify(decoded)}`)
    assert.equal(decoded.reason, c.reason)
  })
}

test('a record whose Kafka key equals its key field, unicode included, is decoded', () => {
  const key = 'ключ-🔑-__proto__-*?[a]'
  const decoded = decode(body({ key }), Buffer.from(key), 'value', 1024)
  assert.ok(!(decoded instanceof DeadLetter), JSON.stringify(decoded))
  assert.equal(decoded.key, key)
})
