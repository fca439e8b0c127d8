// Failures: a crash mid-run, a zombie instance, bad configuration.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { FencedError, S3Checkpoints } from '../src/checkpoint/s3-checkpoints.ts'
import { loadConfig } from '../src/config/load.ts'
import { PartitionWindows } from '../src/window/partition-windows.ts'
import { root, run, uniqueName } from '../../test/helpers.ts'
import { eventually, expectedTotals, isolate, ledgerTotals, produce, redisClient, sleep, startProcessor, workload } from './helpers.ts'

/** Sum of `sum` over all window keys: a second, independent check of the per-key aggregates. */
async function windowValueTotal (redis: Awaited<ReturnType<typeof redisClient>>, prefix: string): Promise<{ count: number, sum: number }> {
  const total = { count: 0, sum: 0 }
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:w:*`, COUNT: 1000 })) {
    for (const key of keys) {
      const h = await redis.hmGet(key, ['count', 'sum'])
      total.count += Number(h[0])
      total.sum += Number(h[1])
    }
  }
  return total
}

test('kill -9 mid-run, then restart: nothing lost, nothing counted twice', { timeout: 180_000 }, async (t) => {
  const iso = await isolate(t, 4)
  const runId = 'crash'
  const records = workload(40_000, 4)
  await produce(iso.topic, records, runId)
  // Throttled to ~8k records/s so that the crash lands mid-run.
  const flags = ['--batch.maxRecords=1000', '--checkpoint.interval=300ms', '--window.allowedLateness=1s', '--window.idleTimeout=1s', '--backpressure.maxRatePerPartition=2000']

  const first = await startProcessor(t, iso, flags)
  await eventually(async () => (await first.metric('spate_records_processed_total')) >= 12_000, 60_000, () => `not far enough yet:\n${first.output()}`)
  const processedBeforeCrash = await first.metric('spate_records_processed_total')
  first.child.kill('SIGKILL')
  await first.exited
  assert.ok(processedBeforeCrash > 0 && processedBeforeCrash < records.length, `crash came at ${processedBeforeCrash} of ${records.length} records; the test needs a crash mid-run`)

  const second = await startProcessor(t, iso, flags)
  const redis = await redisClient(t)
  const expected = expectedTotals(records)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count >= expected.count, 90_000,
    async () => `ledger ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}, expected ${JSON.stringify(expected)}\n${second.output()}`)
  await sleep(1_500) // a duplicate write would land by now
  assert.deepEqual(await ledgerTotals(redis, iso.prefix, runId), expected)
  assert.deepEqual(await windowValueTotal(redis, iso.prefix), { count: records.length, sum: records.reduce((s, r) => s + r.value, 0) })
  assert.ok((await second.metric('spate_records_consumed_total')) > 0, 'the restarted instance resumed from the checkpoint and consumed the rest')
})

test('a zombie cannot overwrite a newer checkpoint: its conditional write is rejected', async () => {
  const env = { ...process.env }
  const { config } = loadConfig({ argv: [`--s3.prefix=test/${uniqueName('zombie')}`], env })
  const zombie = new S3Checkpoints(config)
  const owner = new S3Checkpoints(config)
  const state = (offset: bigint) => {
    const windows = new PartitionWindows(7, { size: 10_000, lateness: 0, extraCount: 0 })
    windows.nextOffset = offset
    return windows.snapshot()
  }
  const checkpoint = (seq: number, epoch: number, offset: bigint, instanceId: string) =>
    ({ version: 1 as const, seq, topic: config.kafka.topic, groupId: config.kafka.groupId, partition: 7, epoch, instanceId, writtenAt: Date.now(), state: state(offset) })

  await zombie.write(checkpoint(1, 1, 100n, 'zombie'))
  // A rebalance hands partition 7 to the new owner, which restores seq 1 and writes seq 2.
  const restored = await owner.latest(7)
  assert.equal(restored?.seq, 1)
  await owner.write(checkpoint(2, 2, 150n, 'owner'))
  // The zombie still believes it owns the partition and writes its own seq 2.
  await assert.rejects(zombie.write(checkpoint(2, 1, 180n, 'zombie')), FencedError)
  const latest = await owner.latest(7)
  assert.equal(latest?.instanceId, 'owner')
  assert.equal(latest?.state.nextOffset, '150')
  await owner.prune(7, 4, 3) // keep 3: seq 1 goes
  assert.deepEqual(await owner.list(7), [2])
})

test('an invalid setting stops the processor with one line and exit code 1', async () => {
  const result = await run(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'), '--window.size=0s'])
  assert.equal(result.code, 1)
  assert.equal(result.stdout, '')
  assert.equal(result.stderr, 'spate-processor: config: window.size = "0s" (from flag --window.size) is invalid: must be a duration from 1s to 1h, e.g. 500ms, 10s, 2m\n')
})

test('an unreachable Redis stops the start with one line naming it', { timeout: 60_000 }, async (t) => {
  const iso = await isolate(t, 1)
  const result = await run(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'), `--kafka.topic=${iso.topic}`, `--kafka.dlqTopic=${iso.dlqTopic}`, '--redis.url=redis://127.0.0.1:1', '--metrics.port=0'], { timeoutMs: 30_000 })
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.equal(result.stderr, 'spate-processor: cannot reach Redis at redis://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1); check redis.url and that Redis is running\n')
})

test('unreachable Kafka brokers stop the start with one line naming them', { timeout: 60_000 }, async () => {
  const result = await run(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'), '--kafka.brokers=127.0.0.1:1', '--metrics.port=0'], { timeoutMs: 45_000 })
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.equal(result.stderr, 'spate-processor: cannot reach Kafka (Connection error: connect ECONNREFUSED 127.0.0.1:1); check kafka.brokers (127.0.0.1:1)\n')
  // kafkajs' retries are folded into that line: no kafkajs line, no stack trace on stdout.
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
  assert.deepEqual(lines.filter((line) => line.source === 'kafkajs' || 'stack' in line), [])
})

test('a Redis password set for a Redis that has none stops the start with one line', { timeout: 60_000 }, async () => {
  const result = await run(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'), '--metrics.port=0'], { env: { SPATE_REDIS_PASSWORD: 'for-another-redis' }, timeoutMs: 30_000 })
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.match(result.stderr, /^spate-processor: Redis at redis:\/\/127\.0\.0\.1:\d+ has no password, but SPATE_REDIS_PASSWORD is set; unset it, or configure requirepass on the server\n$/)
})
