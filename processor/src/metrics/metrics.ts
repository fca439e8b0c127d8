// The processor's Prometheus metrics. Counters move once per micro-batch, never per record: at
// hundreds of thousands of records per second a labelled inc() per record costs a noticeable
// share of a core.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { deadLetterReasons } from '../decode/record.ts'

/** Why a checkpoint write failed: fenced (another instance owns the partition) or an S3 error. */
export const checkpointFailureReasons = ['fenced', 'error'] as const

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300]
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const SIZE_BUCKETS = [1, 10, 100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000]

/**
 * A histogram that takes many observations of one value at once (observe(v, n)), so the
 * end-to-end latency of a whole window's records costs one call. prom-client's Histogram has no
 * weighted observe; this one renders the same exposition format.
 */
export class WeightedHistogram {
  readonly name: string
  readonly help: string
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly buckets: number[]
  private counts: number[]
  private sum = 0
  private count = 0

  constructor (options: { name: string, help: string, buckets: number[], registers: Registry[] }) {
    this.name = options.name
    this.help = options.help
    this.buckets = options.buckets
    this.counts = new Array<number>(options.buckets.length).fill(0)
    for (const registry of options.registers) registry.registerMetric(this as never)
  }

  observe (value: number, weight = 1): void {
    if (!(weight > 0)) return
    this.sum += value * weight
    this.count += weight
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + weight
        break
      }
    }
  }

  reset (): void {
    this.counts.fill(0)
    this.sum = 0
    this.count = 0
  }

  get (): { name: string, help: string, type: string, aggregator: string, values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> } {
    let cumulative = 0
    const values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> = this.buckets.map((le, i) => {
      cumulative += this.counts[i] as number
      return { labels: { le }, value: cumulative, metricName: `${this.name}_bucket` }
    })
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` })
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` })
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` })
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }
}

export class ProcessorMetrics {
  readonly registry = new Registry()
  readonly consumed: Counter<'topic'>
  readonly processed: Counter<'topic'>
  readonly late: Counter<'topic'>
  readonly deadLettered: Counter<'reason'>
  readonly batchRecords: Histogram
  readonly batchDuration: Histogram
  readonly windowsClosed: Counter
  readonly windowFlush: Histogram
  readonly windowsRewritten: Counter
  readonly endToEndLatency: WeightedHistogram
  readonly lag: Gauge<'partition'>
  readonly redisPipeline: Histogram
  readonly redisErrors: Counter
  readonly redisWrites: Counter
  readonly checkpointDuration: Histogram
  readonly checkpoints: Counter
  readonly checkpointFailures: Counter<'reason'>
  readonly openWindows: Gauge
  readonly bufferedRecords: Gauge
  readonly paused: Gauge
  readonly assignedPartitions: Gauge

  constructor (labels: Record<string, string> = {}) {
    const registers = [this.registry]
    this.registry.setDefaultLabels(labels)
    collectDefaultMetrics({ register: this.registry, prefix: 'spate_process_', eventLoopMonitoringPrecision: 20 })
    this.consumed = new Counter({ name: 'spate_records_consumed_total', help: 'Records read from Kafka', labelNames: ['topic'], registers })
    this.processed = new Counter({ name: 'spate_records_processed_total', help: 'Records aggregated into a window', labelNames: ['topic'], registers })
    this.late = new Counter({ name: 'spate_records_late_total', help: 'Records whose window had closed; they go to the dead-letter topic', labelNames: ['topic'], registers })
    this.deadLettered = new Counter({ name: 'spate_records_dead_lettered_total', help: 'Records sent to the dead-letter topic, by reason', labelNames: ['reason'], registers })
    this.batchRecords = new Histogram({ name: 'spate_batch_records', help: 'Records per micro-batch', buckets: SIZE_BUCKETS, registers })
    this.batchDuration = new Histogram({ name: 'spate_batch_duration_seconds', help: 'Time to process a micro-batch: decode, window, write, checkpoint', buckets: DURATION_BUCKETS, registers })
    this.windowsClosed = new Counter({ name: 'spate_windows_closed_total', help: 'Partition windows closed and written', registers })
    this.windowsRewritten = new Counter({ name: 'spate_windows_rewritten_total', help: 'Windows written again because Redis restarted before it had confirmed them durable', registers })
    this.windowFlush = new Histogram({ name: 'spate_window_flush_seconds', help: 'Time to write the windows closed in one micro-batch to Redis', buckets: DURATION_BUCKETS, registers })
    this.endToEndLatency = new WeightedHistogram({ name: 'spate_end_to_end_latency_seconds', help: 'Event time to written in Redis, per record', buckets: LATENCY_BUCKETS, registers })
    this.lag = new Gauge({ name: 'spate_consumer_lag_records', help: 'Log end offset minus next offset to process, per assigned partition', labelNames: ['partition'], registers })
    this.redisPipeline = new Histogram({ name: 'spate_redis_pipeline_seconds', help: 'Round trip of one pipelined batch of Redis writes', buckets: DURATION_BUCKETS, registers })
    this.redisErrors = new Counter({ name: 'spate_redis_errors_total', help: 'Failed Redis writes (retried)', registers })
    this.redisWrites = new Counter({ name: 'spate_redis_writes_total', help: 'Redis hashes written: a key\'s window or a ledger entry', registers })
    this.checkpointDuration = new Histogram({ name: 'spate_checkpoint_duration_seconds', help: 'Time to write one partition checkpoint to S3', buckets: DURATION_BUCKETS, registers })
    this.checkpoints = new Counter({ name: 'spate_checkpoints_total', help: 'Partition checkpoints written', registers })
    this.checkpointFailures = new Counter({ name: 'spate_checkpoint_failures_total', help: 'Checkpoint writes that failed, by reason (fenced = another instance owns the partition)', labelNames: ['reason'], registers })
    this.openWindows = new Gauge({ name: 'spate_open_windows', help: 'Partition windows not yet closed', registers })
    this.bufferedRecords = new Gauge({ name: 'spate_buffered_records', help: 'Records read from Kafka and not yet processed', registers })
    this.paused = new Gauge({ name: 'spate_consumer_paused', help: '1 while consumption is paused by backpressure', aggregator: 'max', registers })
    this.assignedPartitions = new Gauge({ name: 'spate_assigned_partitions', help: 'Partitions this instance owns', registers })
  }

  /**
   * Exposes every labelled counter at 0 for the topic and each known reason, so that a rate, an
   * alert or a dashboard panel reads 0 before the first dead letter instead of finding no series.
   */
  zero (topic: string): void {
    for (const counter of [this.consumed, this.processed, this.late]) counter.inc({ topic }, 0)
    for (const reason of deadLetterReasons) this.deadLettered.inc({ reason }, 0)
    for (const reason of checkpointFailureReasons) this.checkpointFailures.inc({ reason }, 0)
  }
}
