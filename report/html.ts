// The report page: header (run, script, time range, verdict), headline numbers, the threshold
// table, the charts and the queries behind them. One file, inline CSS, inline SVG, no scripts
// and no external resources.
import { escapeHtml, renderChart, type Chart } from './chart.ts'
import type { RunWindow } from './report.ts'
import type { RunSummary } from './summary.ts'

export type Verdict = 'passed' | 'threshold breached' | 'run failed' | 'no thresholds'

/** What spate run's failure exit codes mean (docs/engine.md, k6's codes). */
const EXIT_MEANINGS: Record<number, string> = {
  100: 'setup() timed out',
  101: 'teardown() timed out',
  104: 'invalid options, flags or thresholds',
  105: 'stopped by a signal',
  107: 'a script error',
  108: 'aborted, e.g. in setup() before producing',
  110: 'the script failed the test',
}

function exitMeaning (code: number | undefined): string {
  const meaning = code === undefined ? undefined : EXIT_MEANINGS[code]
  return meaning ? ` (${code}: ${meaning})` : ''
}

export interface Page {
  run: RunWindow
  charts: Chart[]
  summary: RunSummary
  verdict: Verdict
  script: string | undefined
  k6ExitCode: number | undefined
  prometheusUrl: string
  generatedAt: Date
  /** Sampling and rates, in a sentence. */
  rateNote: string
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1b1f24; background: #f4f5f7; }
main { max-width: 980px; margin: 0 auto; }
header.run { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 18px 22px; margin-bottom: 18px; }
header.run h1 { margin: 0 0 12px; font-size: 22px; display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.verdict { font-size: 14px; font-weight: 700; padding: 4px 12px; border-radius: 999px; text-transform: uppercase; letter-spacing: .04em; }
.verdict.passed { background: #dcfae6; color: #067647; border: 1px solid #75e0a7; }
.verdict.breached { background: #fee4e2; color: #b42318; border: 1px solid #fda29b; }
.verdict.none { background: #f2f4f7; color: #475467; border: 1px solid #d0d5dd; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dl.facts dt { color: #5d6673; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
code { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #f2f4f7; padding: 1px 4px; border-radius: 3px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 16px 20px; margin-bottom: 18px; }
section h2 { margin: 0 0 12px; font-size: 17px; }
.numbers { display: flex; flex-wrap: wrap; gap: 10px; }
.number { border: 1px solid #e4e7ec; border-radius: 6px; padding: 8px 12px; min-width: 130px; }
.number .value { font-size: 18px; font-weight: 650; font-variant-numeric: tabular-nums; }
.number .label { color: #5d6673; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eaecf0; vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: #5d6673; }
td.result { font-weight: 650; white-space: nowrap; }
tr.ok td.result { color: #067647; }
tr.failed td.result { color: #b42318; }
tr.failed { background: #fff6f5; }
figure.chart { margin: 0 0 22px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figure.chart figcaption { color: #5d6673; font-size: 12.5px; margin-top: 2px; }
details summary { cursor: pointer; color: #344054; }
details li { margin: 6px 0; }
p.note { color: #5d6673; margin: 8px 0 0; font-size: 12.5px; }
`

function utc (t: number): string {
  return new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

function duration (seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export function renderPage (page: Page): string {
  const { run, summary, verdict } = page
  const e = escapeHtml
  const verdictClass = verdict === 'passed' ? 'passed' : verdict === 'no thresholds' ? 'none' : 'breached'
  const failed = summary.thresholds.filter((t) => !t.ok)
  const facts: Array<[string, string]> = [
    ['run id', `<code>${e(run.runId)}</code>`],
    ['script', page.script ? `<code>${e(page.script)}</code>` : 'not given (--script)'],
    ['time range', `${e(utc(run.from))} to ${e(utc(run.to))} (${e(duration(run.to - run.from))})`],
    ['load samples', `${e(utc(run.first))} to ${e(utc(run.last))}${summary.durationSeconds !== undefined ? `; the load run took ${e(duration(summary.durationSeconds))}` : ''}`],
    ['topic', run.topics.length ? run.topics.map((t) => `<code>${e(t)}</code>`).join(', ') : 'unknown (no load produce samples)'],
    ['processor', run.processor
      ? `started ${run.processor.starts.map((t) => e(utc(t))).join(', ')}; scraped at ${run.processor.instances.map((i) => `<code>${e(i)}</code>`).join(', ')}`
      : 'none was scraped while the load ran: no processor charts'],
    ...(run.spark ? [['Spark job', `its streaming query reported while the load ran; scraped at ${run.spark.instances.map((i) => `<code>${e(i)}</code>`).join(', ')}`] as [string, string]] : []),
    ['verdict', verdict === 'threshold breached'
      ? `threshold breached: ${failed.map((t) => `<code>${e(t.metric)}: ${e(t.expression)}</code>`).join(', ')}`
      : verdict === 'passed' ? `passed: all ${summary.thresholds.length} thresholds held`
        : verdict === 'run failed' ? `spate run failed with exit code ${page.k6ExitCode ?? '?'}${exitMeaning(page.k6ExitCode)}; see its output`
          : 'no thresholds in the summary'],
  ]
  if (page.k6ExitCode !== undefined) facts.push(['spate run exit code', String(page.k6ExitCode)])
  facts.push(
    ['source', `Prometheus <code>${e(page.prometheusUrl)}</code>, step ${run.step} s; summary <code>${e(summary.path)}</code>`],
    ['generated', e(utc(page.generatedAt.getTime() / 1000))],
  )

  const numbers = summary.numbers.length
    ? `<div class="numbers">${summary.numbers.map((n) => `<div class="number"><div class="value">${e(n.value)}</div><div class="label">${e(n.label)}</div></div>`).join('')}</div>`
    : '<p class="note">The summary has none of the usual pipeline metrics.</p>'

  const rows = summary.thresholds.map((t) => `<tr class="${t.ok ? 'ok' : 'failed'}" data-metric="${e(t.metric)}" data-threshold="${e(t.expression)}" data-ok="${t.ok}">` +
    `<td><code>${e(t.metric)}</code></td><td><code>${e(t.expression)}</code></td><td>${e(t.observed)}</td><td class="result">${t.ok ? '&#10003; held' : '&#10007; breached'}</td></tr>`)
  const thresholds = summary.thresholds.length
    ? `<table class="thresholds"><thead><tr><th>metric</th><th>threshold</th><th>measured</th><th>result</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
    : '<p class="note" data-no-data="thresholds">The run summary lists no thresholds.</p>'

  const charts = page.charts.map((chart) => `<figure class="chart" id="chart-${e(chart.id)}" data-chart="${e(chart.id)}">\n${renderChart(chart)}\n<figcaption>${e(chart.caption)}</figcaption></figure>`)
  const queries = page.charts.map((chart) => `<li><strong>${e(chart.title)}</strong><ul>${chart.queries.map((q) => `<li>${e(q.series)}: <code>${e(q.query)}</code></li>`).join('')}</ul></li>`)

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>spate run ${e(run.runId)}: ${e(verdict)}</title>
<style>${CSS}</style>
</head>
<body data-run-id="${e(run.runId)}" data-verdict="${e(verdict)}">
<main>
<header class="run">
<h1>spate run report <span class="verdict ${verdictClass}" data-verdict="${e(verdict)}">${e(verdict)}</span></h1>
<dl class="facts">
${facts.map(([k, v]) => `<dt>${e(k)}</dt><dd data-fact="${e(k)}">${v}</dd>`).join('\n')}
</dl>
</header>
<section class="summary"><h2>Run in numbers (run summary)</h2>${numbers}</section>
<section class="threshold-results"><h2>Thresholds</h2>
${thresholds}
</section>
<section class="charts"><h2>Pipeline over the run</h2>
${charts.join('\n')}
<p class="note">Times are UTC. ${e(page.rateNote)}. The processor has no run label: its series are those of the processor processes scraped while the load ran (by their start time), in this time range.</p>
</section>
<section class="queries"><h2>Queries</h2>
<details><summary>PromQL behind each chart (range queries from ${e(utc(run.from))} to ${e(utc(run.to))}, step ${run.step} s)</summary>
${run.processor ? '' : '<p class="note">The processor\'s queries were not run: no processor was scraped while the load ran.</p>'}
<ul>${queries.join('\n')}</ul>
</details>
</section>
</main>
</body>
</html>
`
}
