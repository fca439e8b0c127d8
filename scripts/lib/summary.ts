// End-of-test reports (handleSummary, as in k6's script API): a text summary on stdout, the full
// summary as JSON and a JUnit XML with one test case per threshold, for CI systems that show test
// results. Files go to SPATE_REPORT_DIR (default: the current directory): k6-summary.json and
// k6-junit.xml, k6's file names, which CI setups and the run report look for.

interface Threshold { ok: boolean }
interface Metric {
  type: 'counter' | 'gauge' | 'rate' | 'trend'
  contains?: 'time' | 'data' | 'default'
  values: Record<string, number>
  thresholds?: Record<string, Threshold>
}
export interface SummaryData {
  metrics: Record<string, Metric>
  state?: { testRunDurationMs?: number }
}

function xml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function format (metric: Metric, value: number): string {
  if (metric.contains === 'time') return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(2)}ms`
  if (metric.contains === 'data') return value >= 1e6 ? `${(value / 1e6).toFixed(1)} MB` : value >= 1e3 ? `${(value / 1e3).toFixed(1)} kB` : `${value} B`
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}

const STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']
function statOrder (stat: string): number {
  const i = STATS.indexOf(stat)
  return i === -1 ? STATS.length : i
}

function describe (metric: Metric): string {
  const v = metric.values
  switch (metric.type) {
    case 'counter': return `${format(metric, v.count ?? 0)} ${(v.rate ?? 0).toFixed(2)}/s`
    case 'gauge': return `${format(metric, v.value ?? 0)} min=${format(metric, v.min ?? 0)} max=${format(metric, v.max ?? 0)}`
    case 'rate': return `${((v.rate ?? 0) * 100).toFixed(2)}% ${v.passes ?? 0} of ${(v.passes ?? 0) + (v.fails ?? 0)}`
    case 'trend': return Object.keys(v).sort((a, b) => statOrder(a) - statOrder(b)).map((stat) => `${stat}=${format(metric, v[stat] as number)}`).join(' ')
  }
}

export function textSummary (data: SummaryData): string {
  const lines: string[] = ['', '  THRESHOLDS', '']
  const names = Object.keys(data.metrics).sort()
  for (const name of names) {
    const thresholds = data.metrics[name]?.thresholds
    if (!thresholds) continue
    lines.push(`    ${name}`)
    for (const [expression, result] of Object.entries(thresholds)) lines.push(`    ${result.ok ? '✓' : '✗'} '${expression}'`)
  }
  lines.push('', '  METRICS', '')
  const width = Math.max(...names.map((name) => name.length)) + 3
  for (const name of names) {
    const metric = data.metrics[name] as Metric
    lines.push(`    ${name}${'.'.repeat(width - name.length)}: ${describe(metric)}`)
  }
  return lines.join('\n') + '\n\n'
}

export function junit (data: SummaryData, suite: string): string {
  const cases: string[] = []
  let failures = 0
  for (const [name, metric] of Object.entries(data.metrics)) {
    for (const [expression, result] of Object.entries(metric.thresholds ?? {})) {
      const title = xml(`${name}: ${expression}`)
      if (result.ok) {
        cases.push(`    <testcase classname="${xml(suite)}" name="${title}"/>`)
      } else {
        failures++
        cases.push(`    <testcase classname="${xml(suite)}" name="${title}"><failure message="${xml(`threshold ${expression} on ${name} was breached`)}">${xml(describe(metric))}</failure></testcase>`)
      }
    }
  }
  const seconds = ((data.state?.testRunDurationMs ?? 0) / 1000).toFixed(3)
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" time="${seconds}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`
}

/** What handleSummary returns: stdout and the two report files. */
export function reports (data: SummaryData, dir: string, suite: string): Record<string, string> {
  return {
    stdout: textSummary(data),
    [`${dir}/k6-summary.json`]: JSON.stringify(data, null, 2),
    [`${dir}/k6-junit.xml`]: junit(data, suite),
  }
}
