// spate against a pipeline it did not write: the PySpark Structured Streaming job of
// pipelines/spark/, checked from its natural output only (SPATE_VERIFY_MODE=windows).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createClient } from 'redis'
import { run, stack } from '../helpers.ts'
import { startSparkJob, summaryCount, windowsEnv } from './job.ts'
import { scrapeSparkJob, sparkQueries } from './prometheus.ts'

async function writeStats (key: string): Promise<{ keys: number, ms: number }> {
  const redis = createClient({ url: stack.redisUrl() })
  await redis.connect()
  try {
    const h = await redis.hGetAll(key)
    return { keys: Number(h.keysWritten ?? 0), ms: Number(h.writeMs ?? 0) }
  } finally {
    await redis.quit()
  }
}

const pooledStats: Array<{ keys: number, ms: number }> = []

test('a spate run against the Spark job exits 0 with every record verified in its windows, and Prometheus has the job\'s metrics', { timeout: 600_000 }, async (t) => {
  const job = await startSparkJob(t)
  const prometheus = await scrapeSparkJob(t, job.uiPort)
  const from = Date.now() / 1000
  const result = await run('spate', ['run', '--quiet', 'scripts/smoke.ts'], { env: windowsEnv(job), timeoutMs: 300_000 })
  await t.test('every Spark query answers on the run\'s data', async () => {
    const to = Date.now() / 1000
    for (const [name, expr] of Object.entries(sparkQueries)) {
      const series = await prometheus.queryRange(expr, from, to, 1)
      const values = series.flatMap((s) => s.values.map(([, v]) => Number(v)))
      assert.ok(values.length > 0, `${name}: no samples for ${expr}`)
      if (!name.startsWith('executors')) assert.ok(Math.max(...values) > 0, `${name}: only zeros for ${expr}`)
    }
  })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const produced = summaryCount(result.stdout, 'kafka_writer_message_count')
  assert.ok(produced > 0)
  assert.equal(summaryCount(result.stdout, 'spate_records_verified'), produced)
  assert.equal(summaryCount(result.stdout, 'spate_records_lost'), 0)
  assert.equal(summaryCount(result.stdout, 'spate_records_duplicated'), 0)
  // The output-only keeps-up gate ran and held; the consumer-group one did not run.
  assert.match(result.stdout, /spate_latency_slope\n\s+✓ 'max<0.1'/)
  assert.doesNotMatch(result.stdout, /spate_lag_slope_ratio/)
  pooledStats.push(await writeStats(job.statsKey))
})

test('a Spark job that drops a partition makes the run exit 99 on spate_records_lost', { timeout: 600_000 }, async (t) => {
  const job = await startSparkJob(t, ['--fault', 'drop-partition'])
  const result = await run('spate', ['run', '--quiet', 'scripts/smoke.ts'], { env: windowsEnv(job, { SPATE_VERIFY_TIMEOUT: '75' }), timeoutMs: 300_000 })
  assert.equal(result.code, 99, result.stdout + result.stderr)
  const produced = summaryCount(result.stdout, 'kafka_writer_message_count')
  const lost = summaryCount(result.stdout, 'spate_records_lost')
  // One partition of four: about a quarter of the records.
  assert.ok(lost > produced / 8 && lost < produced / 2, `lost ${lost} of ${produced}`)
  assert.match(result.stdout, /spate_records_lost\n\s+✗ 'count==0'/)
  assert.match(result.stderr, /thresholds on metrics '.*spate_records_lost.*' have been crossed/)
})

test('a Spark job that adds counts instead of setting them makes the run exit 99 on spate_records_duplicated', { timeout: 600_000 }, async (t) => {
  const job = await startSparkJob(t, ['--fault', 'double-write'])
  const result = await run('spate', ['run', '--quiet', 'scripts/smoke.ts'], { env: windowsEnv(job), timeoutMs: 300_000 })
  assert.equal(result.code, 99, result.stdout + result.stderr)
  // A window updated by several micro-batches counts its earlier records again.
  assert.ok(summaryCount(result.stdout, 'spate_records_duplicated') > 0)
  assert.equal(summaryCount(result.stdout, 'spate_records_lost'), 0)
  assert.match(result.stdout, /spate_records_duplicated\n\s+✗ 'count==0'/)
})

test('the naive sink, a Redis connection per record, is measurably slower per key than the pooled one', { timeout: 600_000 }, async (t) => {
  const job = await startSparkJob(t, ['--mode', 'naive'])
  const result = await run('spate', ['run', '--quiet', 'scripts/smoke.ts'], { env: windowsEnv(job), timeoutMs: 300_000 })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const naive = await writeStats(job.statsKey)
  const pooled = pooledStats[0]
  assert.ok(pooled && pooled.keys > 0 && naive.keys > 0, `pooled ${JSON.stringify(pooled)} naive ${JSON.stringify(naive)}`)
  const pooledPerKey = pooled.ms / pooled.keys
  const naivePerKey = naive.ms / naive.keys
  t.diagnostic(`write time per key: pooled ${pooledPerKey.toFixed(3)} ms, naive ${naivePerKey.toFixed(3)} ms`)
  assert.ok(naivePerKey > 2 * pooledPerKey, `naive ${naivePerKey} ms/key, pooled ${pooledPerKey} ms/key`)
})
