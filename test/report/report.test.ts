// The run report: a short real main job writes it, and headless Chromium reads it the way a person
// does: every chart drawn from real samples, the thresholds as the load run judged them, no errors, nothing
// fetched from the network. Bad input (an unknown run id, an unreachable Prometheus) stops with
// one line and writes no report.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { Admin } from '@platformatic/kafka'
import { launchChromium } from '../../report/browser.ts'
import { renderChart, type Chart } from '../../report/chart.ts'
import { freePort, root, run, stack, uniqueName } from '../helpers.ts'

interface PageChart {
  id: string
  title: string
  yUnit: string
  xTicks: number
  noDataChart: boolean
  emptyInLegend: string[]
  series: Array<{ name: string, kind: string, samples: number, polylinePoints: number, max: number, references: number }>
}

// Runs inside the page; a string, so that nothing of this file's compiled output travels along.
const READ_CHARTS = `[...document.querySelectorAll('figure.chart')].map((figure) => ({
  id: figure.dataset.chart,
  title: figure.querySelector('.chart-title')?.textContent ?? '',
  yUnit: figure.querySelector('.y-unit')?.textContent ?? '',
  xTicks: figure.querySelectorAll('.x-tick').length,
  noDataChart: figure.querySelector('[data-no-data="chart"]') !== null,
  emptyInLegend: [...figure.querySelectorAll('.legend-item[data-no-data]')].map((item) => item.dataset.series),
  series: [...figure.querySelectorAll('g.series')].map((group) => ({
    name: group.dataset.series,
    kind: group.dataset.kind,
    samples: Number(group.dataset.samples),
    polylinePoints: Math.max(0, ...[...group.querySelectorAll('polyline')].map((line) => line.points.numberOfItems)),
    max: Number(group.dataset.max),
    references: group.querySelectorAll('line.reference').length,
  })),
}))`

const READ_THRESHOLDS = `({
  verdict: document.body.dataset.verdict,
  badge: document.querySelector('.verdict')?.textContent ?? '',
  runId: document.querySelector('[data-fact="run id"]')?.textContent ?? '',
  script: document.querySelector('[data-fact="script"]')?.textContent ?? '',
  rows: [...document.querySelectorAll('table.thresholds tbody tr')].map((row) => ({
    metric: row.dataset.metric, expression: row.dataset.threshold, ok: row.dataset.ok === 'true',
    result: row.querySelector('td.result')?.textContent ?? '',
  })),
})`

/** Width and height from a PNG's IHDR chunk. */
function pngSize (png: Buffer): { width: number, height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

const REQUIRED: Record<string, string[]> = {
  throughput: ['load produce rate', 'processor processed rate'],
  lag: ['total lag'],
  batch: ['p50', 'p99'],
  latency: ['processor p95', 'processor p99'],
}

test('the main job writes a run report whose charts, thresholds and verdict show that run', { timeout: 150_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'spate-report-test-'))
  const topic = uniqueName('report')
  const runId = uniqueName('report-run')
  let passed = false
  t.after(async () => {
    const admin = new Admin({ clientId: 'spate-test', bootstrapBrokers: stack.kafkaBrokers() })
    await admin.deleteTopics({ topics: [topic, `${topic}-dlq`] }).catch(() => {})
    await admin.close()
    // A failed run's report, summary and screenshot stay for a look.
    if (passed) await rm(dir, { recursive: true, force: true })
    else t.diagnostic(`report files kept in ${dir}`)
  })

  const started = Date.now()
  const job = await run(process.execPath, ['--import', 'tsx', 'build/run-pipeline.ts', 'scripts/spike.ts'], {
    env: {
      SPATE_TOPIC: topic,
      SPATE_RUN_ID: runId,
      SPATE_REPORT_DIR: dir,
      SPATE_PARTITIONS: '3',
      SPATE_RATE: '500',
      // Long enough for four or more scrapes of the processor (every 5 s), so that each of its
      // rates has two points or more.
      SPATE_SPIKE_BASE_DURATION: '5s',
      SPATE_SPIKE_DURATION: '3s',
      SPATE_SPIKE_MULTIPLIER: '4',
      SPATE_VERIFY_TIMEOUT: '40',
      SPATE_LAG_INTERVAL: '0.5',
      SPATE_WINDOW_SIZE: '2s',
      SPATE_WINDOW_ALLOWED_LATENESS: '1s',
      SPATE_WINDOW_IDLE_TIMEOUT: '1s',
      SPATE_PROMETHEUS_URL: stack.prometheusUrl(),
    },
    timeoutMs: 120_000,
  })
  t.diagnostic(`main job: exit ${job.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`)
  assert.equal(job.code, 0, job.stderr.slice(-4000))
  const reportPath = join(dir, `run-${runId}.html`)
  assert.ok(job.stderr.includes(`run report: ${reportPath}`), `the main job names its report:\n${job.stderr.slice(-3000)}`)
  assert.ok(existsSync(reportPath))
  const html = await readFile(reportPath, 'utf8')
  // Self-contained: no script, stylesheet, image or font from anywhere.
  assert.doesNotMatch(html, /<script|<link|<img|@import|url\(/i)

  const summary = JSON.parse(await readFile(join(dir, 'k6-summary.json'), 'utf8')) as { metrics: Record<string, { thresholds?: Record<string, { ok: boolean }> }> }
  const expected = Object.entries(summary.metrics)
    .flatMap(([metric, m]) => Object.entries(m.thresholds ?? {}).map(([expression, r]) => ({ metric, expression, ok: r.ok })))
    .sort((a, b) => `${a.metric} ${a.expression}`.localeCompare(`${b.metric} ${b.expression}`))
  assert.ok(expected.length >= 10, 'the spike run has its producer, pipeline, keeps-up and batch thresholds')

  const browser = await launchChromium()
  t.after(browser.close)
  const page = await browser.context.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`) })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('request', (request) => { if (!request.url().startsWith('file:')) problems.push(`request: ${request.url()}`) })
  await page.goto(pathToFileURL(reportPath).href)

  const header = await page.evaluate(READ_THRESHOLDS) as { verdict: string, badge: string, runId: string, script: string, rows: Array<{ metric: string, expression: string, ok: boolean, result: string }> }
  assert.equal(header.runId, runId)
  assert.equal(header.script, 'scripts/spike.ts')
  const verdict = expected.every((e) => e.ok) ? 'passed' : 'threshold breached'
  assert.equal(header.verdict, verdict)
  assert.equal(header.badge, verdict)
  const rows = header.rows.sort((a, b) => `${a.metric} ${a.expression}`.localeCompare(`${b.metric} ${b.expression}`))
  assert.deepEqual(rows.map(({ metric, expression, ok }) => ({ metric, expression, ok })), expected)
  for (const row of rows) assert.match(row.result, row.ok ? /held/ : /breached/)

  const charts = await page.evaluate(READ_CHARTS) as PageChart[]
  assert.deepEqual(charts.map((c) => c.id), ['throughput', 'lag', 'batch', 'latency'])
  for (const chart of charts) {
    assert.ok(chart.title.length > 0, `${chart.id}: a title`)
    assert.ok(chart.yUnit.length > 0, `${chart.id}: a unit on the y axis`)
    assert.ok(chart.xTicks >= 2, `${chart.id}: time labels`)
    assert.equal(chart.noDataChart, false, `${chart.id}: drawn, not "no data"`)
    for (const name of REQUIRED[chart.id] ?? []) {
      const series = chart.series.find((s) => s.name === name)
      assert.ok(series, `${chart.id}: series ${name}`)
      assert.ok(series.polylinePoints >= 2, `${chart.id}/${name}: a line of at least 2 points, got ${series.polylinePoints} (${series.samples} samples)`)
      assert.ok(!chart.emptyInLegend.includes(name), `${chart.id}/${name}: not "no data" in the legend`)
    }
  }
  const byName = (id: string, name: string) => charts.find((c) => c.id === id)?.series.find((s) => s.name === name)
  // The spike goes from 500 to 2000 messages/s: the produce rate shows more than the base rate
  // and never more than the peak (with room for one short push interval).
  const produceMax = byName('throughput', 'load produce rate')?.max ?? NaN
  assert.ok(produceMax > 600 && produceMax < 2600, `load produce rate peaks at ${produceMax} records/s`)
  assert.ok((byName('throughput', 'processor processed rate')?.max ?? 0) > 600)
  // The load run's own end-to-end percentiles of the whole run, as reference lines.
  for (const name of ['load verified p95 (whole run)', 'load verified p99 (whole run)']) {
    assert.equal(byName('latency', name)?.references, 1, `${name} is drawn`)
  }

  // The screenshot and the report stay in reports/test/ (a CI artifact), whatever the outcome.
  const keep = join(root, 'reports', 'test')
  await mkdir(keep, { recursive: true })
  await copyFile(reportPath, join(keep, 'run-report.html'))
  const screenshot = join(keep, 'run-report.png')
  await page.screenshot({ path: screenshot, fullPage: true })
  const png = await readFile(screenshot)
  const size = pngSize(png)
  assert.ok(png.length > 50_000, `the screenshot has content (${png.length} bytes)`)
  assert.ok(size.width >= 1000 && size.height > 2000, `the full page is captured (${size.width}x${size.height})`)
  assert.deepEqual(problems, [])
  t.diagnostic(`report ${reportPath}, screenshot ${screenshot} (${size.width}x${size.height}, ${png.length} bytes)`)
  passed = true
})

test('a report for a run id Prometheus has no data of fails with one line and writes nothing', { timeout: 30_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'spate-report-test-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const runId = uniqueName('no-such-run')
  const out = join(dir, 'report.html')
  const result = await run(process.execPath, ['--import', 'tsx', 'report/cli.ts', runId, '--out', out, '--summary', join(dir, 'k6-summary.json')], {
    env: { SPATE_PROMETHEUS_URL: stack.prometheusUrl() },
    timeoutMs: 25_000,
  })
  assert.equal(result.code, 1, result.stderr)
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('[spate] error:'))
  assert.equal(errors.length, 1, result.stderr)
  assert.match(errors[0] as string, new RegExp(`^\\[spate\\] error: no data for run id ${runId}: Prometheus at \\S+ has no load samples with testid="${runId}"`))
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
  assert.equal(result.stdout, '')
  assert.equal(existsSync(out), false, 'no blank report')
})

test('an unreachable Prometheus is named with the fix, in one line', { timeout: 30_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'spate-report-test-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const url = `http://127.0.0.1:${await freePort()}`
  const out = join(dir, 'report.html')
  const result = await run(process.execPath, ['--import', 'tsx', 'report/cli.ts', 'main-abc', '--out', out], {
    env: { SPATE_PROMETHEUS_URL: url },
    timeoutMs: 25_000,
  })
  assert.equal(result.code, 1, result.stderr)
  assert.match(result.stderr, new RegExp(`^\\[spate\\] error: Prometheus at ${url} is not reachable \\(ECONNREFUSED\\); start the local stack with \`task up\``, 'm'))
  assert.doesNotMatch(result.stderr, /\n\s+at /)
  assert.equal(existsSync(out), false)
})

test('a chart without samples says "no data" instead of staying blank', async () => {
  const chart: Chart = {
    id: 'lag', title: 'Consumer lag', caption: '', unit: 'records', from: 1000, to: 1060, step: 5,
    emptyHint: 'no processor scrapes', queries: [],
    series: [{ name: 'total lag', points: [{ t: 1010, v: NaN }], color: '#111' }],
  }
  const empty = renderChart(chart)
  assert.match(empty, /data-no-data="chart"/)
  assert.match(empty, />no data</)
  assert.match(empty, /total lag: no data/)
  assert.doesNotMatch(empty, /<polyline/)

  // One series with samples, one without: the chart is drawn and the empty one named.
  const half = renderChart({
    ...chart,
    series: [
      { name: 'load produce rate', points: [{ t: 1010, v: 500 }, { t: 1015, v: 2000 }, { t: 1020, v: 500 }], color: '#1f77b4' },
      { name: 'processor processed rate', points: [], color: '#ff7f0e' },
    ],
  })
  assert.doesNotMatch(half, /data-no-data="chart"/)
  assert.match(half, /<polyline[^>]* points="[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+"/)
  assert.match(half, /data-series="processor processed rate" data-no-data="series"/)
  assert.match(half, /processor processed rate: no data/)
})
