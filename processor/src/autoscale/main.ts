// Dynamic allocation of processor instances on one machine:
//   node --import tsx processor/src/autoscale/main.ts [flags] -- [processor settings]
// Reads the consumer group's lag from Kafka every --poll-interval, decides with policy.ts
// (Spark's dynamic allocation rules) and starts or stops processor instances by PID
// (supervisor.ts). SIGTERM or SIGINT stops every instance gracefully, then exits 0; a second
// signal kills them at once. Bad flags: one line on stderr, exit 1.
import { join } from 'node:path'
import { createLogger } from '../log.ts'
import { startMetricsServer } from '../metrics/server.ts'
import { SpateError } from '../errors.ts'
import { LagReader, type LagSample } from './lag.ts'
import { AutoscaleMetrics } from './metrics.ts'
import { OptionsError, parseOptions, usage, type AutoscaleOptions } from './options.ts'
import { Policy } from './policy.ts'
import { Supervisor } from './supervisor.ts'

const root = join(import.meta.dirname, '..', '..', '..')
const STATUS_EVERY_MS = 10_000

function fatal (message: string): never {
  process.stderr.write(`spate-autoscale: ${message}\n`)
  process.exit(1)
}

function describe (error: unknown): string {
  if (error instanceof SpateError || error instanceof OptionsError) return error.message
  return `unexpected error (${error instanceof Error ? error.message : String(error)})`
}

async function main (): Promise<void> {
  let options: AutoscaleOptions
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (error) {
    fatal(describe(error))
  }
  if (options.help) {
    process.stdout.write(usage)
    return
  }
  const config = options.processor
  const log = createLogger(config.log.level, { service: 'spate-autoscale' })
  const metrics = new AutoscaleMetrics()
  const lag = new LagReader(config, log)
  let first: LagSample
  try {
    await lag.connect()
    first = await lag.read()
  } catch (error) {
    await lag.close()
    fatal(describe(error))
  }
  const partitions = first.partitions
  const max = options.maxInstancesSet ? options.maxInstances : partitions
  if (options.minInstances > partitions) {
    await lag.close()
    fatal(`--min-instances=${options.minInstances} is above the ${partitions} partitions of topic ${config.kafka.topic}: an instance beyond the partition count gets no partition; lower it or add partitions`)
  }
  if (options.maxInstancesSet && max > partitions) {
    log.warn(`--max-instances=${max} is above the ${partitions} partitions of topic ${config.kafka.topic}: at most ${partitions} instances run, since an instance beyond the partition count would get no partition`)
  }
  const policy = new Policy({ ...options, maxInstances: max }, 0)
  const initial = Math.min(Math.max(options.initialInstances, options.minInstances), policy.ceiling(partitions))
  policy.target = initial
  const readyHost = ['0.0.0.0', '::', ''].includes(config.metrics.host) ? '127.0.0.1' : config.metrics.host
  const supervisor = new Supervisor({
    command: (_slot, port) => ({ file: process.execPath, args: ['--import', 'tsx', join(root, 'processor', 'src', 'main.ts'), ...options.processorArgs, `--metrics.port=${port}`] }),
    cwd: root,
    env: process.env,
    portBase: options.instancePortBase,
    readyHost,
    stopTimeoutMs: options.stopTimeoutMs,
    log,
    onRestart: () => metrics.restarts.inc(),
  })
  let server
  try {
    server = await startMetricsServer({ host: options.metricsHost, port: options.metricsPort, metrics: () => metrics.registry.metrics(), ready: () => supervisor.ready >= Math.min(options.minInstances, 1) })
  } catch (error) {
    await lag.close()
    fatal(`cannot listen on ${options.metricsHost}:${options.metricsPort} for /metrics (${(error as Error).message}); set --metrics-port`)
  }
  log.info('starting', {
    topic: config.kafka.topic,
    group: config.kafka.groupId,
    partitions,
    minInstances: options.minInstances,
    initialInstances: initial,
    maxInstances: policy.ceiling(partitions),
    lagThreshold: options.lagThreshold,
    backlogTimeoutMs: options.backlogTimeoutMs,
    sustainedBacklogTimeoutMs: options.sustainedBacklogTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    metrics: `http://${options.metricsHost}:${options.metricsPort}/metrics`,
  })
  const gauges = (sample?: LagSample): void => {
    metrics.desired.set(policy.target)
    metrics.running.set(supervisor.running)
    metrics.ready.set(supervisor.ready)
    if (sample) {
      metrics.lag.set(sample.lag)
      metrics.partitions.set(sample.partitions)
      metrics.needed.set(policy.neededFor(sample.lag, sample.partitions))
    }
  }
  supervisor.scaleTo(initial)
  gauges(first)
  let stopping = false
  let lastStatus = 0
  let lastLagError = ''
  const tick = async (): Promise<void> => {
    await supervisor.checkReadiness()
    let sample: LagSample
    try {
      sample = await lag.read()
      lastLagError = ''
    } catch (error) {
      metrics.lagErrors.inc()
      const message = describe(error)
      // Once per distinct problem: a broker away for a minute is not sixty warnings.
      if (message !== lastLagError) log.warn('cannot read the group\'s lag; no scale decision until it can', { error: message })
      lastLagError = message
      gauges()
      return
    }
    if (stopping) return
    const decision = policy.observe({ now: Date.now(), lag: sample.lag, partitions: sample.partitions, settling: supervisor.settling })
    if (decision) {
      metrics.events.inc({ direction: decision.direction })
      log.info(`scale ${decision.direction}: ${decision.from} -> ${decision.to} instances`, { from: decision.from, to: decision.to, lag: sample.lag, needed: policy.needed, partitions: sample.partitions, reason: decision.reason })
    }
    supervisor.scaleTo(policy.target)
    gauges(sample)
    const now = Date.now()
    if (now - lastStatus >= STATUS_EVERY_MS) {
      lastStatus = now
      const behind = Object.fromEntries([...sample.byPartition].filter(([, n]) => n > 0))
      log.info('status', { lag: sample.lag, lagByPartition: behind, needed: policy.needed, desired: policy.target, running: supervisor.running, ready: supervisor.ready, pids: supervisor.pids })
    }
  }
  let timer: NodeJS.Timeout | undefined
  const loop = (): void => {
    tick().then(
      () => { if (!stopping) timer = setTimeout(loop, options.pollIntervalMs) },
      (error: unknown) => {
        log.error('supervisor failed; stopping every instance', { error: describe(error) })
        void shutdown('error')
      },
    )
  }
  loop()

  let signalled = false
  const shutdown = async (signal: string): Promise<void> => {
    if (signalled) {
      log.warn('second signal: SIGKILL to every instance (their last checkpoints stand)', { signal, pids: supervisor.pids })
      supervisor.killAll()
      process.exit(1)
    }
    signalled = true
    stopping = true
    clearTimeout(timer)
    log.info('stopping every instance: SIGTERM, SIGKILL after the stop timeout', { signal, pids: supervisor.pids, stopTimeoutMs: options.stopTimeoutMs })
    await supervisor.stopAll()
    gauges()
    await lag.close()
    server.close()
    log.info('stopped')
    process.exit(signal === 'error' ? 1 : 0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

await main()
