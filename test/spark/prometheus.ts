// A private Prometheus that scrapes one Spark job with the stack's own Spark scrape jobs
// (stack/prometheus/prometheus.yml), so a test proves the committed scrape config and the
// queries on real data without touching the shared Prometheus.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { parse, stringify } from 'yaml'
import { SPARK_EXECUTORS_JOB, sparkExecutorMetric, sparkQueryGauge } from '../../pipelines/spark/metrics.ts'
import { Prometheus } from '../../report/prometheus.ts'
import { freePort, root } from '../helpers.ts'

/** The Spark rows' queries (docs/spark.md): what the report's authors watched. */
export const sparkQueries: Record<string, string> = {
  'input rate (records/s)': sparkQueryGauge('inputRate_total'),
  'processing rate (records/s)': sparkQueryGauge('processingRate_total'),
  'micro-batch duration (ms)': sparkQueryGauge('latency'),
  'state rows': sparkQueryGauge('states_rowsTotal'),
  'executors up': `count(${sparkExecutorMetric('totalCores')}{job="${SPARK_EXECUTORS_JOB}"})`,
}

export async function scrapeSparkJob (t: TestContext, uiPort: number): Promise<Prometheus> {
  const config = parse(await readFile(join(root, 'stack/prometheus/prometheus.yml'), 'utf8'))
  const jobs = config.scrape_configs.filter((j: { job_name: string }) => j.job_name.startsWith('spate-spark'))
  if (jobs.length === 0) throw new Error('stack/prometheus/prometheus.yml has no spate-spark scrape job')
  for (const job of jobs) {
    job.scrape_interval = '2s'
    job.static_configs = [{ targets: [`127.0.0.1:${uiPort}`] }]
  }
  const dir = await mkdtemp(join(tmpdir(), 'spate-spark-prom-'))
  await writeFile(join(dir, 'prometheus.yml'), stringify({ global: { scrape_interval: '2s' }, scrape_configs: jobs }))
  const port = await freePort()
  // It also receives the load engine's remote write (spate run -o experimental-prometheus-rw).
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'], { stdio: 'ignore' })
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
    await rm(dir, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (!(await fetch(`${url}/-/ready`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`the test's Prometheus exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error('the test\'s Prometheus was not ready within 60 s')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return new Prometheus(url)
}

/** The load engine's remote write into that Prometheus, as the main job sets it up (build/run-pipeline.ts). */
export function remoteWriteEnv (prometheus: Prometheus): Record<string, string> {
  return {
    K6_PROMETHEUS_RW_SERVER_URL: `${prometheus.url}/api/v1/write`,
    K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(95),p(99),max',
    K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
  }
}
