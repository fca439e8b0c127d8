// The processor's entry point: node --import tsx processor/src/main.ts [--config file] [--<setting>=<value>]
// Exits 0 after a clean SIGTERM/SIGINT shutdown, 1 with one line on stderr for bad input.
import { loadConfig } from './config/load.ts'
import { kafkaError } from './consume/group-consumer.ts'
import { SpateError } from './errors.ts'
import { createLogger } from './log.ts'
import { ProcessorMetrics } from './metrics/metrics.ts'
import { startMetricsServer } from './metrics/server.ts'
import { Pipeline } from './pipeline.ts'

function fatal (message: string): never {
  process.stderr.write(`spate-processor: ${message}\n`)
  process.exit(1)
}

/** One line for people: registered errors carry their own; Kafka's are translated by class. */
function describe (error: unknown, config?: { kafka: { brokers: string[] } }): string {
  if (error instanceof SpateError) return error.message
  if (config && error instanceof Error && error.name.startsWith('KafkaJS')) return kafkaError(error, config.kafka.brokers).message
  const message = error instanceof Error ? error.message : String(error)
  return `unexpected error (${message}); the last checkpoint stands, a restart resumes from it`
}

async function main (): Promise<void> {
  let loaded
  try {
    loaded = loadConfig({ argv: process.argv.slice(2) })
  } catch (error) {
    fatal(describe(error))
  }
  const { config, file, warnings } = loaded
  const log = createLogger(config.log.level, { service: 'spate-processor' })
  for (const warning of warnings) log.warn(`config: ${warning}`)
  const metrics = new ProcessorMetrics()
  metrics.zero(config.kafka.topic)
  const pipeline = new Pipeline(config, log, metrics, (error) => {
    log.error('pipeline failed; exiting so that a restart resumes from the last checkpoint', { error: describe(error, config), code: error instanceof SpateError ? error.code : 'SPATE_INTERNAL' })
    process.exit(1)
  })
  let server
  try {
    server = await startMetricsServer({ host: config.metrics.host, port: config.metrics.port, registry: metrics.registry, ready: () => pipeline.isReady })
  } catch (error) {
    fatal(describe(new SpateError('SPATE_METRICS_PORT', `cannot listen on ${config.metrics.host}:${config.metrics.port} for /metrics (${(error as Error).message}); set metrics.port`)))
  }
  log.info('starting', {
    instance: pipeline.instanceId,
    config: file ?? null,
    profile: config.profile,
    topic: config.kafka.topic,
    group: config.kafka.groupId,
    window: config.window,
    redis: { mode: config.redis.mode, poolSize: config.redis.poolSize },
    metrics: `http://${config.metrics.host}:${config.metrics.port}/metrics`,
  })
  try {
    await pipeline.start()
  } catch (error) {
    fatal(describe(error, config))
  }
  log.info('consuming', { topic: config.kafka.topic })

  let last = { ...pipeline.totals, at: Date.now() }
  const report = config.log.reportInterval > 0
    ? setInterval(() => {
      const now = Date.now()
      const seconds = (now - last.at) / 1000
      const t = pipeline.totals
      log.info('throughput', {
        consumedPerSec: Math.round((t.consumed - last.consumed) / seconds),
        processedPerSec: Math.round((t.processed - last.processed) / seconds),
        deadLettered: t.deadLettered - last.deadLettered,
        windowsClosed: t.windows - last.windows,
        checkpoints: t.checkpoints - last.checkpoints,
        totalProcessed: t.processed,
      })
      last = { ...t, at: now }
    }, config.log.reportInterval)
    : undefined

  let signalled = false
  const shutdown = (signal: string): void => {
    if (signalled) {
      log.warn('second signal: exiting without a final checkpoint (the last one stands)', { signal })
      process.exit(1)
    }
    signalled = true
    log.info('stopping: finishing the batch, checkpointing, leaving the group', { signal })
    pipeline.stop().then(() => {
      clearInterval(report)
      server.close()
      log.info('stopped', { totals: pipeline.totals })
      process.exit(0)
    }, (error: unknown) => {
      log.error('shutdown failed; the last checkpoint stands', { error: describe(error) })
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

await main()
