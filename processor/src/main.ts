// The processor's entry point: node --import tsx processor/src/main.ts [--config file] [--<setting>=<value>]
// Exits 0 after a clean SIGTERM/SIGINT shutdown, 1 with one line on stderr for bad input.
//
// With workers = 1 the pipeline runs on this thread. With more, this thread supervises that many
// worker threads (workers/supervisor.ts), each a pipeline with its own share of the partitions.
import type { BatchTotals } from './batch/batch-step.ts'
import { loadConfig } from './config/load.ts'
import type { ProcessorConfig } from './config/types.ts'
import { describeError, errorCode } from './describe.ts'
import { SpateError } from './errors.ts'
import { createLogger, type Logger } from './log.ts'
import { ProcessorMetrics } from './metrics/metrics.ts'
import { startMetricsServer } from './metrics/server.ts'
import { Pipeline } from './pipeline.ts'
import { StartError, Workers } from './workers/supervisor.ts'

function fatal (message: string): never {
  process.stderr.write(`spate-processor: ${message}\n`)
  process.exit(1)
}

/** What main drives: one pipeline on this thread, or the worker threads. */
interface Runner {
  readonly instance: string
  readonly isReady: boolean
  start (): Promise<void>
  metrics (): Promise<string>
  totals (): Promise<BatchTotals>
  stop (): Promise<BatchTotals>
}

function inProcess (config: ProcessorConfig, log: Logger): Runner {
  const metrics = new ProcessorMetrics()
  metrics.zero(config.kafka.topic)
  const pipeline = new Pipeline(config, log, metrics, (error) => {
    log.error('pipeline failed; exiting so that a restart resumes from the last checkpoint', { error: describeError(error, config), code: errorCode(error) })
    process.exit(1)
  })
  return {
    instance: pipeline.instanceId,
    get isReady () { return pipeline.isReady },
    start: () => pipeline.start(),
    metrics: () => metrics.registry.metrics(),
    totals: async () => ({ ...pipeline.totals }),
    stop: async () => {
      await pipeline.stop()
      return { ...pipeline.totals }
    },
  }
}

function inWorkers (config: ProcessorConfig, log: Logger): Runner {
  const workers = new Workers(config, log, (message) => {
    log.error(message, { code: 'SPATE_INTERNAL' })
    process.exit(1)
  })
  return {
    instance: `${config.workers} worker threads`,
    get isReady () { return workers.isReady },
    start: () => workers.start(),
    metrics: () => workers.metrics(),
    totals: () => workers.totals(),
    stop: () => workers.stop(),
  }
}

async function main (): Promise<void> {
  let loaded
  try {
    loaded = loadConfig({ argv: process.argv.slice(2) })
  } catch (error) {
    fatal(describeError(error))
  }
  const { config, file, warnings } = loaded
  const log = createLogger(config.log.level, { service: 'spate-processor' })
  for (const warning of warnings) log.warn(`config: ${warning}`)
  const runner = config.workers > 1 ? inWorkers(config, log) : inProcess(config, log)
  let server
  try {
    server = await startMetricsServer({ host: config.metrics.host, port: config.metrics.port, metrics: () => runner.metrics(), ready: () => runner.isReady })
  } catch (error) {
    fatal(describeError(new SpateError('SPATE_METRICS_PORT', `cannot listen on ${config.metrics.host}:${config.metrics.port} for /metrics (${(error as Error).message}); set metrics.port`)))
  }
  log.info('starting', {
    instance: runner.instance,
    workers: config.workers,
    config: file ?? null,
    profile: config.profile,
    topic: config.kafka.topic,
    group: config.kafka.groupId,
    window: config.window,
    redis: { mode: config.redis.mode, poolSize: config.redis.poolSize },
    metrics: `http://${config.metrics.host}:${config.metrics.port}/metrics`,
  })
  // Signals are handled from here on: one during the start (a worker still joining the group)
  // stops the processor once it has started, so a clean stop is never a killed process.
  let started = false
  let signalled: string | undefined
  let report: NodeJS.Timeout | undefined
  const shutdown = (signal: string): void => {
    if (signalled) {
      log.warn('second signal: exiting without a final checkpoint (the last one stands)', { signal })
      process.exit(1)
    }
    signalled = signal
    if (!started) {
      log.info('signal during the start: stopping once started', { signal })
      return
    }
    log.info('stopping: finishing the batch, checkpointing, leaving the group', { signal })
    runner.stop().then((totals) => {
      clearInterval(report)
      server.close()
      log.info('stopped', { totals })
      process.exit(0)
    }, (error: unknown) => {
      log.error('shutdown failed; the last checkpoint stands', { error: describeError(error) })
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  try {
    await runner.start()
  } catch (error) {
    fatal(error instanceof StartError ? error.message : describeError(error, config))
  }
  started = true
  log.info('consuming', { topic: config.kafka.topic, workers: config.workers })
  if (signalled) {
    const signal = signalled
    signalled = undefined
    shutdown(signal)
    return
  }

  let last = { ...await runner.totals(), at: Date.now() }
  let reporting = false
  report = config.log.reportInterval > 0
    ? setInterval(() => {
      if (reporting) return
      reporting = true
      runner.totals().then((t) => {
        const now = Date.now()
        const seconds = (now - last.at) / 1000
        log.info('throughput', {
          consumedPerSec: Math.round((t.consumed - last.consumed) / seconds),
          processedPerSec: Math.round((t.processed - last.processed) / seconds),
          deadLettered: t.deadLettered - last.deadLettered,
          windowsClosed: t.windows - last.windows,
          checkpoints: t.checkpoints - last.checkpoints,
          totalProcessed: t.processed,
        })
        last = { ...t, at: now }
      }).finally(() => { reporting = false })
    }, config.log.reportInterval)
    : undefined
}

await main()
