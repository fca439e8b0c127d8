// The processor against the real stack: known records in, exact windows out.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readTopic } from '../../test/helpers.ts'
import { eventually, isolate, ledgerTotals, produce, redisClient, startProcessor } from './helpers.ts'

const T = 1_700_000_000_000 // aligned to 10 s windows

test('known records give exact window results, with out-of-order records counted and late ones dead-lettered', { timeout: 180_000 }, async (t) => {
  const iso = await isolate(t, 2)
  const runId = 'exact'
  await produce(iso.topic, [
    { partition: 0, key: 'a', eventTime: T + 1_000, value: 1, seq: 0 },
    { partition: 0, key: 'a', eventTime: T + 3_000, value: 2, seq: 1 },
    { partition: 0, key: 'b', eventTime: T + 2_000, value: 3, seq: 2 }, // out of order, on time
    { partition: 0, key: 'a', eventTime: T + 12_000, value: 4, seq: 3 }, // watermark T+10s: [T, T+10s) closes
    { partition: 0, key: 'b', eventTime: T + 9_000, value: 5, seq: 4 }, // late
    { partition: 0, key: 'b', eventTime: T + 11_000, value: 6, seq: 5 },
    { partition: 1, key: 'c', eventTime: T + 500, value: 7, seq: 6 },
    { partition: 1, key: 'c', eventTime: T + 25_000, value: 8, seq: 7 },
  ], runId)
  await startProcessor(t, iso, ['--window.size=10s', '--window.allowedLateness=2s', '--window.idleTimeout=1s'])

  const redis = await redisClient(t)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count === 7, 30_000,
    async () => `ledger totals: ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}`)

  const window = async (start: number, key: string) => {
    const h = await redis.hGetAll(`${iso.prefix}:w:${start}:${key}`)
    return [Number(h.count), Number(h.sum), Number(h.min), Number(h.max), Number(h.end) - Number(h.start)]
  }
  assert.deepEqual(await window(T, 'a'), [2, 3, 1, 2, 10_000])
  assert.deepEqual(await window(T, 'b'), [1, 3, 3, 3, 10_000])
  assert.deepEqual(await window(T + 10_000, 'a'), [1, 4, 4, 4, 10_000])
  assert.deepEqual(await window(T + 10_000, 'b'), [1, 6, 6, 6, 10_000])
  assert.deepEqual(await window(T, 'c'), [1, 7, 7, 7, 10_000])
  assert.deepEqual(await window(T + 20_000, 'c'), [1, 8, 8, 8, 10_000])
  const keys: string[] = []
  for await (const batch of redis.scanIterator({ MATCH: `${iso.prefix}:w:*` })) keys.push(...batch)
  assert.equal(keys.length, 6, `window keys: ${keys.join(' ')}`)

  const dead = await readTopic(iso.dlqTopic, { expected: 1 })
  assert.equal(dead.length, 1)
  assert.equal(dead[0]?.headers.get('spate-reason'), 'late')
  assert.equal(JSON.parse(dead[0]?.value ?? '{}').seq, 4)
})

test('poison records go to the dead-letter topic with a reason, and processing continues', { timeout: 180_000 }, async (t) => {
  const iso = await isolate(t, 1)
  const runId = 'poison'
  await produce(iso.topic, [{ key: 'ok', eventTime: T, value: 1, seq: 0 }], runId, [
    { key: 'k', value: '{"not json' },
    { value: JSON.stringify({ runId, seq: 1, eventTime: T, value: 1 }) }, // no key anywhere
    { key: 'k', value: JSON.stringify({ runId, seq: 2, key: 'k', eventTime: T, value: 'ten' }) },
    { key: 'k', value: JSON.stringify({ runId, seq: 3, key: 'k', eventTime: T, value: 1, pad: 'x'.repeat(2_000) }) },
  ])
  await produce(iso.topic, [{ key: 'ok', eventTime: T + 1, value: 2, seq: 4 }], runId)
  const processor = await startProcessor(t, iso, ['--kafka.maxRecordBytes=1000', '--window.idleTimeout=1s'])

  const redis = await redisClient(t)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count === 2, 30_000,
    async () => `ledger totals: ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}\n${processor.output()}`)
  assert.equal((await redis.hGetAll(`${iso.prefix}:w:${T}:ok`)).sum, '3')

  const dead = await readTopic(iso.dlqTopic, { expected: 4 })
  assert.deepEqual(dead.map((r) => r.headers.get('spate-reason')), ['malformed-json', 'missing-field', 'wrong-type', 'oversize'])
  assert.ok(dead.every((r) => /^.+\/0\/\d+$/.test(r.headers.get('spate-source') ?? '')))
  assert.equal(await processor.metric('spate_records_dead_lettered_total'), 4)
  assert.equal(await processor.metric('spate_records_dead_lettered_total', { reason: 'oversize' }), 1)
})
