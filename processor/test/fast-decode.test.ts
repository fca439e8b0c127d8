// The fast path (decode/fast-record.ts) never decides differently from decode(): whatever it
// accepts, decode() accepts with the same fields, and what it declines decode() judges. Random
// records and random damage to them, with the seed printed so a failure can be replayed
// (FAST_DECODE_SEED=<seed>).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { message } from '../../scripts/lib/messages.ts'
import { FastDecoder } from '../src/decode/fast-record.ts'
import { DeadLetter, decode } from '../src/decode/record.ts'
import { prng } from './chaos/crash-loop.ts'

const MAX_BYTES = 4096

/** Checks one record both ways; returns whether the fast path took it. */
function same (fast: FastDecoder, value: Buffer, key: Buffer | null, valueField = 'value'): boolean {
  const full = decode(value, key, valueField, MAX_BYTES)
  if (!fast.decode(value, key)) return false
  const text = `${value.toString('latin1')} (key ${key?.toString('latin1')})`
  assert.ok(!(full instanceof DeadLetter), `the fast path accepted what decode() refuses as ${full instanceof DeadLetter ? full.reason : ''}: ${text}`)
  const { key: k, eventTime, value: v, runId, seq } = fast.record
  assert.deepEqual({ key: k, eventTime, value: Object.is(v, -0) ? '-0' : v, runId, seq }, { key: full.key, eventTime: full.eventTime, value: Object.is(full.value, -0) ? '-0' : full.value, runId: full.runId, seq: full.seq }, text)
  return true
}

test('the load scripts\' basic messages take the fast path with the fields decode() gives', () => {
  const fast = new FastDecoder('value', MAX_BYTES)
  for (let seq = 0; seq < 2_000; seq++) {
    const m = message('basic', seq < 1000 ? 'run-a' : 'run-b', seq, 100, 1_795_000_000_000 + seq * 7)
    assert.ok(same(fast, Buffer.from(m.value), Buffer.from(m.key)), `seq ${seq} declined: ${m.value}`)
  }
})

test('hand-picked records: accepted alike, or declined', () => {
  const fast = new FastDecoder('amount', MAX_BYTES)
  const k = Buffer.from('k')
  const accepted = [
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":2}',
    ' { "amount" : -0 , "key":"k" ,"seq":0,"eventTime":1.0e3,"runId":"r" } ',
    '{"runId":"r","seq":9007199254740991,"key":"k","eventTime":0,"amount":1.5e-7,"n":null,"t":true,"f":false,"s":"x"}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":123456789012345678901234567890}',
    '{"runId":"r","seq":0,"key":"k","eventTime":1e2,"amount":2}',
    '{"runId":"r","seq":-0,"key":"k","eventTime":5,"amount":2}',
    '{"runId":"r","seq":123456789012345,"key":"k","eventTime":1234567890123456,"amount":2}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":0.1}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":69.17}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":12345678901234.5}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":123456789012345.6}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":0.30000000000000004}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":9.007199254740993}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":1.5e3}',
    '{"runId":"r","seq":5.0,"key":"k","eventTime":5.000,"amount":0.0}',
  ]
  const declined = [
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":2,"amount":3}',
    '{"runId":"r","seq":1,"key":"\\u006b","eventTime":5,"amount":2}',
    '{"runId":"r","seq":1.5,"key":"k","eventTime":5,"amount":2}',
    '{"runId":"r","seq":1,"key":"k","eventTime":-5,"amount":2}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":1e400}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":"2"}',
    '{"runId":"","seq":1,"key":"k","eventTime":5,"amount":2}',
    '{"runId":"r","seq":1,"key":"j","eventTime":5,"amount":2}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5}',
    '{"runId":"r","seq":01,"key":"k","eventTime":5,"amount":2}',
    '{"runId":"r","seq":00,"key":"k","eventTime":5,"amount":2}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":2,}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":2} x',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":2,"x":"ä"}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":2,"extra":[1,{"a":2}]}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":1.}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":01.5}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":1.5.3}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":.5}',
    '{"runId":"r","seq":1,"key":"k","eventTime":5.5,"amount":2}',
    '[1]',
    '{}',
  ]
  for (const text of accepted) assert.ok(same(fast, Buffer.from(text), k, 'amount'), `declined: ${text}`)
  for (const text of declined) assert.equal(same(fast, Buffer.from(text), k, 'amount'), false, `accepted: ${text}`)
  assert.equal(fast.decode(Buffer.from(accepted[0] as string), null), false, 'a record without a Kafka key must go to decode()')
})

test('random decimals: the fast path reads the same double as JSON.parse', () => {
  const seed = Number(process.env.FAST_DECODE_SEED ?? Math.floor(Math.random() * 2 ** 31))
  console.log(`fast-decode decimals seed ${seed} (FAST_DECODE_SEED=${seed} replays it)`)
  const random = prng(seed)
  const fast = new FastDecoder('amount', MAX_BYTES)
  const k = Buffer.from('k')
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join('')
  for (let i = 0; i < 20_000; i++) {
    // 1 to 18 digits in all, the point anywhere after the first: both sides of 15 digits.
    const length = 1 + Math.floor(random() * 18)
    const whole = 1 + Math.floor(random() * length)
    let integer = digits(whole).replace(/^0+(?=\d)/, '')
    if (integer === '') integer = '0'
    const number = whole === length ? integer : `${integer}.${digits(length - whole)}`
    const text = `{"runId":"r","seq":1,"key":"k","eventTime":5,"amount":${number}}`
    assert.ok(same(fast, Buffer.from(text), k, 'amount'), `declined: ${text}`)
  }
})

/**
 * 20,000 records of the given runs, each with 0 to 3 random edits, checked both ways. With one
 * run the records share a shape, so most are matched against the shape of the one before.
 */
function randomDamage (name: string, runs: string[], check: (accepted: number, declined: number, fast: FastDecoder, seed: number) => void): void {
  test(name, () => {
    const seed = Number(process.env.FAST_DECODE_SEED ?? Math.floor(Math.random() * 2 ** 31))
    console.log(`fast-decode seed ${seed} (FAST_DECODE_SEED=${seed} replays it)`)
    const random = prng(seed)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const fast = new FastDecoder('value', MAX_BYTES)
    const alphabet = Buffer.from(' \t\n{}[]",:\\-+.0123456789eEtrufalsnkyvIdqTm_xé\u0000')
    let accepted = 0
    let declined = 0
    for (let i = 0; i < 20_000; i++) {
      const m = message('basic', pick(runs), Math.floor(random() * 1e6), 50, 1_795_000_000_000 + Math.floor(random() * 1e6))
      const bytes = Buffer.from(m.value)
      let key: Buffer | null = Buffer.from(m.key)
      // 0 to 3 edits: replace, insert or delete a byte, or change the Kafka key.
      let value = bytes
      for (let edits = Math.floor(random() * 4); edits > 0; edits--) {
        const at = Math.floor(random() * value.length)
        const byte = pick([...alphabet])
        switch (Math.floor(random() * 4)) {
          case 0: value = Buffer.concat([value.subarray(0, at), Buffer.from([byte]), value.subarray(at + 1)]); break
          case 1: value = Buffer.concat([value.subarray(0, at), Buffer.from([byte]), value.subarray(at)]); break
          case 2: value = Buffer.concat([value.subarray(0, at), value.subarray(at + 1)]); break
          default: key = pick([null, Buffer.from('k1'), Buffer.from(m.key + 'x'), key])
        }
      }
      if (same(fast, value, key)) accepted++
      else declined++
    }
    check(accepted, declined, fast, seed)
  })
}

randomDamage('random damage: the fast path never accepts what decode() refuses or reads other fields', ['run-a', 'run-b', 'r'], (accepted, declined, _fast, seed) => {
  // Both sides are exercised: many damaged records still decode, many do not.
  assert.ok(accepted > 1000 && declined > 1000, `seed ${seed}: ${accepted} accepted, ${declined} declined`)
})

randomDamage('random damage to records of one shape: matched against it or read in full, never otherwise than decode()', ['run-a'], (accepted, declined, fast, seed) => {
  assert.ok(accepted > 1000 && declined > 1000, `seed ${seed}: ${accepted} accepted, ${declined} declined`)
  // Every record is tried against the shape first; many are read that way.
  assert.ok(fast.matched > 1000, `seed ${seed}: only ${fast.matched} of ${accepted} accepted records matched the shape`)
})
