// The run report: one self-contained HTML file for a finished run, with charts from Prometheus
// range queries over the run's time range and the threshold results from its k6-summary.json.
//
// The load engine (spate run) pushes its metrics by remote write, under k6's names, with the run
// id as the `testid` label, which gives the run's time range. The processor is scraped (job
// "spate-processor") and has no run label: its series are those of the processor processes
// scraped while the load ran (told apart by their start
// time), in that range, and of the run's topic where the metric has a topic. When the pipeline
// under test was the Spark job of pipelines/spark/ (its driver scraped as job "spate-spark" while
// the load ran), the report charts its micro-batch durations too.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { SPARK_JOB, sparkQueryGauge } from '../pipelines/spark/metrics.ts'
import { PALETTE, type Chart, type Point, type Series } from './chart.ts'
import { renderPage, type Verdict } from './html.ts'
import { Prometheus, ReportError, type RangeSeries } from './prometheus.ts'
import { readSummary } from './summary.ts'

/** Run ids as the load scripts accept them (SPATE_RUN_ID). */
export const RUN_ID = /^[A-Za-z0-9._-]{1,100}$/
export const PROCESSOR_JOB = 'spate-processor'
/** Prometheus' scrape interval in the local stack (stack/prometheus/prometheus.yml). */
export const SCRAPE_SECONDS = 5
/** Before the load engine's first push (it covers the first seconds of load) and after its last (the processor's final scrape). */
export const PAD_BEFORE = 10
export const PAD_AFTER = 10
/** How far back the run is looked for when no time range is given (Prometheus' default retention). */
export const LOOKBACK_DAYS = 15
const MAX_POINTS = 200

export interface ReportOptions {
  prometheusUrl: string
  runId: string
  summaryPath: string
  outPath: string
  /** Explicit time range, Unix seconds; both or neither. */
  from?: number
  to?: number
  /** The load script, for the header. */
  script?: string
  /** spate run's exit code, for the header, when the caller ran the load. */
  k6ExitCode?: number
  /** Progress lines. */
  log?: (line: string) => void
}

export interface RunWindow {
  runId: string
  /** First and last load engine sample of the run. */
  first: number
  last: number
  /** The charted range. */
  from: number
  to: number
  step: number
  topics: string[]
  /** Last sample of the load engine's produced-messages counter: the produce rate ends there. */
  producedUntil: number | undefined
  /** Seconds between the load engine's remote-write pushes, as seen in its samples (K6_PROMETHEUS_RW_PUSH_INTERVAL). */
  k6Interval: number
  /** The processors scraped while the load ran, or undefined when none was. */
  processor: ProcessorRun | undefined
  /** The Spark jobs scraped while the load ran, or undefined when none was. */
  spark: SparkRun | undefined
}

/** The Spark jobs (scrape targets of job spate-spark) whose streaming query reported while the load ran. */
export interface SparkRun {
  instances: string[]
}

/** The Spark driver's micro-batch duration gauge (ms), set after every batch. */
const SPARK_BATCH = sparkQueryGauge('latency')

/**
 * The Spark jobs that served the run: those whose streaming query reported a micro-batch
 * between the load's first and last sample (a job's gauges exist only once its query ran).
 */
export async function findSparkJobs (prometheus: Prometheus, first: number, last: number): Promise<SparkRun | undefined> {
  const samples = await prometheus.querySamples(`${SPARK_BATCH}{job=${quote(SPARK_JOB)}}[${Math.max(1, Math.ceil(last - first))}s]`, last)
  const instances = [...new Set(samples.filter((s) => s.values.length > 0).map((s) => s.metric.instance).filter((i): i is string => !!i))].sort()
  return instances.length ? { instances } : undefined
}

/** Which processor processes served the run: their start times (Unix seconds) and scrape targets. */
export interface ProcessorRun {
  starts: number[]
  instances: string[]
}

const START_TIME = 'spate_process_process_start_time_seconds'

/**
 * The processor processes that served the run: those scraped between the load's first sample and
 * the end of the range that had started by the load's last sample. A processor that ran before the run
 * (and stopped) or started after it is not one of them, even on the same port and topic.
 */
export async function findProcessors (prometheus: Prometheus, first: number, last: number, to: number): Promise<ProcessorRun | undefined> {
  const samples = await prometheus.querySamples(`${START_TIME}{job=${quote(PROCESSOR_JOB)}}[${Math.max(1, Math.ceil(to - first))}s]`, to)
  const starts = new Set<number>()
  const instances = new Set<string>()
  for (const series of samples) {
    for (const [, value] of series.values) {
      const start = Number(value)
      if (Number.isFinite(start) && start <= last) {
        starts.add(start)
        if (series.metric.instance) instances.add(series.metric.instance)
      }
    }
  }
  return starts.size ? { starts: [...starts].sort((a, b) => a - b), instances: [...instances].sort() } : undefined
}

/** The query step for a range: about MAX_POINTS samples, never finer than the scrape interval. */
export function stepFor (seconds: number): number {
  return Math.max(SCRAPE_SECONDS, Math.ceil(seconds / MAX_POINTS))
}

/**
 * Per-second rate of a counter sampled every `interval` seconds, at the chart's resolution: the
 * rate between the last two samples while a step spans at most two samples, else the average
 * over the step (and never over fewer than three sample intervals).
 */
export function rateOf (selector: string, step: number, interval: number): string {
  return step <= 2 * interval ? `irate(${selector}[${3 * interval}s])` : `rate(${selector}[${Math.max(step, 3 * interval)}s])`
}

/**
 * rateOf for a scraped target's counter, only while the target is scraped: once it stops,
 * Prometheus marks its series stale and the rate ends there instead of repeating the last one.
 */
export function scrapedRateOf (selector: string, step: number): string {
  return `(${rateOf(selector, step, SCRAPE_SECONDS)} and ${selector})`
}

/** rateOf in words, for the report's notes. */
export function describeRate (step: number, interval: number): string {
  return step <= 2 * interval ? 'between the last two samples' : `averaged over ${Math.max(step, 3 * interval)} s`
}

/** The typical gap between samples (the median), in whole seconds. */
export function sampleInterval (times: number[], fallback: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  const gaps = sorted.slice(1).map((t, i) => t - (sorted[i] as number)).sort((a, b) => a - b)
  if (gaps.length === 0) return fallback
  return Math.min(60, Math.max(1, Math.round(gaps[Math.floor(gaps.length / 2)] as number)))
}

function quote (value: string): string {
  return JSON.stringify(value)
}

function checkRunId (runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new ReportError(`run id ${JSON.stringify(runId)} is invalid: use the testid of the run (letters, digits, . _ -, at most 100), e.g. main-mwut00pq`)
  }
}

/** The run's time range from its load engine series, or the explicit range checked against them. */
export async function findRun (prometheus: Prometheus, runId: string, explicit?: { from: number, to: number }): Promise<RunWindow> {
  checkRunId(runId)
  const now = Date.now() / 1000
  const at = explicit?.to ?? now
  const lookback = explicit ? `${Math.max(1, Math.ceil(explicit.to - explicit.from))}s` : `${LOOKBACK_DAYS}d`
  const selector = `{__name__=~"k6_vus|k6_iterations_total|k6_kafka_writer_message_count_total|k6_spate_records_verified_total",testid=${quote(runId)}}`
  const series = await prometheus.querySamples(`${selector}[${lookback}]`, at)
  const times = series.flatMap((s) => s.values.map(([t]) => t))
  if (times.length === 0) {
    const known = await prometheus.labelValues('testid').catch(() => [])
    const where = explicit
      ? `between ${new Date(explicit.from * 1000).toISOString()} and ${new Date(explicit.to * 1000).toISOString()}`
      : `in the last ${LOOKBACK_DAYS} days`
    const hint = known.length ? ` (run ids Prometheus has: ${known.slice(-5).join(', ')}${known.length > 5 ? ', ...' : ''})` : ' (Prometheus has no load runs at all: was the load run with spate run -o experimental-prometheus-rw?)'
    throw new ReportError(`no data for run id ${runId}: Prometheus at ${prometheus.url} has no load samples with testid=${quote(runId)} ${where}; check the run id${hint}${explicit ? ' or the --from/--to range' : ''}`)
  }
  const first = Math.min(...times)
  const last = Math.max(...times)
  const produced = series.filter((s) => s.metric.__name__ === 'k6_kafka_writer_message_count_total')
  const topics = [...new Set(produced.map((s) => s.metric.topic).filter((t): t is string => !!t))].sort()
  const producedTimes = produced.flatMap((s) => s.values.map(([t]) => t))
  const vus = series.find((s) => s.metric.__name__ === 'k6_vus')
  const to = explicit?.to ?? Math.min(now, last + PAD_AFTER)
  const step = stepFor(to - (explicit?.from ?? first - PAD_BEFORE))
  // The range starts a whole number of steps before its end, so the last evaluation is at `to`
  // and sees the final scrape.
  const from = to - Math.ceil((to - (explicit?.from ?? first - PAD_BEFORE)) / step) * step
  return {
    runId, first, last, from, to, step, topics,
    processor: await findProcessors(prometheus, first, last, to),
    spark: await findSparkJobs(prometheus, first, last),
    producedUntil: producedTimes.length ? Math.max(...producedTimes) : undefined,
    k6Interval: sampleInterval(vus?.values.map(([t]) => t) ?? [], SCRAPE_SECONDS),
  }
}

/** A range query's samples as points; with `until`, none after that time. */
function toPoints (series: RangeSeries | undefined, until?: number): Point[] {
  if (!series) return []
  const points = series.values.map(([t, v]) => ({ t, v: Number(v) }))
  return until === undefined ? points : points.filter((p) => p.t <= until)
}

/** The report's charts, each with its queries and their results over the run's range. */
export async function collectCharts (prometheus: Prometheus, run: RunWindow): Promise<Chart[]> {
  const { from, to, step, runId } = run
  const testid = `testid=${quote(runId)}`
  const job = `job=${quote(PROCESSOR_JOB)}`
  const topic = run.topics.length === 0 ? '' : run.topics.length === 1 ? `,topic=${quote(run.topics[0] as string)}` : `,topic=~${quote(run.topics.map((t) => t.replace(/\./g, '\\.')).join('|'))}`
  const range = async (query: string) => await prometheus.queryRange(query, from, to, step)
  const one = async (query: string) => (await range(query))[0]
  // Only the scrapes of the processors that served the run (see findProcessors).
  const starts = run.processor?.starts ?? []
  const own = starts.length ? `and on(instance) ((${START_TIME}{${job}} >= ${Math.min(...starts) - 0.5}) <= ${Math.max(...starts) + 0.5})` : ''
  const quantile = (q: number, metric: string) => `histogram_quantile(${q}, sum by (le) (${scrapedRateOf(`${metric}{${job}}`, step)} ${own}))`
  const processorHint = `no processor (job ${PROCESSOR_JOB}) was scraped while the load ran: was its metrics port the one Prometheus scrapes (SPATE_PROCESSOR_METRICS_PORT)?`
  const base = { from, to, step }

  const q = {
    produced: `sum(${rateOf(`k6_kafka_writer_message_count_total{${testid}}`, step, run.k6Interval)})`,
    processed: `sum(${scrapedRateOf(`spate_records_processed_total{${job}${topic}}`, step)} ${own})`,
    lagTotal: `sum(spate_consumer_lag_records{${job}} ${own})`,
    lagPartitions: `sum by (partition) (spate_consumer_lag_records{${job}} ${own})`,
    batchP50: quantile(0.5, 'spate_batch_duration_seconds_bucket'),
    batchP99: quantile(0.99, 'spate_batch_duration_seconds_bucket'),
    e2eP95: quantile(0.95, 'spate_end_to_end_latency_seconds_bucket'),
    e2eP99: quantile(0.99, 'spate_end_to_end_latency_seconds_bucket'),
    k6P95: `max(last_over_time(k6_spate_end_to_end_latency_p95{${testid}}[${Math.ceil(to - from)}s]))`,
    k6P99: `max(last_over_time(k6_spate_end_to_end_latency_p99{${testid}}[${Math.ceil(to - from)}s]))`,
  }
  // Without a processor of the run, its queries would only find other runs' processors.
  const served = run.processor !== undefined
  const processorRange = async (query: string) => served ? await range(query) : []
  const processorOne = async (query: string) => (await processorRange(query))[0]
  const [produced, processed, lagTotal, lagPartitions, batchP50, batchP99, e2eP95, e2eP99, k6P95, k6P99] = await Promise.all([
    one(q.produced), processorOne(q.processed), processorOne(q.lagTotal), processorRange(q.lagPartitions),
    processorOne(q.batchP50), processorOne(q.batchP99), processorOne(q.e2eP95), processorOne(q.e2eP99),
    prometheus.queryVector(q.k6P95, to), prometheus.queryVector(q.k6P99, to),
  ])

  const partitions = lagPartitions
    .filter((s) => s.metric.partition !== undefined)
    .sort((a, b) => Number(a.metric.partition) - Number(b.metric.partition))
  // Up to 16 partitions get a line each; beyond that the total alone stays readable.
  const partitionSeries: Series[] = partitions.length <= 16
    ? partitions.map((s, i) => ({ name: `partition ${s.metric.partition}`, points: toPoints(s), color: PALETTE[i % PALETTE.length] as string, width: 1 }))
    : []
  const reference = (value: number | undefined): Point[] => value === undefined || !Number.isFinite(value) ? [] : [{ t: to, v: value }]

  const charts: Chart[] = [
    {
      ...base,
      id: 'throughput',
      title: 'Throughput',
      caption: `Records per second produced by the load engine (k6_kafka_writer_message_count_total, testid ${runId}) and aggregated by the processor (spate_records_processed_total${run.topics.length ? `, topic ${run.topics.join(', ')}` : ''}).`,
      unit: 'records/s',
      series: [
        // The engine sends no staleness markers (K6_PROMETHEUS_RW_STALE_MARKERS is off): past the
        // first step after its last push, a rate would only repeat that push's.
        { name: 'load produce rate', points: toPoints(produced, run.producedUntil === undefined ? undefined : run.producedUntil + step), color: '#1f77b4', width: 2.5 },
        { name: 'processor processed rate', points: toPoints(processed), color: '#ff7f0e', width: 2.5 },
      ],
      emptyHint: `no load or processor samples in this range; ${processorHint}`,
      queries: [{ series: 'load produce rate', query: q.produced }, { series: 'processor processed rate', query: q.processed }],
    },
    {
      ...base,
      id: 'lag',
      title: 'Consumer lag',
      caption: `Records in Kafka not yet processed: log end offset minus the processor's next offset (spate_consumer_lag_records), in total${partitions.length > partitionSeries.length ? ` (${partitions.length} partitions, too many for a line each)` : ' and per partition'}.`,
      unit: 'records',
      series: [
        { name: 'total lag', points: toPoints(lagTotal), color: '#111111', width: 2.5 },
        ...partitionSeries,
      ],
      emptyHint: processorHint,
      queries: [{ series: 'total lag', query: q.lagTotal }, { series: 'per partition', query: q.lagPartitions }],
    },
    {
      ...base,
      id: 'batch',
      title: 'Micro-batch duration',
      caption: 'Time the processor takes for one micro-batch (decode, window, write, checkpoint), p50 and p99 from the spate_batch_duration_seconds histogram; gaps are intervals without a batch.',
      unit: 'seconds',
      series: [
        { name: 'p50', points: toPoints(batchP50), color: '#2ca02c', width: 2.5 },
        { name: 'p99', points: toPoints(batchP99), color: '#d62728', width: 2.5 },
      ],
      emptyHint: processorHint,
      queries: [{ series: 'p50', query: q.batchP50 }, { series: 'p99', query: q.batchP99 }],
    },
    {
      ...base,
      id: 'latency',
      title: 'End-to-end latency',
      caption: 'Event time to written in Redis: p95 and p99 per interval from the processor\'s spate_end_to_end_latency_seconds histogram (solid; interpolated within its buckets of 5, 10, 15 s ...), and the load run\'s verified p95 and p99 over all records of the run (spate_end_to_end_latency, dashed).',
      unit: 'seconds',
      series: [
        { name: 'processor p95', points: toPoints(e2eP95), color: '#9467bd', width: 2.5 },
        { name: 'processor p99', points: toPoints(e2eP99), color: '#d62728', width: 2.5 },
        { name: 'load verified p95 (whole run)', points: reference(k6P95[0]?.value), color: '#9467bd', width: 1.5, kind: 'reference' },
        { name: 'load verified p99 (whole run)', points: reference(k6P99[0]?.value), color: '#d62728', width: 1.5, kind: 'reference' },
      ],
      emptyHint: `${processorHint} (the load run reports its end-to-end latency only when its verify step ran)`,
      queries: [
        { series: 'processor p95', query: q.e2eP95 }, { series: 'processor p99', query: q.e2eP99 },
        { series: 'load verified p95 (instant query at the end)', query: q.k6P95 }, { series: 'load verified p99 (instant query at the end)', query: q.k6P99 },
      ],
    },
  ]
  if (!run.spark) return charts
  // Against the Spark job with no processor of spate's: the processor-only charts would be empty.
  const shown = served ? charts : charts.filter((c) => c.id !== 'lag' && c.id !== 'batch')
  return [...shown, await sparkBatchChart(prometheus, run)]
}

/**
 * The Spark job's micro-batch durations, as the report's authors watched them: the streaming
 * query's batch-duration gauge (set after every batch), the longest and shortest batch of each step.
 */
async function sparkBatchChart (prometheus: Prometheus, run: RunWindow): Promise<Chart> {
  const { from, to, step } = run
  const instances = run.spark?.instances ?? []
  const selector = `${SPARK_BATCH}{job=${quote(SPARK_JOB)},instance=~${quote(instances.map((i) => i.replace(/\./g, '\\.')).join('|'))}}`
  // The gauge reads 0 until the query's first batch has finished: no batch, not a batch of 0 s.
  const q = {
    longest: `max(max_over_time(${selector}[${step}s])) / 1000 > 0`,
    shortest: `min(min_over_time(${selector}[${step}s])) / 1000 > 0`,
  }
  const [longest, shortest] = await Promise.all([prometheus.queryRange(q.longest, from, to, step), prometheus.queryRange(q.shortest, from, to, step)])
  return {
    from, to, step,
    id: 'spark-batch',
    title: 'Spark micro-batch duration',
    caption: `Duration of the Spark job's micro-batches (read from Kafka, window, write to Redis, checkpoint), from its streaming query's batch-duration gauge (${SPARK_BATCH}, job ${SPARK_JOB} at ${instances.join(', ')}), set after every batch: the longest and the shortest batch of each ${step} s step.`,
    unit: 'seconds',
    series: [
      { name: 'longest batch', points: toPoints(longest[0]), color: '#d62728', width: 2.5 },
      { name: 'shortest batch', points: toPoints(shortest[0]), color: '#2ca02c', width: 1.5 },
    ],
    emptyHint: `the Spark job (job ${SPARK_JOB}) reported no micro-batch in this range`,
    queries: [{ series: 'longest batch', query: q.longest }, { series: 'shortest batch', query: q.shortest }],
  }
}

export interface WrittenReport {
  path: string
  verdict: Verdict
  run: RunWindow
  charts: Chart[]
}

/** Renders the report of one run and writes it to options.outPath. */
export async function writeReport (options: ReportOptions): Promise<WrittenReport> {
  const log = options.log ?? (() => {})
  if ((options.from === undefined) !== (options.to === undefined)) throw new ReportError('give both --from and --to, or neither (the range is then taken from the run\'s load engine series)')
  if (options.from !== undefined && options.to !== undefined && !(options.from < options.to)) throw new ReportError('--from must be before --to')
  const prometheus = new Prometheus(options.prometheusUrl)
  checkRunId(options.runId)
  log(`finding run ${options.runId} in Prometheus at ${prometheus.url}`)
  const explicit = options.from !== undefined && options.to !== undefined ? { from: options.from, to: options.to } : undefined
  const run = await findRun(prometheus, options.runId, explicit)
  const summary = readSummary(options.summaryPath, options.runId)
  log(`run ${run.runId}: ${new Date(run.from * 1000).toISOString()} to ${new Date(run.to * 1000).toISOString()} (${Math.round(run.to - run.from)} s, step ${run.step} s); querying`)
  if (run.spark) log(`the Spark job at ${run.spark.instances.join(', ')} (job ${SPARK_JOB}) served the run: charting its micro-batch durations`)
  if (!run.processor) log(`no processor (job ${PROCESSOR_JOB}) was scraped while the load ran: ${run.spark ? 'no processor charts' : 'the processor\'s charts will say "no data"'}`)
  const charts = await collectCharts(prometheus, run)
  for (const chart of charts) {
    const empty = chart.series.filter((s) => !s.points.some((p) => Number.isFinite(p.v))).map((s) => s.name)
    if (empty.length) log(`${chart.title}: no data for ${empty.join(', ')}`)
  }
  const failed = summary.thresholds.filter((t) => !t.ok)
  // spate run exits 99 on a breached threshold; any other failure (104, 105, 107, 108, 110) is no
  // pass whatever the thresholds say.
  const crashed = options.k6ExitCode !== undefined && options.k6ExitCode !== 0 && options.k6ExitCode !== 99
  const verdict: Verdict = failed.length ? 'threshold breached' : crashed ? 'run failed' : summary.thresholds.length === 0 ? 'no thresholds' : 'passed'
  const html = renderPage({
    run, charts, summary, verdict,
    script: options.script,
    k6ExitCode: options.k6ExitCode,
    prometheusUrl: prometheus.url,
    generatedAt: new Date(),
    rateNote: `The load engine pushes its metrics every ${run.k6Interval} s and Prometheus scrapes the processor every ${SCRAPE_SECONDS} s; the charts have one point per ${run.step} s step; rates are per second, ${describeRate(run.step, run.k6Interval)} for the load engine and ${describeRate(run.step, SCRAPE_SECONDS)} for the processor`,
  })
  const path = resolve(options.outPath)
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, html)
  } catch (error) {
    throw new ReportError(`cannot write the report to ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass --out with a writable path`)
  }
  log(`report written: ${path} (${verdict})`)
  return { path, verdict, run, charts }
}
