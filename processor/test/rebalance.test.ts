// Several instances in one consumer group, and a Redis restart under load.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { isolatedStack, root, run } from '../../test/helpers.ts'
import { eventually, expectedTotals, isolate, ledgerTotals, produce, redisClient, sleep, startProcessor, workload, type TestRecord } from './helpers.ts'

/** Produces the records in slices over durationMs, as a steady load would. */
async function produceOver (topic: string, records: TestRecord[], runId: string, durationMs: number): Promise<void> {
  const slices = 20
  const size = Math.ceil(records.length / slices)
  for (let i = 0; i < slices; i++) {
    await produce(topic, records.slice(i * size, (i + 1) * size), runId)
    await sleep(durationMs / slices)
  }
}

const flags = ['--batch.maxRecords=2000', '--checkpoint.interval=500ms', '--window.allowedLateness=1s', '--window.idleTimeout=1s', '--kafka.sessionTimeout=6s']

test('two instances share the partitions and hand them over without loss or duplication', { timeout: 180_000 }, async (t) => {
  const iso = await isolate(t, 6)
  const runId = 'rebalance'
  const records = workload(36_000, 6)
  const producing = produceOver(iso.topic, records, runId, 12_000)

  const a = await startProcessor(t, iso, flags)
  await sleep(3_000)
  const b = await startProcessor(t, iso, flags)
  await eventually(async () => (await b.metric('spate_assigned_partitions')) > 0, 30_000, () => `second instance got no partitions:\n${b.output()}`)
  await sleep(3_000)
  a.child.kill('SIGTERM') // a clean leave: the group hands A's partitions to B
  assert.equal(await a.exited, 0, a.output())
  await producing

  const redis = await redisClient(t)
  const expected = expectedTotals(records)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count >= expected.count, 90_000,
    async () => `ledger ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}, expected ${JSON.stringify(expected)}\n${b.output()}`)
  await sleep(1_500)
  assert.deepEqual(await ledgerTotals(redis, iso.prefix, runId), expected)
  assert.equal(await b.metric('spate_assigned_partitions'), 6)
})

test('a partition that moves away and comes back is read again from its checkpoint, not from records buffered before it left', { timeout: 180_000 }, async (t) => {
  const iso = await isolate(t, 2)
  const runId = 'come-back'
  const records = workload(2_400, 2)
  await produce(iso.topic, records, runId)
  // A fetches both partitions whole into its buffer and works through 40 records of each per
  // batch; B gets one of them and applies 1 record per batch. While that partition is away, A
  // takes its buffered records and skips them, 40 per batch: when it comes back, what A still
  // buffers for it lies far past B's checkpoint, which A restores the partition from.
  const a = await startProcessor(t, iso, [...flags, '--backpressure.maxRatePerPartition=40'])
  const b = await startProcessor(t, iso, [...flags, '--backpressure.maxRatePerPartition=1'])
  await eventually(async () => (await b.metric('spate_assigned_partitions')) === 1 && b.output().includes('"msg":"partition claimed"'), 30_000,
    () => `second instance got no partition:\n${b.output()}`)
  await sleep(4_000)
  // Killed, not stopped: a stopping instance works off its whole buffer first. The partition
  // comes back to A after the session timeout.
  b.child.kill('SIGKILL')
  await b.exited
  await eventually(async () => (await a.metric('spate_assigned_partitions')) === 2, 30_000, () => `the partition did not come back:\n${a.output()}`)

  const redis = await redisClient(t)
  const expected = expectedTotals(records)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count >= expected.count, 90_000,
    async () => `ledger ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}, expected ${JSON.stringify(expected)}\n${a.output()}`)
  await sleep(1_500)
  assert.deepEqual(await ledgerTotals(redis, iso.prefix, runId), expected)
})

test('a Redis restart in the middle of a run pauses writes and loses nothing', { timeout: 180_000 }, async (t) => {
  // A Redis of this test's own, started and stopped by the project's stack script.
  const { env } = await isolatedStack(t)
  const stackScript = join(root, 'stack/stack.sh')
  assert.equal((await run(stackScript, ['up', 'redis'], { env })).code, 0)
  const url = `redis://127.0.0.1:${env.SPATE_REDIS_PORT}`

  const iso = await isolate(t, 3)
  const runId = 'redis-restart'
  const records = workload(30_000, 3)
  const processor = await startProcessor(t, iso, [...flags, `--redis.url=${url}`])
  const producing = produceOver(iso.topic, records, runId, 10_000)
  await eventually(async () => (await processor.metric('spate_windows_closed_total')) > 0, 60_000, () => `no window written yet:\n${processor.output()}`)

  const down = await run(stackScript, ['down', 'redis'], { env })
  assert.equal(down.code, 0, down.stderr)
  await sleep(2_000)
  const up = await run(stackScript, ['up', 'redis'], { env })
  assert.equal(up.code, 0, up.stderr)
  await producing

  const redis = await redisClient(t, url)
  const expected = expectedTotals(records)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count >= expected.count, 90_000,
    async () => `ledger ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}, expected ${JSON.stringify(expected)}\n${processor.output()}`)
  await sleep(1_500)
  assert.deepEqual(await ledgerTotals(redis, iso.prefix, runId), expected)
  assert.match(processor.output(), /redis connection error/, 'the processor should have seen the connection drop')
})
