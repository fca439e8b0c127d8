// Worker threads: one /metrics merged from every worker (counters are the sum over the
// workers), a worker that fails stops the process, and a processor with two workers consumes a
// topic end to end, exactly, and drains both workers on SIGTERM.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { quotaCores } from '../src/config/cores.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/log.ts'
import { mergeThreadMetrics } from '../src/metrics/aggregate.ts'
import { ProcessorMetrics } from '../src/metrics/metrics.ts'
import { StartError, workerConfig, Workers } from '../src/workers/supervisor.ts'
import { eventually, expectedTotals, isolate, ledgerTotals, produce, redisClient, startProcessor, workload } from './helpers.ts'

const credentials = { SPATE_S3_ACCESS_KEY_ID: 'id', SPATE_S3_SECRET_ACCESS_KEY: 'secret' }

/** Sample lines of a rendered registry: name{labels} -> value. */
function samples (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return out
}

test('the merged /metrics sums counters and histograms over the workers, takes the process metrics once, and declares each metric once', async () => {
  const topic = 'merge-topic'
  const workers = [new ProcessorMetrics(), new ProcessorMetrics(), new ProcessorMetrics()]
  workers.forEach((m, i) => {
    m.zero(topic)
    m.consumed.inc({ topic }, 1000 * (i + 1))
    m.deadLettered.inc({ reason: 'late' }, i)
    m.batchRecords.observe(100 * (i + 1))
    m.endToEndLatency.observe(0.3, 50)
    m.lag.set({ partition: String(i) }, 7 * (i + 1))
    m.assignedPartitions.set(i + 1)
    m.paused.set(i === 1 ? 1 : 0)
  })
  const main = new Registry()
  collectDefaultMetrics({ register: main, prefix: 'spate_process_' })
  const mainJson = await main.getMetricsAsJSON()
  const merged = mergeThreadMetrics(mainJson, await Promise.all(workers.map((m) => m.registry.getMetricsAsJSON())))
  const text = await merged.metrics()
  const s = samples(text)

  assert.equal(s.get(`spate_records_consumed_total{topic="${topic}"}`), 6000)
  assert.equal(s.get('spate_records_dead_lettered_total{reason="late"}'), 3)
  assert.equal(s.get('spate_records_dead_lettered_total{reason="empty"}'), 0, 'zeroed series stay')
  assert.equal(s.get('spate_batch_records_count'), 3)
  assert.equal(s.get('spate_batch_records_sum'), 600)
  assert.equal(s.get('spate_batch_records_bucket{le="500"}'), 3)
  assert.equal(s.get('spate_batch_records_bucket{le="100"}'), 1)
  assert.equal(s.get('spate_end_to_end_latency_seconds_count'), 150)
  assert.equal(s.get('spate_consumer_lag_records{partition="0"}'), 7)
  assert.equal(s.get('spate_consumer_lag_records{partition="2"}'), 21)
  assert.equal(s.get('spate_assigned_partitions'), 6)
  assert.equal(s.get('spate_consumer_paused'), 1, 'paused if any worker is')

  // Process-wide metrics come from the main thread alone, not once per thread.
  const start = mainJson.find((m) => m.name === 'spate_process_process_start_time_seconds')
  assert.equal(s.get('spate_process_process_start_time_seconds'), start?.values[0]?.value)
  assert.ok((s.get('spate_process_nodejs_heap_size_used_bytes') ?? 0) > 0)

  const declared = text.split('\n').filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2])
  assert.deepEqual(declared.filter((name, i) => declared.indexOf(name) !== i), [], 'a metric declared twice')
  const single = await workers[0]!.registry.metrics()
  const names = (t: string) => new Set(t.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]))
  assert.deepEqual([...names(text)].sort(), [...names(single)].sort(), 'the same metric names as a processor without workers')
})

test('the workers setting: auto is the usable cores, a number is taken as is, anything else is refused in one line', () => {
  assert.equal(loadConfig({ env: credentials, cores: 3 }).config.workers, 3)
  assert.equal(loadConfig({ env: { ...credentials, SPATE_WORKERS: 'auto' }, cores: 1 }).config.workers, 1)
  assert.equal(loadConfig({ env: { ...credentials, SPATE_WORKERS: '4' }, cores: 2 }).config.workers, 4)
  assert.equal(loadConfig({ argv: ['--workers=1'], env: { ...credentials, SPATE_WORKERS: '4' } }).config.workers, 1)
  const refused = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
    try {
      loadConfig({ argv, env: { ...credentials, ...env } })
    } catch (error) {
      return (error as Error).message
    }
    return assert.fail('expected the setting to be refused')
  }
  // A container's CPU limit (cgroup v2 cpu.max) bounds auto, rounded up.
  assert.equal(quotaCores('max 100000\n'), undefined)
  assert.equal(quotaCores('150000 100000\n'), 2)
  assert.equal(quotaCores('50000 100000'), 1)
  assert.equal(refused(['--workers=0']), 'config: workers = "0" (from flag --workers) is invalid: must be auto or an integer from 1 to 64')
  assert.equal(refused([], { SPATE_WORKERS: 'all' }), 'config: workers = "all" (from SPATE_WORKERS) is invalid: must be auto or an integer from 1 to 64')
  assert.equal(refused(['--workers=1.5']), 'config: workers = "1.5" (from flag --workers) is invalid: must be auto or an integer from 1 to 64')
})

test('each worker gets its share of the buffer bounds, so the process holds no more than one pipeline would', () => {
  const { config } = loadConfig({ argv: ['--workers=4', '--backpressure.maxBufferedRecords=100000', '--backpressure.maxBufferedBytes=64MiB'], env: credentials })
  const shared = workerConfig(config)
  assert.equal(shared.backpressure.maxBufferedRecords, 25_000)
  assert.equal(shared.backpressure.maxBufferedBytes, 16 * 1024 * 1024)
  assert.equal(shared.kafka.groupId, config.kafka.groupId)
})

const fake = new URL('./fixtures/fake-worker.mjs', import.meta.url)
const quiet = createLogger('error', {}, () => {})

test('workers: metrics and totals are summed; a worker that cannot start fails the start with its one line; a worker that dies later fails the process', async (t) => {
  const { config } = loadConfig({ argv: ['--workers=3', '--kafka.topic=fake'], env: credentials })

  delete process.env.FAKE_FAIL_AT
  const healthy = new Workers(config, quiet, () => assert.fail('no worker should fail'), fake)
  t.after(() => healthy.stop().catch(() => {}))
  await healthy.start()
  assert.equal(healthy.isReady, true)
  assert.equal(samples(await healthy.metrics()).get('spate_records_consumed_total{topic="fake"}'), 60)
  assert.equal((await healthy.totals()).consumed, 60)
  assert.equal((await healthy.stop()).consumed, 60)
  assert.equal(healthy.isReady, false)

  process.env.FAKE_FAIL_AT = 'start'
  process.env.FAKE_FAIL_INDEX = '2'
  const refusing = new Workers(config, quiet, () => {}, fake)
  t.after(() => refusing.stop().catch(() => {}))
  await assert.rejects(refusing.start(), (error: Error) => error instanceof StartError && error.message === 'cannot reach Kafka (stand-in); check kafka.brokers')
  await refusing.stop().catch(() => {})

  process.env.FAKE_FAIL_AT = 'run'
  process.env.FAKE_FAIL_INDEX = '1'
  let failed: string | undefined
  const dying = new Workers(config, quiet, (message) => { failed = message }, fake)
  t.after(() => dying.stop().catch(() => {}))
  await dying.start()
  await dying.totals()
  await eventually(async () => failed !== undefined, 10_000, () => 'the dead worker was not noticed')
  assert.match(failed ?? '', /^worker 1 crashed \(stand-in failure\)/)
  await dying.stop().catch(() => {})
  delete process.env.FAKE_FAIL_AT
})

test('a processor with two workers splits the partitions, writes every record once, and drains both on SIGTERM', { timeout: 180_000 }, async (t) => {
  const iso = await isolate(t, 4)
  const runId = 'workers'
  const records = workload(20_000, 4)
  await produce(iso.topic, records, runId)
  const processor = await startProcessor(t, iso, ['--workers=2', '--window.idleTimeout=1s', '--window.allowedLateness=1s', '--checkpoint.interval=500ms'])
  const redis = await redisClient(t)
  const expected = expectedTotals(records)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count >= expected.count, 90_000,
    async () => `ledger ${JSON.stringify(await ledgerTotals(redis, iso.prefix, runId))}, expected ${JSON.stringify(expected)}\n${processor.output()}`)
  assert.deepEqual(await ledgerTotals(redis, iso.prefix, runId), expected)

  assert.equal(await processor.metric('spate_records_consumed_total', { topic: iso.topic }), records.length)
  assert.equal(await processor.metric('spate_assigned_partitions'), 4)
  const lines = processor.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string, worker?: number, partition?: number, partitions?: number[], totals?: { consumed: number } })
  // The workers join the group together once both have connected: the first assignment already
  // splits the partitions, instead of one worker starting alone with all four.
  const assignments = lines.filter((line) => line.msg === 'partitions assigned')
  for (const worker of [0, 1]) {
    assert.equal(assignments.find((line) => line.worker === worker)?.partitions?.length, 2, `worker ${worker}'s first assignment\n${processor.output()}`)
  }
  const claims = lines.filter((line) => line.msg === 'partition claimed')
  assert.deepEqual([...new Set(claims.map((line) => line.worker))].sort(), [0, 1], 'both workers own partitions')
  assert.deepEqual([...new Set(claims.map((line) => line.partition))].sort(), [0, 1, 2, 3])

  processor.child.kill('SIGTERM')
  assert.equal(await processor.exited, 0, processor.output())
  const stopped = processor.output().split('\n').filter((line) => line.includes('"msg":"stopped"')).map((line) => JSON.parse(line) as { totals: { consumed: number } })
  assert.equal(stopped.length, 1)
  assert.equal(stopped[0]?.totals.consumed, records.length)
  assert.deepEqual(await ledgerTotals(redis, iso.prefix, runId), expected)
})
