// Backpressure: a slow sink pauses consumption instead of growing memory; the rate cap holds.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { eventually, expectedTotals, isolate, ledgerTotals, produce, redisClient, sleep, startProcessor, workload } from './helpers.ts'

test('while Redis stalls, consumption pauses and the buffer stays bounded; nothing is lost', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 2)
  const runId = 'stall'
  const records = workload(40_000, 2)
  const maxBuffered = 2_000
  const redis = await redisClient(t)
  const processor = await startProcessor(t, iso, [
    // 256 KiB of buffer caps one partition's fetch at 64 KiB (~400 records of this workload).
    '--batch.maxRecords=500', `--backpressure.maxBufferedRecords=${maxBuffered}`, '--backpressure.maxBufferedBytes=256KiB',
    '--window.allowedLateness=1s', '--window.idleTimeout=1s',
  ])
  // Redis refuses writes for 6 s: every batch that closes a window waits, and so does consumption.
  await redis.sendCommand(['CLIENT', 'PAUSE', '6000', 'WRITE'])
  t.after(() => redis.sendCommand(['CLIENT', 'UNPAUSE']).catch(() => {}))
  await produce(iso.topic, records, runId)

  let paused = false
  let maxSeen = 0
  const until = Date.now() + 5_000
  while (Date.now() < until) {
    paused ||= (await processor.metric('spate_consumer_paused')) === 1
    maxSeen = Math.max(maxSeen, await processor.metric('spate_buffered_records'))
    await sleep(100)
  }
  assert.ok(paused, `consumption never paused while Redis stalled:\n${processor.output()}`)
  assert.ok(maxSeen <= 2 * maxBuffered, `buffered ${maxSeen} records; the bound is ${maxBuffered} plus what one fetch was delivering`)

  const expected = expectedTotals(records)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count >= expected.count, 60_000,
    async () => `ledger ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}, expected ${JSON.stringify(expected)}`)
  assert.deepEqual(await ledgerTotals(redis, iso.prefix, runId), expected)
})

test('a buffer that fills below batch.maxRecords starts the batch at once instead of waiting out batch.maxWait', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 1)
  const records = workload(4_000, 1)
  // 20 sends, so 20 record batches of ~20 KiB in the log, one or two per fetch: 32 KiB of buffer
  // is full long before a batch of 20 000 records is. Waiting 10 s for each batch would take
  // minutes; a full buffer starts one at once.
  for (let i = 0; i < records.length; i += 200) await produce(iso.topic, records.slice(i, i + 200), 'full-buffer')
  const processor = await startProcessor(t, iso, ['--backpressure.maxBufferedBytes=32KiB', '--batch.maxRecords=20000', '--batch.maxWait=10s', '--workers=1'])
  const started = Date.now()
  await eventually(async () => (await processor.metric('spate_records_consumed_total')) >= records.length, 60_000, async () => `consumed ${await processor.metric('spate_records_consumed_total')} of ${records.length} in ${((Date.now() - started) / 1000).toFixed(0)} s\n${processor.output()}`)
})

test('backpressure.maxRatePerPartition caps the rate a partition is read at', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 1)
  const records = workload(6_000, 1)
  await produce(iso.topic, records, 'rate')
  // One pipeline: with worker threads the first one to join reads before the last is ready, and
  // the clock here starts at ready.
  const processor = await startProcessor(t, iso, ['--backpressure.maxRatePerPartition=1000', '--batch.maxRecords=500', '--workers=1'])
  const started = Date.now()
  await eventually(async () => (await processor.metric('spate_records_consumed_total')) >= records.length, 60_000, () => processor.output())
  const seconds = (Date.now() - started) / 1000
  // 6 000 records at <= 1 000/s take at least ~5 s (the first batch is free); uncapped it is well under 1 s.
  assert.ok(seconds >= 4.5, `read ${records.length} records in ${seconds.toFixed(1)} s, faster than the cap allows`)
})

test('under a rate cap, a processor killed a few seconds after its claim has checkpointed progress', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 1)
  await produce(iso.topic, workload(20_000, 1), 'throttle-claim')
  const flags = ['--backpressure.maxRatePerPartition=1500', '--checkpoint.interval=2s', '--kafka.sessionTimeout=6s']
  const first = await startProcessor(t, iso, flags)
  await eventually(async () => first.output().includes('"msg":"partition claimed"'), 30_000, () => first.output())
  await sleep(4_000)
  first.child.kill('SIGKILL')
  await first.exited
  const second = await startProcessor(t, iso, flags)
  await eventually(async () => second.output().includes('"msg":"partition claimed"'), 30_000, () => second.output())
  const claim = JSON.parse(second.output().split('\n').find((line) => line.includes('"msg":"partition claimed"')) as string) as { nextOffset: string }
  // At 1500 records/s, 4 s after the claim at least the first batch (about a second's worth) is checkpointed.
  assert.ok(Number(claim.nextOffset) >= 1500, `the restarted instance resumed at offset ${claim.nextOffset}`)
})
