// The main job: the whole pipeline under a spate load, gated by end-to-end thresholds.
//   1. create the topics (the processor needs them before it starts);
//   2. start the processor and wait until it consumes;
//   3. run the load script with `spate run` (default scripts/spike.ts) with pipeline verification;
//   4. with SPATE_PROMETHEUS_URL set: wait for Prometheus' next scrape of the processor, so the
//      run's last seconds are in;
//   5. stop the processor (SIGTERM: final checkpoint, leave the group);
//   6. with SPATE_PROMETHEUS_URL set: write the run report (report/, run-<run id>.html in the
//      report dir); a report that fails is reported and leaves the exit code alone;
//   7. exit with spate run's exit code: 0 all thresholds held, 99 one was breached.
// Usage: node --import tsx build/run-pipeline.ts [load script] (after eval "$(stack/stack.sh env)")
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { Prometheus, waitForScrape } from '../report/prometheus.ts'
import { PROCESSOR_JOB, writeReport } from '../report/report.ts'

const root = join(import.meta.dirname, '..')
const script = process.argv[2] ?? 'scripts/spike.ts'
const topic = process.env.SPATE_TOPIC ?? 'spate-events'
const dlqTopic = process.env.SPATE_DLQ_TOPIC ?? `${topic}-dlq`
const brokers = (process.env.SPATE_KAFKA_BROKERS ?? '127.0.0.1:19092').split(',')
const say = (text: string) => process.stderr.write(`[spate ${new Date().toISOString().slice(11, 19)}] ${text}\n`)

async function createTopics (): Promise<void> {
  const admin = new Kafka({ clientId: 'spate-main', brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const partitions = Number(process.env.SPATE_PARTITIONS ?? 12)
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }, { topic: dlqTopic, numPartitions: 1 }] })
  } finally {
    await admin.disconnect()
  }
}

async function startProcessor (port: number): Promise<ChildProcess> {
  const args = ['--import', 'tsx', join(root, 'processor/src/main.ts'), '--config', process.env.SPATE_PROCESSOR_CONFIG ?? join(root, 'processor/config/basic.yaml'),
    `--kafka.topic=${topic}`, `--kafka.dlqTopic=${dlqTopic}`, `--metrics.port=${port}`]
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  // The processor's JSON lines go to a log file's worth of noise here: keep the throughput reports.
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.includes('"throughput"') || line.includes('"level":"error"')) process.stderr.write(`  processor: ${line}\n`)
  })
  const deadline = Date.now() + 60_000
  while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`the processor exited with ${child.exitCode} during start (its error is above)`)
    if (Date.now() > deadline) throw new Error('the processor was not ready within 60 s')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return child
}

const reportDir = process.env.SPATE_REPORT_DIR ?? join(root, 'reports')
const runId = process.env.SPATE_RUN_ID ?? `main-${Date.now().toString(36)}`

function runLoad (metricsPort: number): Promise<number> {
  mkdirSync(reportDir, { recursive: true })
  // The engine's metrics go to Prometheus by remote write, tagged with the run id (testid).
  const args = ['run', '--tag', `testid=${runId}`, script]
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SPATE_TOPIC: topic,
    SPATE_DLQ_TOPIC: dlqTopic,
    SPATE_REPORT_DIR: reportDir,
    SPATE_RUN_ID: runId,
    SPATE_PROCESSOR_METRICS_URL: `http://127.0.0.1:${metricsPort}/metrics`,
  }
  if (process.env.SPATE_PROMETHEUS_URL) {
    args.splice(1, 0, '-o', 'experimental-prometheus-rw')
    env.K6_PROMETHEUS_RW_SERVER_URL = `${process.env.SPATE_PROMETHEUS_URL}/api/v1/write`
    env.K6_PROMETHEUS_RW_TREND_STATS ??= 'p(50),p(95),p(99),max'
    // A push a second (the default is 5 s) gives the run report's produce rate a point per step
    // even for runs of a few seconds.
    env.K6_PROMETHEUS_RW_PUSH_INTERVAL ??= '1s'
  }
  return new Promise((resolve, reject) => {
    const engine = spawn('spate', args, { cwd: root, stdio: 'inherit', env })
    engine.on('error', (error) => reject(new Error(`cannot start spate (${error.message}); build it with: task engine`)))
    engine.on('exit', (code) => resolve(code ?? 1))
  })
}

let processor: ChildProcess | undefined
try {
  say(`creating topics ${topic} and ${dlqTopic} if missing`)
  await createTopics()
  // The port Prometheus scrapes (stack/stack.sh env sets it; 19400 is also the processor's default).
  const port = Number(process.env.SPATE_METRICS_PORT ?? 19400)
  say(`starting the processor (metrics on 127.0.0.1:${port})`)
  processor = await startProcessor(port)
  say(`spate run ${script}, run id ${runId}`)
  const code = await runLoad(port)
  const loadEnd = Date.now() / 1000
  say(`spate run exited with ${code}${code === 0 ? ': every threshold held' : code === 99 ? ': a threshold was breached' : ''}; reports in ${reportDir}`)
  const prometheusUrl = process.env.SPATE_PROMETHEUS_URL
  if (prometheusUrl) {
    say('waiting for Prometheus to scrape the processor once more')
    try {
      const scraped = await waitForScrape(new Prometheus(prometheusUrl), PROCESSOR_JOB, loadEnd)
      if (!scraped) say('no scrape of the processor after the run within 15 s; the report may miss the run\'s last seconds')
    } catch (error) {
      say(`cannot ask Prometheus for the processor's scrapes: ${(error as Error).message}`)
    }
  }
  say('stopping the processor')
  processor.kill('SIGTERM')
  await new Promise((resolve) => processor?.once('exit', resolve))
  if (prometheusUrl) {
    try {
      const report = await writeReport({
        prometheusUrl,
        runId,
        summaryPath: join(reportDir, 'k6-summary.json'),
        outPath: join(reportDir, `run-${runId}.html`),
        script,
        k6ExitCode: code,
        log: (line) => say(`report: ${line}`),
      })
      say(`run report: ${report.path}`)
    } catch (error) {
      say(`run report failed: ${(error as Error).message} (the exit code ${code} stands)`)
    }
  } else {
    say('SPATE_PROMETHEUS_URL is not set: no run report (eval "$(stack/stack.sh env)" sets it)')
  }
  process.exit(code)
} catch (error) {
  processor?.kill('SIGKILL')
  process.stderr.write(`[spate] error: ${(error as Error).message}\n`)
  process.exit(1)
}
