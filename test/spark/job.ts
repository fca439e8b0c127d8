// The Spark job of pipelines/spark/ under test: started with its own topic, key pattern,
// checkpoint and UI port, stopped (by its recorded PID) when the test ends.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { freePort, run, uniqueName } from '../helpers.ts'

export interface SparkJob {
  name: string
  topic: string
  keyPattern: string
  statsKey: string
  uiPort: number
}

/** Starts the job (pipelines/spark/spark.sh start) and stops it after the test. */
export async function startSparkJob (t: TestContext, flags: string[] = []): Promise<SparkJob> {
  const name = uniqueName('t')
  const job: SparkJob = {
    name,
    topic: `spark-${name}`,
    keyPattern: `spark-test:${name}:w:{window}:{key}`,
    statsKey: `spark-test:${name}:stats`,
    uiPort: await freePort(),
  }
  const checkpoint = await mkdtemp(join(tmpdir(), 'spate-spark-'))
  t.after(async () => { await run('pipelines/spark/spark.sh', ['stop', '--name', name], { timeoutMs: 60_000 }) })
  const started = await run('pipelines/spark/spark.sh', [
    'start', '--name', name, '--topic', job.topic, '--partitions', '4', '--starting-offsets', 'earliest',
    '--key-pattern', job.keyPattern, '--stats-key', job.statsKey, '--checkpoint', checkpoint,
    '--ui-port', String(job.uiPort), '--window', '5 seconds', '--watermark', '2 seconds', '--trigger', '2 seconds', ...flags,
  ], { timeoutMs: 420_000 })
  if (started.code !== 0) throw new Error(`the Spark job did not start: ${started.stderr}`)
  return job
}

/** Environment of a windows-mode spate run against the job. */
export function windowsEnv (job: SparkJob, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SPATE_TOPIC: job.topic,
    SPATE_PARTITIONS: '4',
    SPATE_KEYS: '100',
    SPATE_RATE: '1000',
    SPATE_DURATION: '15s',
    SPATE_VERIFY_MODE: 'windows',
    SPATE_SINK_KEY_PATTERN: job.keyPattern,
    SPATE_SINK_WINDOW: '5s',
    SPATE_VERIFY_TIMEOUT: '90',
    ...extra,
  }
}

export function summaryCount (stdout: string, metric: string): number {
  return Number(new RegExp(`${metric}\\.*: (\\d+)`).exec(stdout)?.[1] ?? NaN)
}
