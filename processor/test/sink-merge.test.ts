// The result hash is partition-safe, and windows Redis may have lost are written again.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { windowKey } from '../../contract/sink-keys.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/log.ts'
import { ProcessorMetrics } from '../src/metrics/metrics.ts'
import { RedisSink } from '../src/sink/redis-sink.ts'
import { sortUnconfirmed, type UnconfirmedWindow } from '../src/sink/unconfirmed.ts'
import type { ClosedWindow, KeyAggregate } from '../src/window/partition-windows.ts'
import { uniqueName } from '../../test/helpers.ts'
import { redisClient } from './helpers.ts'

const START = 1_700_000_000_000

function share (partition: number, agg: Partial<KeyAggregate>): ClosedWindow {
  const full: KeyAggregate = { count: 1, sum: 0, min: 0, max: 0, eventTimeSum: START, maxEventTime: START, extras: [], ...agg }
  return { partition, start: START, end: START + 10_000, keys: new Map([['k', full]]), runs: new Map() }
}

async function sinkFor (prefix: string, extras: string[] = []): Promise<RedisSink> {
  const { config } = loadConfig({ argv: [`--redis.keyPrefix=${prefix}`], env: process.env })
  const sink = new RedisSink(config.redis, extras, new ProcessorMetrics(), createLogger('error'))
  await sink.connect()
  return sink
}

const a = share(0, { count: 2, sum: 0.1, min: -5, max: 3 })
const b = share(3, { count: 3, sum: 0.2, min: -1, max: 9 })

for (const order of [[a, b], [b, a], [a, b, a, b]]) {
  test(`two partitions' shares of a key merge to the same result when written ${order.map((w) => `p${w.partition}`).join(', ')}`, async (t) => {
    const prefix = uniqueName('merge')
    const sink = await sinkFor(prefix)
    t.after(() => sink.close())
    for (const window of order) await sink.write([window])
    const redis = await redisClient(t)
    const h = await redis.hGetAll(windowKey(prefix, START, 'k'))
    assert.deepEqual({ count: h.count, sum: h.sum, min: h.min, max: h.max }, { count: '5', sum: String(0.1 + 0.2), min: '-5', max: '9' })
    assert.equal(h['part:0'], '2 0.1 -5 3')
  })
}

test('profile extras are merged over partitions as well', async (t) => {
  const prefix = uniqueName('merge')
  const sink = await sinkFor(prefix, ['weighted', 'enterprise'])
  t.after(() => sink.close())
  await sink.write([share(2, { count: 1, sum: 4, min: 4, max: 4, extras: [12, 1] })])
  await sink.write([share(5, { count: 2, sum: 6, min: 1, max: 5, extras: [0.5, 0] })])
  const redis = await redisClient(t)
  const h = await redis.hGetAll(windowKey(prefix, START, 'k'))
  assert.deepEqual({ count: h.count, sum: h.sum, min: h.min, max: h.max, weighted: h.weighted, enterprise: h.enterprise, parts: h.parts }, { count: '3', sum: '10', min: '1', max: '5', weighted: '12.5', enterprise: '1', parts: '2,5' })
})

test('one partition\'s share is the result as written, digit for digit', async (t) => {
  const prefix = uniqueName('merge')
  const sink = await sinkFor(prefix)
  t.after(() => sink.close())
  await sink.write([share(1, { count: 7, sum: 1 / 3, min: 1e-7, max: 123456789.123 })])
  const redis = await redisClient(t)
  const h = await redis.hGetAll(windowKey(prefix, START, 'k'))
  assert.deepEqual({ count: h.count, sum: h.sum, min: h.min, max: h.max }, { count: '7', sum: String(1 / 3), min: String(1e-7), max: '123456789.123' })
})

test('a window of many keys, written in several script calls and pipelines, merges each key on its own', async (t) => {
  const prefix = uniqueName('merge')
  // 20 hashes a pipeline, so 20 keys a script call: the 250 keys below take 13 calls and pipelines.
  const { config } = loadConfig({ argv: [`--redis.keyPrefix=${prefix}`, '--redis.pipelineSize=20'], env: process.env })
  const metrics = new ProcessorMetrics()
  const sink = new RedisSink(config.redis, ['weighted'], metrics, createLogger('error'))
  await sink.connect()
  t.after(() => sink.close())
  const keys = Array.from({ length: 250 }, (_, i) => `key-${i}`)
  const aggregate = (i: number, partition: number): KeyAggregate => ({ count: i + 1 + partition, sum: i * 0.5 + partition, min: -(i + 1) - partition, max: i + partition, eventTimeSum: START, maxEventTime: START, extras: [i + 0.25 + partition] })
  const window = (partition: number, of: string[]): ClosedWindow => ({ partition, start: START, end: START + 10_000, keys: new Map(of.map((key) => [key, aggregate(keys.indexOf(key), partition)])), runs: new Map() })
  // Every third key also has a share from partition 7, written first: those keys merge, the others
  // take partition 2's share as it is.
  const shared = keys.filter((_, i) => i % 3 === 0)
  await sink.write([window(7, shared)])
  await sink.write([window(2, keys)])
  assert.equal(await metrics.redisWrites.get().then((m) => m.values[0]?.value), shared.length + keys.length)
  const redis = await redisClient(t)
  for (const [i, key] of keys.entries()) {
    const h = await redis.hGetAll(windowKey(prefix, START, key))
    const mine = aggregate(i, 2)
    const other = i % 3 === 0 ? aggregate(i, 7) : undefined
    const expected = other === undefined
      ? { count: String(mine.count), sum: String(mine.sum), min: String(mine.min), max: String(mine.max), weighted: String(mine.extras[0]), parts: '2' }
      : { count: String(mine.count + other.count), sum: String(mine.sum + other.sum), min: String(Math.min(mine.min, other.min)), max: String(Math.max(mine.max, other.max)), weighted: String((mine.extras[0] as number) + (other.extras[0] as number)), parts: '2,7' }
    assert.deepEqual({ count: h.count, sum: h.sum, min: h.min, max: h.max, weighted: h.weighted, parts: h.parts }, expected, key)
    assert.equal(h['part:2'], `${mine.count} ${mine.sum} ${mine.min} ${mine.max} ${mine.extras[0]}`, key)
    assert.deepEqual({ start: h.start, end: h.end }, { start: String(START), end: String(START + 10_000) }, key)
  }
})

const entry = (redisRunId: string, writtenAt: number): UnconfirmedWindow => ({ redisRunId, writtenAt, window: share(0, {}) })

const sorting: Array<{ name: string, entries: UnconfirmedWindow[], rewrite: number, keep: number }> = [
  { name: 'a window written to an earlier Redis process is written again', entries: [entry('old', 9_000)], rewrite: 1, keep: 0 },
  { name: 'a window written within confirmAfter is kept', entries: [entry('now', 9_000)], rewrite: 0, keep: 1 },
  { name: 'a window Redis has run confirmAfter past is confirmed and dropped', entries: [entry('now', 6_000)], rewrite: 0, keep: 0 },
]
for (const c of sorting) {
  test(c.name, () => {
    const sorted = sortUnconfirmed(c.entries, 'now', 10_000, 3_000)
    assert.equal(sorted.rewrite.length, c.rewrite)
    assert.equal(sorted.keep.length, c.keep)
  })
}
