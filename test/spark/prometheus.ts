// A private Prometheus that scrapes one Spark job with the stack's own Spark scrape jobs
// (stack/prometheus/prometheus.yml), so a test proves the committed scrape config and the
// queries on real data without touching the shared Prometheus.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { parse, stringify } from 'yaml'
import { Prometheus } from '../../report/prometheus.ts'
import { freePort, root } from '../helpers.ts'

/** The Spark rows' queries (docs/spark.md): what the report's authors watched. */
export const sparkQueries: Record<string, string> = {
  'input rate (records/s)': 'metrics_spate_driver_spark_streaming_spate_windows_inputRate_total_Value',
  'processing rate (records/s)': 'metrics_spate_driver_spark_streaming_spate_windows_processingRate_total_Value',
  'micro-batch duration (ms)': 'metrics_spate_driver_spark_streaming_spate_windows_latency_Value',
  'state rows': 'metrics_spate_driver_spark_streaming_spate_windows_states_rowsTotal_Value',
  'executors up': 'count(metrics_executor_totalCores{job="spate-spark-executors"})',
}

export async function scrapeSparkJob (t: TestContext, uiPort: number): Promise<Prometheus> {
  const config = parse(await readFile(join(root, 'stack/prometheus/prometheus.yml'), 'utf8'))
  const jobs = config.scrape_configs.filter((j: { job_name: string }) => j.job_name.startsWith('spate-spark'))
  if (jobs.length === 0) throw new Error('stack/prometheus/prometheus.yml has no spate-spark scrape job')
  for (const job of jobs) {
    job.scrape_interval = '1s'
    job.static_configs = [{ targets: [`127.0.0.1:${uiPort}`] }]
  }
  const dir = await mkdtemp(join(tmpdir(), 'spate-spark-prom-'))
  await writeFile(join(dir, 'prometheus.yml'), stringify({ global: { scrape_interval: '1s' }, scrape_configs: jobs }))
  const port = await freePort()
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' })
  t.after(async () => {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    await rm(dir, { recursive: true, force: true })
  })
  return new Prometheus(`http://127.0.0.1:${port}`)
}
