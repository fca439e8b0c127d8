// spate against a pipeline it did not write: the PySpark Structured Streaming job of
// pipelines/spark/, checked from its natural output only (SPATE_VERIFY_MODE=windows).
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createClient } from 'redis'
import { dashboards } from '../../dashboards/src/index.ts'
import { SPARK_EXECUTORS_JOB, SPARK_JOB } from '../../pipelines/spark/metrics.ts'
import { writeReport } from '../../report/report.ts'
import { checkPanelQueries, escapeRegex } from '../dashboards/panel-queries.ts'
import { root, run, stack, uniqueName } from '../helpers.ts'
import { restartSparkJob, startSparkJob, summaryCount, WARM_UP_RECORDS, windowsEnv } from './job.ts'
import { remoteWriteEnv, scrapeSparkJob, sparkQueries } from './prometheus.ts'
import { deletePrefix, listKeys } from './s3.ts'

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

/** The job's micro-batches with records, in order (pipelines/spark/progress.py, --stats-key). */
async function batches (key: string): Promise<Array<{ batch: number, records: number }>> {
  const redis = createClient({ url: stack.redisUrl() })
  await redis.connect()
  try {
    return (await redis.lRange(`${key}:batches`, 0, -1)).map((line) => JSON.parse(line) as { batch: number, records: number })
  } finally {
    await redis.quit()
  }
}

/**
 * The batches after the first `skip`, once their records add up to at least `records` (or after
 * 120 s): the job lists a batch when Spark reports its progress, after its commit to the
 * checkpoint, so a little after its windows are visible in Redis.
 */
async function batchesReading (key: string, skip: number, records: number): Promise<Array<{ batch: number, records: number }>> {
  const deadline = Date.now() + 120_000
  for (;;) {
    const listed = (await batches(key)).slice(skip)
    if (listed.reduce((n, b) => n + b.records, 0) >= records || Date.now() > deadline) return listed
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

const pooledStats: Array<{ keys: number, ms: number }> = []

test('a spate run against the Spark job, checkpointing on S3 through S3A, exits 0 with every record verified in its windows; Prometheus, the Spark dashboard and the run report show the run; a restart resumes from the checkpoint', { timeout: 900_000 }, async (t) => {
  const prefix = `spark-test/${uniqueName('checkpoint')}`
  t.after(() => deletePrefix(prefix))
  const job = await startSparkJob(t, [], `s3a://${stack.s3Bucket()}/${prefix}`)
  const prometheus = await scrapeSparkJob(t, job.uiPort)
  const reportDir = await mkdtemp(join(tmpdir(), 'spate-spark-report-'))
  t.after(() => rm(reportDir, { recursive: true, force: true }))
  const runId = uniqueName('spark-run')
  const from = Math.floor(Date.now() / 1000) - 5
  const result = await run('spate', ['run', '--quiet', '-o', 'experimental-prometheus-rw', '--tag', `testid=${runId}`, 'scripts/smoke.ts'], {
    env: { ...windowsEnv(job), ...remoteWriteEnv(prometheus), SPATE_RUN_ID: runId, SPATE_REPORT_DIR: reportDir },
    timeoutMs: 300_000,
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
  // Two more scrapes of the job after the run, and past the engine's last push.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const to = Math.ceil(Date.now() / 1000) + 2

  await t.test('every Spark query answers on the run\'s data', async () => {
    for (const [name, expr] of Object.entries(sparkQueries)) {
      const series = await prometheus.queryRange(expr, from, to, 1)
      const values = series.flatMap((s) => s.values.map(([, v]) => Number(v)))
      assert.ok(values.length > 0, `${name}: no samples for ${expr}`)
      if (!name.startsWith('executors')) assert.ok(Math.max(...values) > 0, `${name}: only zeros for ${expr}`)
    }
  })

  await t.test('every panel query of the Spark dashboard returns data from the run', async () => {
    const variables = {
      datasource: 'unused',
      testid: escapeRegex(runId),
      topic: escapeRegex(job.topic),
      job: `(${SPARK_JOB}|${SPARK_EXECUTORS_JOB})`,
      instance: escapeRegex(`127.0.0.1:${job.uiPort}`),
    }
    const { checked, empty } = await checkPanelQueries(prometheus, dashboards.filter((d) => d.provenBy === 'spark'), variables, from, to)
    assert.deepEqual(empty, [], `panel queries that returned no data:\n${empty.join('\n')}`)
    assert.ok(checked >= 20, `only ${checked} queries checked`)
  })

  await t.test('the run report charts the Spark job\'s micro-batch durations, and no processor charts', async () => {
    const report = await writeReport({
      prometheusUrl: prometheus.url, runId, summaryPath: join(reportDir, 'k6-summary.json'), outPath: join(reportDir, `run-${runId}.html`), script: 'scripts/smoke.ts', k6ExitCode: result.code ?? undefined,
    })
    assert.deepEqual(report.run.spark?.instances, [`127.0.0.1:${job.uiPort}`])
    assert.equal(report.run.processor, undefined)
    assert.deepEqual(report.charts.map((c) => c.id), ['throughput', 'latency', 'spark-batch'])
    const batch = report.charts.find((c) => c.id === 'spark-batch')
    const longest = (batch?.series.find((s) => s.name === 'longest batch')?.points ?? []).filter((p) => Number.isFinite(p.v))
    assert.ok(longest.length >= 2, `a line of micro-batch durations, got ${longest.length} points`)
    // Seconds: the job's batches take from milliseconds to tens of seconds here, never minutes.
    assert.ok(longest.every((p) => p.v >= 0 && p.v < 120), JSON.stringify(longest))
    assert.ok(Math.max(...longest.map((p) => p.v)) > 0)
    const html = await readFile(report.path, 'utf8')
    assert.match(html, /<figure class="chart" id="chart-spark-batch" data-chart="spark-batch">[\s\S]*?<polyline/)
    assert.match(html, /data-fact="Spark job">[^<]*<code>127\.0\.0\.1:\d+<\/code>/)
    assert.ok(!html.includes(stack.s3SecretAccessKey()), 'no S3 secret in the report')
  })

  await t.test('the checkpoint is on S3, and a restarted job resumes from it', async () => {
    const log = await readFile(join(process.env.SPATE_RUN_DIR ?? join(root, '.run'), 'logs', `spark-${job.name}.log`), 'utf8')
    assert.ok(!log.includes(stack.s3SecretAccessKey()), 'no S3 secret in the job\'s log')
    const keys = await listKeys(prefix)
    assert.ok(keys.some((k) => k.startsWith(`${prefix}/offsets/`)), `offsets in s3://${stack.s3Bucket()}/${prefix}: ${keys.slice(0, 10).join(', ')}`)
    assert.ok(keys.some((k) => k.startsWith(`${prefix}/commits/`)), 'commits on S3')
    assert.ok(keys.some((k) => k.startsWith(`${prefix}/state/`)), 'the window state on S3')
    const before = await batchesReading(job.statsKey, 0, WARM_UP_RECORDS + produced)
    assert.equal(before.reduce((n, b) => n + b.records, 0), WARM_UP_RECORDS + produced, 'the first job read every record once')
    await restartSparkJob(job)
    const again = await run('spate', ['run', '--quiet', 'scripts/smoke.ts'], { env: windowsEnv(job, { SPATE_DURATION: '5s', SPATE_REPORT_DIR: reportDir }), timeoutMs: 300_000 })
    // What counts here is the output, every record once; over two or three windows the latency
    // trend gate (spate_latency_slope) is noise, so a breached timing threshold (99) is no failure.
    assert.ok(again.code === 0 || again.code === 99, again.stdout + again.stderr)
    const producedAgain = summaryCount(again.stdout, 'kafka_writer_message_count')
    assert.ok(producedAgain > 0)
    assert.equal(summaryCount(again.stdout, 'spate_records_verified'), producedAgain, again.stdout)
    for (const metric of ['spate_records_lost', 'spate_records_duplicated', 'spate_records_mismatched']) {
      assert.equal(summaryCount(again.stdout, metric), 0, `${metric}: ${again.stdout}`)
    }
    // Resumed: the batch ids go on, and only the new records (the restart's warm-up and the
    // second run's) were read; from the earliest offsets, a job without its checkpoint would read
    // the first run's records again.
    const after = await batchesReading(job.statsKey, before.length, WARM_UP_RECORDS + producedAgain)
    assert.ok(after.length > 0)
    assert.ok(Math.min(...after.map((b) => b.batch)) > Math.max(...before.map((b) => b.batch)), `batch ids ${before.map((b) => b.batch).join(',')} then ${after.map((b) => b.batch).join(',')}`)
    assert.equal(after.reduce((n, b) => n + b.records, 0), WARM_UP_RECORDS + producedAgain)
  })
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

test('an s3a:// checkpoint without the S3 settings, or an s3:// one, stops the job with one line naming the fix', { timeout: 300_000 }, async () => {
  const topic = uniqueName('spark-bad-checkpoint')
  const missing = await run('pipelines/spark/spark.sh', ['run', '--topic', topic, '--partitions', '1', '--checkpoint', `s3a://${stack.s3Bucket()}/never`], {
    env: { SPATE_S3_ENDPOINT: '', SPATE_S3_SECRET_ACCESS_KEY: '' },
    timeoutMs: 240_000,
  })
  assert.equal(missing.code, 1, missing.stderr)
  assert.match(missing.stderr, /^spark job: checkpoint\.location 's3a:\/\/[^']+' needs SPATE_S3_ENDPOINT, SPATE_S3_SECRET_ACCESS_KEY; run eval "\$\(stack\/stack\.sh env\)" first$/m)
  assert.doesNotMatch(missing.stderr, /Traceback|\n\s+at /)
  const scheme = await run('pipelines/spark/spark.sh', ['run', '--topic', topic, '--partitions', '1', '--checkpoint', 's3://bucket/path'], { timeoutMs: 240_000 })
  assert.equal(scheme.code, 1, scheme.stderr)
  assert.match(scheme.stderr, /^spark job: checkpoint\.location 's3:\/\/bucket\/path': use the s3a:\/\/ scheme \(Hadoop's S3A connector\)$/m)
})
