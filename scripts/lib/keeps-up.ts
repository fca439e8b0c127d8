// Does the pipeline keep up? The Theodolite / ShuffleBench test, inside the load run:
// a monitor scenario samples the consumer group's lag on the topic during the load (Kafka's own
// committed offsets, so any pipeline that commits them can be judged), drops the warm-up, fits a
// line to lag over time, and reports the slope as a share of the offered rate (the growth of the
// log end offsets over the same samples): spate_lag_slope_ratio, which must stay under 1%.
//
// Extra detail from spate's processor when SPATE_PROCESSOR_METRICS_URL is set: the p99 of its
// micro-batch duration (spate_batch_duration_p99, which must stay under 30 s).
import { sleep } from 'k6'
import http from 'k6/http'
import { Trend } from 'k6/metrics'
import { AdminClient, type ConnectionConfig } from 'k6/x/kafka'
import type { EnvReader } from './config.ts'

export interface KeepsUpConfig {
  /** Consumer group whose committed offsets show the pipeline's progress; '' turns the check off. */
  group: string
  intervalSeconds: number
  /** Samples before this many seconds into the load are warm-up, unless the load is short. */
  warmupSeconds: number
  processorMetricsUrl: string
}

export function readKeepsUpConfig (read: EnvReader): KeepsUpConfig {
  return {
    // Empty on purpose turns the check off; unset means the processor's default group.
    group: read.empty('SPATE_CONSUMER_GROUP') ? '' : read.string('SPATE_CONSUMER_GROUP', 'spate-processor', /^[A-Za-z0-9._-]{0,249}$/, 'a consumer group id, or empty to skip the keeps-up check'),
    intervalSeconds: read.number('SPATE_LAG_INTERVAL', 2, { min: 0.2, max: 60 }),
    warmupSeconds: read.number('SPATE_WARMUP', 60, { min: 0, max: 86_400 }),
    processorMetricsUrl: read.string('SPATE_PROCESSOR_METRICS_URL', '', /^https?:\/\/\S+$/, 'http://host:port/metrics'),
  }
}

const slopeRatio = new Trend('spate_lag_slope_ratio')
const batchP99 = new Trend('spate_batch_duration_p99', true)

/** Least-squares slope of y over x. */
export function slope (points: Array<[x: number, y: number]>): number {
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

/** Samples lag for loadSeconds, then reports the slope ratio (the monitor scenario's iteration). */
export function monitorLag (config: KeepsUpConfig, connection: ConnectionConfig, topic: string, loadSeconds: number): void {
  const admin = new AdminClient(connection)
  const samples: Array<{ t: number, lag: number, end: number }> = []
  const started = Date.now()
  try {
    while ((Date.now() - started) / 1000 < loadSeconds) {
      const offsets = admin.topicOffsets(topic, config.group)
      samples.push({ t: (Date.now() - started) / 1000, lag: offsets.lag, end: offsets.end })
      sleep(config.intervalSeconds)
    }
  } finally {
    admin.close()
  }
  // Drop the warm-up, but never more than half of a short run.
  const warmup = Math.min(config.warmupSeconds, loadSeconds / 2)
  const judged = samples.filter((s) => s.t >= warmup)
  if (judged.length < 3) {
    console.warn(`keeps-up: only ${judged.length} lag samples after the warm-up; the run is too short to judge`)
    return
  }
  const first = judged[0] as { t: number, end: number }
  const last = judged[judged.length - 1] as { t: number, end: number }
  const offered = (last.end - first.end) / (last.t - first.t)
  const lagSlope = slope(judged.map((s) => [s.t, s.lag]))
  const ratio = offered > 0 ? lagSlope / offered : 0
  slopeRatio.add(ratio)
  console.log(`keeps-up: lag slope ${lagSlope.toFixed(1)} records/s against ${offered.toFixed(1)} offered (${(ratio * 100).toFixed(2)}%), ${judged.length} samples after ${warmup}s warm-up`)
}

/** The processor's micro-batch duration p99, read from its Prometheus histogram. */
export function reportBatchDuration (config: KeepsUpConfig): void {
  if (!config.processorMetricsUrl) return
  const response = http.get(config.processorMetricsUrl, { tags: { name: 'processor-metrics' } })
  if (response.status !== 200 || typeof response.body !== 'string') {
    console.warn(`keeps-up: ${config.processorMetricsUrl} answered HTTP ${response.status}; no micro-batch duration`)
    return
  }
  const buckets: Array<[le: number, count: number]> = []
  for (const line of response.body.split('\n')) {
    const match = /^spate_batch_duration_seconds_bucket\{.*le="([^"]+)".*\} ([\d.e+]+)$/.exec(line)
    if (match) buckets.push([match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2])])
  }
  const total = buckets.find(([le]) => le === Infinity)?.[1] ?? 0
  if (total === 0) return
  // The smallest bucket bound that holds 99% of the batches: an upper bound of the p99.
  const bound = buckets.sort((a, b) => a[0] - b[0]).find(([, count]) => count >= 0.99 * total)?.[0] ?? Infinity
  batchP99.add(Number.isFinite(bound) ? bound * 1000 : 3_600_000)
}
