// The main thread of a processor with workers > 1: it starts one worker thread per worker
// (workers/worker.ts), each a member of the consumer group with its own share of the
// partitions, and does no record processing itself. It serves one /metrics merged from every
// worker's registry (metrics/aggregate.ts), lets the workers join the group together once every
// one has connected, reports ready once every worker consumes, drains every
// worker on SIGTERM/SIGINT, and treats a worker that dies as the process dying: fail fast, so a
// supervisor restarts the whole process instead of leaving it half alive.
import { Worker } from 'node:worker_threads'
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { BatchTotals } from '../batch/batch-step.ts'
import type { ProcessorConfig } from '../config/types.ts'
import type { Logger } from '../log.ts'
import { mergeThreadMetrics } from '../metrics/aggregate.ts'
import type { FromWorker, MetricsJson, ToWorker, WorkerInit } from './protocol.ts'

/** How long /metrics waits for a busy worker (one micro-batch is well under this). */
const METRICS_TIMEOUT_MS = 5000

/**
 * The configuration of one worker: the buffer bounds are the process', so each worker gets its
 * share and the process holds no more than a single-threaded one would.
 */
export function workerConfig (config: ProcessorConfig): ProcessorConfig {
  const n = config.workers
  const { backpressure } = config
  return {
    ...config,
    backpressure: {
      ...backpressure,
      maxBufferedRecords: Math.max(1, Math.floor(backpressure.maxBufferedRecords / n)),
      maxBufferedBytes: Math.max(1024, Math.floor(backpressure.maxBufferedBytes / n)),
    },
  }
}

interface Thread {
  index: number
  worker: Worker
  prepared: boolean
  ready: boolean
  stopped: BatchTotals | undefined
}

export class Workers {
  readonly registry = new Registry()
  private readonly config: ProcessorConfig
  private readonly log: Logger
  private readonly threads: Thread[] = []
  private readonly pending = new Map<number, { resolve: (value: unknown) => void, timer: NodeJS.Timeout }>()
  private nextId = 1
  private stopping = false
  /** Called once when a worker fails after the start: the process must exit non-zero. */
  private readonly onFatal: (message: string) => void
  private readonly entry: URL

  /** entry: the worker threads' script (workers/thread.mjs; the tests give a stand-in). */
  constructor (config: ProcessorConfig, log: Logger, onFatal: (message: string) => void, entry = new URL('./thread.mjs', import.meta.url)) {
    this.config = config
    this.log = log
    this.onFatal = onFatal
    this.entry = entry
    collectDefaultMetrics({ register: this.registry, prefix: 'spate_process_', eventLoopMonitoringPrecision: 20 })
  }

  get isReady (): boolean {
    return !this.stopping && this.threads.length > 0 && this.threads.every((t) => t.ready)
  }

  /** Starts every worker; resolves when all consume, rejects with the first one's start error. */
  start (): Promise<void> {
    const config = workerConfig(this.config)
    return new Promise((resolve, reject) => {
      let started = false
      for (let index = 0; index < this.config.workers; index++) {
        const init: WorkerInit = { config, index }
        const worker = new Worker(this.entry, { workerData: init })
        const thread: Thread = { index, worker, prepared: false, ready: false, stopped: undefined }
        this.threads.push(thread)
        worker.on('message', (message: FromWorker) => {
          switch (message.type) {
            case 'prepared':
              // The group's first assignment should spread the partitions over every worker:
              // each would otherwise start alone with all of them (the others still loading)
              // and hand most back at the next rebalance, to be read again from checkpoints.
              thread.prepared = true
              if (this.threads.length === this.config.workers && this.threads.every((t) => t.prepared)) {
                const consume: ToWorker = { type: 'consume' }
                for (const t of this.threads) t.worker.postMessage(consume)
              }
              break
            case 'ready':
              thread.ready = true
              if (!started && this.threads.every((t) => t.ready)) {
                started = true
                resolve()
              }
              break
            case 'fatal':
              if (!started) {
                started = true
                reject(new StartError(message.message))
              } else {
                this.fail(`worker ${index} failed: ${message.message}`)
              }
              break
            case 'metrics':
            case 'totals':
              this.answer(message.id, message.type === 'metrics' ? message.metrics : message.totals)
              break
            case 'stopped':
              thread.stopped = message.totals
              break
            case 'stop-failed':
              this.log.error('a worker failed to stop cleanly; the last checkpoints stand', { worker: index, error: message.message })
              break
          }
        })
        worker.on('error', (error) => {
          const text = `worker ${index} crashed (${error.message}); the last checkpoints stand, a restart resumes from them`
          if (!started) {
            started = true
            reject(new StartError(text))
          } else {
            this.fail(text)
          }
        })
        worker.on('exit', (code) => {
          thread.ready = false
          if (this.stopping && code === 0) return
          const text = `worker ${index} exited with ${code}; exiting so that a restart resumes from the last checkpoints`
          if (!started) {
            started = true
            reject(new StartError(text))
          } else {
            this.fail(text)
          }
        })
      }
    })
  }

  private failed = false
  private fail (message: string): void {
    if (this.failed) return
    this.failed = true
    this.onFatal(message)
  }

  private request<T> (thread: Thread, type: 'metrics' | 'totals', fallback: T): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        resolve(fallback)
      }, METRICS_TIMEOUT_MS)
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, timer })
      const message: ToWorker = { type, id }
      try {
        thread.worker.postMessage(message)
      } catch {
        clearTimeout(timer)
        this.pending.delete(id)
        resolve(fallback)
      }
    })
  }

  private answer (id: number, value: unknown): void {
    const waiting = this.pending.get(id)
    if (!waiting) return
    clearTimeout(waiting.timer)
    this.pending.delete(id)
    waiting.resolve(value)
  }

  /** The process' metrics: the main thread's own merged with every worker's. */
  async metrics (): Promise<string> {
    const [main, ...workers] = await Promise.all([
      this.registry.getMetricsAsJSON(),
      ...this.threads.map((thread) => this.request<MetricsJson>(thread, 'metrics', [])),
    ])
    return mergeThreadMetrics(main as MetricsJson, workers as MetricsJson[]).metrics()
  }

  /** The sum of every worker's totals, for the throughput report. */
  async totals (): Promise<BatchTotals> {
    const all = await Promise.all(this.threads.map((thread) => this.request<BatchTotals | undefined>(thread, 'totals', undefined)))
    return sumTotals(all.filter((t): t is BatchTotals => t !== undefined))
  }

  /** Drains every worker at once; resolves with the summed totals once all have exited. */
  async stop (): Promise<BatchTotals> {
    this.stopping = true
    const exits = this.threads.map((thread) => new Promise<number>((resolve) => {
      if (thread.worker.threadId === -1) resolve(thread.stopped ? 0 : 1)
      else thread.worker.once('exit', resolve)
    }))
    const stop: ToWorker = { type: 'stop' }
    for (const thread of this.threads) thread.worker.postMessage(stop)
    const codes = await Promise.all(exits)
    const failed = codes.map((code, index) => ({ code, index })).filter(({ code }) => code !== 0)
    if (failed.length > 0) throw new Error(`worker${failed.length > 1 ? 's' : ''} ${failed.map((f) => f.index).join(', ')} did not stop cleanly`)
    return sumTotals(this.threads.map((thread) => thread.stopped).filter((t): t is BatchTotals => t !== undefined))
  }
}

/** A worker could not start: the message is the one line the process exits with. */
export class StartError extends Error {}

export function sumTotals (all: readonly BatchTotals[]): BatchTotals {
  const sum: BatchTotals = { consumed: 0, processed: 0, deadLettered: 0, windows: 0, checkpoints: 0, rewritten: 0 }
  for (const totals of all) {
    for (const key of Object.keys(sum) as Array<keyof BatchTotals>) sum[key] += totals[key]
  }
  return sum
}
