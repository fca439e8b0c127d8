// The Spark job of pipelines/spark/ under test: started with its own topic, key pattern,
// checkpoint and UI port, stopped (by its recorded PID) when the test ends.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { createClient } from 'redis'
import { freePort, run, stack, uniqueName } from '../helpers.ts'

export interface SparkJob {
  name: string
  topic: string
  keyPattern: string
  statsKey: string
  uiPort: number
  /** A local directory, or an s3a:// URL on the stack's S3 server. */
  checkpoint: string
  /** spark.sh start's arguments, for a restart. */
  args: string[]
}

/**
 * Starts the job (pipelines/spark/spark.sh start) and stops it after the test. Its checkpoint is
 * a new local directory unless `checkpoint` gives another (an s3a:// URL).
 */
export async function startSparkJob (t: TestContext, flags: string[] = [], checkpoint?: string): Promise<SparkJob> {
  const name = uniqueName('t')
  const location = checkpoint ?? await mkdtemp(join(tmpdir(), 'spate-spark-'))
  const uiPort = await freePort()
  const job: SparkJob = {
    name,
    topic: `spark-${name}`,
    keyPattern: `spark-test:${name}:w:{window}:{key}`,
    statsKey: `spark-test:${name}:stats`,
    uiPort,
    checkpoint: location,
    args: [],
  }
  job.args = [
    'start', '--name', name, '--topic', job.topic, '--partitions', '4', '--starting-offsets', 'earliest',
    '--key-pattern', job.keyPattern, '--stats-key', job.statsKey, '--checkpoint', location,
    '--ui-port', String(uiPort), '--window', '5 seconds', '--watermark', '2 seconds', '--trigger', '2 seconds', ...flags,
  ]
  t.after(async () => { await stopSparkJob(job) })
  await launch(job)
  await warmUp(job)
  return job
}

/** Records the warm-up writes to the job's topic (key `warmup-<n>`, never one of spate's keys). */
export const WARM_UP_RECORDS = 8

/**
 * Sends a few records of its own to the job and waits for the micro-batch that reads them: the
 * first batch of a job (code generation, state store, checkpoint set-up) takes far longer than the
 * next ones, a minute on a busy 2-core box, and that is no part of what a run measures.
 */
async function warmUp (job: SparkJob): Promise<void> {
  const redis = createClient({ url: stack.redisUrl() })
  await redis.connect()
  try {
    const seen = await redis.lLen(`${job.statsKey}:batches`)
    await sendWarmUp(job)
    const deadline = Date.now() + 300_000
    while (await redis.lLen(`${job.statsKey}:batches`) <= seen) {
      if (Date.now() > deadline) throw new Error(`the Spark job ${job.name} ran no micro-batch over its warm-up records within 300 s`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  } finally {
    await redis.quit()
  }
}

async function sendWarmUp (job: SparkJob): Promise<void> {
  const producer = new Kafka({ clientId: 'spate-test-warm-up', brokers: stack.kafkaBrokers(), logLevel: logLevel.NOTHING }).producer()
  await producer.connect()
  try {
    const now = Date.now()
    await producer.send({
      topic: job.topic,
      messages: Array.from({ length: WARM_UP_RECORDS }, (_, i) => ({ key: `warmup-${i}`, value: JSON.stringify({ key: `warmup-${i}`, eventTime: now, value: 1 }) })),
    })
  } finally {
    await producer.disconnect()
  }
}

async function launch (job: SparkJob): Promise<void> {
  const started = await run('pipelines/spark/spark.sh', job.args, { timeoutMs: 420_000 })
  if (started.code !== 0) throw new Error(`the Spark job did not start: ${started.stderr}`)
}

export async function stopSparkJob (job: SparkJob): Promise<void> {
  const stopped = await run('pipelines/spark/spark.sh', ['stop', '--name', job.name], { timeoutMs: 60_000 })
  if (stopped.code !== 0) throw new Error(`the Spark job did not stop: ${stopped.stderr}`)
}

/** Stops the job and starts it again with the same settings and checkpoint (and warms it up again). */
export async function restartSparkJob (job: SparkJob): Promise<void> {
  await stopSparkJob(job)
  await launch(job)
  await warmUp(job)
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
