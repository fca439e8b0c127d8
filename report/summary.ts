// The run's threshold results and headline numbers, from the k6-summary.json that the load
// scripts' handleSummary writes (scripts/lib/summary.ts): metrics with their values and, for
// metrics with thresholds, each threshold expression with ok true or false.
import { readFileSync } from 'node:fs'
import { ReportError } from './prometheus.ts'

export interface ThresholdResult {
  metric: string
  expression: string
  ok: boolean
  /** The statistic the expression tests, as the run measured it (e.g. "6.39 s"). */
  observed: string
}

export interface RunSummary {
  path: string
  /** The run id the scripts' setup() returned (setup_data.runId), when present. */
  runId: string | undefined
  durationSeconds: number | undefined
  thresholds: ThresholdResult[]
  /** Headline figures of the run, in display order. */
  numbers: Array<{ label: string, value: string }>
}

interface Metric {
  type?: string
  contains?: string
  values?: Record<string, number>
  thresholds?: Record<string, { ok?: boolean }>
}

function formatValue (metric: Metric, stat: string, value: number): string {
  if (stat === 'rate' && metric.type === 'rate') return `${(value * 100).toFixed(2)}%`
  if (metric.contains === 'time' && stat !== 'count' && stat !== 'rate') {
    return Math.abs(value) >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(2)} ms`
  }
  if (metric.contains === 'data') return value >= 1e6 ? `${(value / 1e6).toFixed(1)} MB` : value >= 1e3 ? `${(value / 1e3).toFixed(1)} kB` : `${value} B`
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toPrecision(4)))
}

/** The statistic a threshold expression tests: "p(95)<25000" -> "p(95)", "count==0" -> "count". */
export function thresholdStat (expression: string): string | undefined {
  return /^\s*(p\(\d+(?:\.\d+)?\)|avg|min|max|med|count|rate|value)\s*(?:<=|>=|===|==|!=|<|>)/.exec(expression)?.[1]
}

export function readSummary (path: string, runId: string): RunSummary {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ReportError(code === 'ENOENT'
      ? `no run summary at ${path}; pass --summary with the k6-summary.json of run ${runId} (the load scripts write it into SPATE_REPORT_DIR)`
      : `cannot read the run summary ${path} (${code ?? (error as Error).message}); pass --summary with a readable k6-summary.json`)
  }
  let data: { metrics?: Record<string, Metric>, state?: { testRunDurationMs?: number }, setup_data?: { runId?: unknown } }
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new ReportError(`${path} is not JSON (${(error as Error).message}); pass --summary with the k6-summary.json of run ${runId}`)
  }
  if (typeof data !== 'object' || data === null || typeof data.metrics !== 'object' || data.metrics === null) {
    throw new ReportError(`${path} has no "metrics" object, so it is no run summary; pass --summary with the k6-summary.json of run ${runId}`)
  }
  const summaryRun = typeof data.setup_data?.runId === 'string' ? data.setup_data.runId : undefined
  if (summaryRun !== undefined && summaryRun !== runId) {
    throw new ReportError(`${path} is the summary of run ${summaryRun}, not ${runId}; pass --summary with the k6-summary.json that run ${runId} wrote`)
  }
  const metrics = data.metrics
  const thresholds: ThresholdResult[] = []
  for (const name of Object.keys(metrics).sort()) {
    const metric = metrics[name] as Metric
    for (const [expression, result] of Object.entries(metric.thresholds ?? {})) {
      const stat = thresholdStat(expression)
      const value = stat === undefined ? undefined : metric.values?.[stat]
      thresholds.push({
        metric: name,
        expression,
        ok: result?.ok === true,
        observed: stat === undefined || value === undefined ? 'n/a' : `${stat} = ${formatValue(metric, stat, value)}`,
      })
    }
  }

  const numbers: Array<{ label: string, value: string }> = []
  const add = (label: string, name: string, stat: string) => {
    const metric = metrics[name]
    const value = metric?.values?.[stat]
    if (metric && typeof value === 'number') numbers.push({ label, value: formatValue(metric, stat, value) })
  }
  add('records produced', 'kafka_writer_message_count', 'count')
  add('records verified in Redis', 'spate_records_verified', 'count')
  add('lost', 'spate_records_lost', 'count')
  add('duplicated', 'spate_records_duplicated', 'count')
  add('mismatched', 'spate_records_mismatched', 'count')
  add('produce errors', 'kafka_writer_error_count', 'count')
  add('end-to-end p95', 'spate_end_to_end_latency', 'p(95)')
  add('end-to-end p99', 'spate_end_to_end_latency', 'p(99)')
  add('produce call p99', 'kafka_writer_write_seconds', 'p(99)')
  const durationMs = data.state?.testRunDurationMs
  return {
    path,
    runId: summaryRun,
    durationSeconds: typeof durationMs === 'number' ? durationMs / 1000 : undefined,
    thresholds,
    numbers,
  }
}
