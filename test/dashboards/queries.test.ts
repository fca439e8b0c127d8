// The test that proves the dashboards: after a short real run of the main job (the load engine's
// remote write tagged with the run's testid, the processor scraped by the stack's Prometheus), every query
// of every panel of the dashboards it feeds, with the dashboard's variables substituted as Grafana
// would, returns series with values from the real Prometheus. A panel whose query returns nothing
// fails. (The Spark dashboard is proven the same way after a Spark run, test/spark/spark.test.ts.)
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { dashboards } from '../../dashboards/src/index.ts'
import { Prometheus } from '../../report/prometheus.ts'
import { run, stack, uniqueName } from '../helpers.ts'
import { checkPanelQueries, escapeRegex } from './panel-queries.ts'

/** The last non-NaN value of a query's only series. */
async function lastValue (prometheus: Prometheus, expr: string, start: number, end: number): Promise<number> {
  const [series] = await prometheus.queryRange(expr, start, end, 5)
  const values = (series?.values ?? []).map(([, v]) => Number(v)).filter((v) => !Number.isNaN(v))
  assert.ok(values.length > 0, `no value for ${expr}`)
  return values[values.length - 1] as number
}

test('every panel query of every dashboard returns data from a real run', { timeout: 240_000 }, async (t) => {
  const reportDir = await mkdtemp(join(tmpdir(), 'spate-dashboards-'))
  t.after(() => rm(reportDir, { recursive: true, force: true }))
  const topic = uniqueName('spate-dash')
  const runId = uniqueName('dash')
  const metricsPort = process.env.SPATE_METRICS_PORT ?? '19400'
  const start = Math.floor(Date.now() / 1000) - 5
  // One VU for a spike of 2,000 produce calls per second: the engine must drop iterations, so the
  // dropped-iterations panels have a real series too (and that threshold fails: exit 99).
  const result = await run(process.execPath, ['--import', 'tsx', 'build/run-pipeline.ts', 'scripts/spike.ts'], {
    env: {
      SPATE_TOPIC: topic,
      SPATE_DLQ_TOPIC: `${topic}-dlq`,
      SPATE_RUN_ID: runId,
      SPATE_REPORT_DIR: reportDir,
      SPATE_PARTITIONS: '4',
      SPATE_RATE: '2000',
      SPATE_SPIKE_MULTIPLIER: '10',
      SPATE_SPIKE_BASE_DURATION: '8s',
      SPATE_SPIKE_DURATION: '6s',
      SPATE_MAX_VUS: '1',
      SPATE_LAG_INTERVAL: '1',
      SPATE_VERIFY_TIMEOUT: '40',
      SPATE_WINDOW_SIZE: '2s',
      SPATE_WINDOW_ALLOWED_LATENESS: '1s',
      SPATE_WINDOW_IDLE_TIMEOUT: '1s',
    },
    timeoutMs: 200_000,
  })
  const output = result.stdout + result.stderr
  assert.equal(result.code, 99, output)
  const summary = JSON.parse(await readFile(join(reportDir, 'k6-summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number>, thresholds?: Record<string, { ok: boolean }> }> }
  const breached = Object.entries(summary.metrics).flatMap(([name, m]) => Object.entries(m.thresholds ?? {}).filter(([, r]) => !r.ok).map(([e]) => `${name} ${e}`))
  assert.deepEqual(breached, ['dropped_iterations count==0'], output)
  // The main job waited for the processor's scrape after the run before it stopped it.
  // Range queries step every 5 s from the start: run them 5 s past now, so the last step still
  // sees the engine's final push.
  const end = Math.ceil(Date.now() / 1000) + 5
  const prometheus = new Prometheus(stack.prometheusUrl())

  const variables = {
    datasource: 'unused',
    testid: escapeRegex(runId),
    topic: escapeRegex(topic),
    job: 'spate-processor',
    instance: escapeRegex(`127.0.0.1:${metricsPort}`),
  }
  // The Spark dashboard is proven by the run against the Spark job (test/spark/spark.test.ts).
  const { checked, empty } = await checkPanelQueries(prometheus, dashboards.filter((d) => d.provenBy === 'processor'), variables, start, end)
  assert.deepEqual(empty, [], `panel queries that returned no data:\n${empty.join('\n')}`)
  assert.ok(checked > 60, `only ${checked} queries checked`)

  // The headline numbers are the run's own, not merely present.
  const values = (name: string) => summary.metrics[name]?.values ?? {}
  const sel = `testid="${runId}"`
  assert.equal(await lastValue(prometheus, `sum(max_over_time(k6_kafka_writer_message_count_total{${sel}}[${end - start}s]))`, end, end), values('kafka_writer_message_count').count)
  assert.equal(await lastValue(prometheus, `sum(max_over_time(k6_spate_records_verified_total{${sel}}[${end - start}s]))`, end, end), values('spate_records_verified').count)
  assert.equal(await lastValue(prometheus, `sum(max_over_time(k6_dropped_iterations_total{${sel}}[${end - start}s]))`, end, end), values('dropped_iterations').count)
  assert.equal(await lastValue(prometheus, `sum(max_over_time(k6_spate_records_lost_total{${sel}}[${end - start}s]))`, end, end), 0)
})
