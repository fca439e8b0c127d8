// spate's load engine against k6's documented behaviour: executors, dropped iterations,
// thresholds, the lifecycle, exit codes, summaries, outputs and execution segments. Each test
// runs the real `spate` binary on a small script in test/engine/scripts/.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { root, run, stack, uniqueName } from '../helpers.ts'

const scripts = join(root, 'test', 'engine', 'scripts')
const spate = (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) => run('spate', args, { env, timeoutMs })

interface Point { type: 'Point', metric: string, data: { time: string, value: number, tags: Record<string, string> } }

/** The Point lines of a JSON output file for one metric. */
async function points (file: string, metric: string): Promise<Point[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string, metric: string })
  return lines.filter((l): l is Point => l.type === 'Point' && l.metric === metric)
}

async function tempDir (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'spate-engine-'))
}

interface Summary {
  metrics: Record<string, { type: string, contains: string, values: Record<string, number>, thresholds?: Record<string, { ok: boolean }> }>
  root_group: { name: string, path: string, groups: Array<{ name: string, path: string, groups: unknown[], checks: Array<{ name: string, passes: number, fails: number }> }>, checks: unknown[] }
  options: { summaryTrendStats: string[], summaryTimeUnit?: string }
  state: { testRunDurationMs: number, isStdOutTTY: boolean }
}

test('spate version names the engine and its modules', async () => {
  const result = await spate(['version'])
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stdout, /^spate \S+/)
  for (const m of ['k6', 'k6/execution', 'k6/http', 'k6/metrics', 'k6/x/kafka', 'k6/x/redis']) assert.ok(result.stdout.includes(m), `version lists ${m}: ${result.stdout}`)
})

test('each executor starts iterations on k6\'s schedule', { timeout: 180_000 }, async () => {
  const dir = await tempDir()
  const out = join(dir, 'points.json')
  const result = await spate(['run', '--quiet', '--no-summary', '-o', `json=${out}`, join(scripts, 'executors.js')])
  assert.equal(result.code, 0, result.stderr)
  const starts = await points(out, 'starts')
  const by = (scenario: string) => starts.filter((p) => p.data.tags.scenario === scenario)
  // Exact counts where the executor fixes them.
  assert.equal(by('pvi').length, 12, 'per-vu-iterations: 3 VUs x 4')
  // Scenarios share one VU pool, so which VUs serve a scenario is the pool's choice: 3 of them.
  const perVU = new Map<string, number>()
  for (const p of by('pvi')) perVU.set(p.data.tags.vu ?? '', (perVU.get(p.data.tags.vu ?? '') ?? 0) + 1)
  assert.deepEqual([...perVU.values()], [4, 4, 4], 'per-vu-iterations: each of 3 VUs runs 4')
  assert.equal(by('shared').length, 10, 'shared-iterations: 10 in total')
  // Arrival rates: 20/s for 3 s starts 61 (one at t=0, one at the end boundary), ramping
  // 0 -> 20/s over 2 s then 20/s for 1 s starts the integral, 40.
  const car = by('car')
  assert.ok(car.length >= 60 && car.length <= 61, `constant-arrival-rate started ${car.length}, want 60-61`)
  const t0 = Date.parse(car[0]?.data.time ?? '')
  const perSecond = [0, 0, 0]
  for (const p of car) {
    const s = Math.floor((Date.parse(p.data.time) - t0) / 1000)
    if (s < 3) perSecond[s] = (perSecond[s] ?? 0) + 1
  }
  for (const n of perSecond) assert.ok(n >= 17 && n <= 23, `constant-arrival-rate spreads 20 a second: ${perSecond}`)
  const rar = by('rar')
  assert.ok(rar.length >= 38 && rar.length <= 42, `ramping-arrival-rate started ${rar.length}, want about 40`)
  const r0 = Date.parse(rar[0]?.data.time ?? '')
  const firstSecond = rar.filter((p) => Date.parse(p.data.time) - r0 < 1000).length
  assert.ok(firstSecond < rar.length / 3, `ramping-arrival-rate starts slowly: ${firstSecond} of ${rar.length} in its first second`)
  // Closed models: 2 VUs of 500 ms iterations for 2 s run about 8; ramping-vus reaches 4 VUs.
  const cvus = by('cvus')
  assert.ok(cvus.length >= 6 && cvus.length <= 10, `constant-vus ran ${cvus.length}, want about 8`)
  assert.deepEqual([...new Set(cvus.map((p) => p.data.tags.vu))].length, 2)
  const rvus = new Set(by('rvus').map((p) => p.data.tags.vu))
  assert.equal(rvus.size, 4, `ramping-vus used VUs ${[...rvus]}`)
  // iterationInTest is unique within each scenario.
  for (const s of ['pvi', 'shared', 'car', 'rar', 'cvus', 'rvus']) {
    const its = by(s).map((p) => p.data.tags.it)
    assert.equal(new Set(its).size, its.length, `${s}: iterationInTest repeats`)
  }
})

test('a constant arrival rate with too few VUs counts dropped iterations and breaks its threshold', { timeout: 60_000 }, async () => {
  const dir = await tempDir()
  const result = await spate(['run', '--quiet', '--summary-export', join(dir, 'export.json'), join(scripts, 'dropped.js')])
  assert.equal(result.code, 99, result.stdout + result.stderr)
  const exported = JSON.parse(await readFile(join(dir, 'export.json'), 'utf8')) as { metrics: Record<string, Record<string, unknown>> }
  const dropped = exported.metrics.dropped_iterations as { count: number }
  const iterations = exported.metrics.iterations as { count: number }
  // 101 scheduled, one VU serves about 5 a second of them.
  assert.ok(dropped.count >= 70, `dropped ${dropped.count}`)
  assert.ok(iterations.count >= 5 && iterations.count <= 15, `ran ${iterations.count}`)
  assert.equal(dropped.count + iterations.count >= 95, true, 'every scheduled iteration ran or was dropped')
})

test('every threshold aggregation, operator and sub-metric selector is judged exactly', { timeout: 60_000 }, async () => {
  const dir = await tempDir()
  const result = await spate(['run', '--quiet', '--no-summary', '--summary-export', join(dir, 'export.json'), join(scripts, 'thresholds.js')])
  assert.equal(result.code, 99, result.stdout + result.stderr)
  assert.match(result.stderr, /thresholds on metrics .*have been crossed/)
  const exported = JSON.parse(await readFile(join(dir, 'export.json'), 'utf8')) as { metrics: Record<string, { thresholds?: Record<string, boolean> }> }
  // The export format says, per threshold, whether it failed.
  const failed = (metric: string) => exported.metrics[metric]?.thresholds ?? {}
  assert.deepEqual(failed('t_counter'), { 'count==10': false, 'count>10': true, 'rate>0': false })
  assert.deepEqual(failed('t_gauge'), { 'value===7': false, 'value!=7': true })
  assert.deepEqual(failed('t_rate'), { 'rate==0.25': false, 'rate>=0.5': true })
  assert.deepEqual(failed('t_trend'), { 'avg==50.5': false, 'min==1': false, 'max==100': false, 'med<=51': false, 'p(90)<95': false, 'p(90)>95': true, 'p(99) < 1000': false })
  assert.deepEqual(failed('t_trend{kind:odd}'), { 'max<=99': false, 'max<99': true })
})

test('--no-thresholds runs the same script to exit 0', { timeout: 60_000 }, async () => {
  const result = await spate(['run', '--quiet', '--no-summary', '--no-thresholds', join(scripts, 'thresholds.js')])
  assert.equal(result.code, 0, result.stderr)
})

test('a threshold with abortOnFail stops the run early with 99', { timeout: 60_000 }, async () => {
  const started = Date.now()
  const result = await spate(['run', '--quiet', '--no-summary', join(scripts, 'abort-on-fail.js')])
  assert.equal(result.code, 99, result.stdout + result.stderr)
  assert.ok(Date.now() - started < 30_000, `the 60 s run stopped after ${Date.now() - started} ms`)
})

test('setup data is copied to each VU, teardown gets the original, handleSummary gets k6\'s shape', { timeout: 60_000 }, async () => {
  const dir = await tempDir()
  const out = join(dir, 'points.json')
  const summaryOut = join(dir, 'summary.json')
  const result = await spate(['run', '--quiet', '-o', `json=${out}`, join(scripts, 'lifecycle.js')], { SUMMARY_OUT: summaryOut })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  // Each of the 2 VUs sees n = 2, 3, 4 over its 3 iterations: its own copy, mutated.
  const seen = await points(out, 'seen')
  for (const vu of ['1', '2']) assert.deepEqual(seen.filter((p) => p.data.tags.vu === vu).map((p) => p.data.tags.n).sort(), ['2', '3', '4'])
  assert.match(result.stderr, /teardown data \{"n":1,"from":"setup"\}/)

  const summary = JSON.parse(await readFile(summaryOut, 'utf8')) as Summary
  assert.deepEqual({ type: summary.metrics.iterations?.type, contains: summary.metrics.iterations?.contains, count: summary.metrics.iterations?.values.count }, { type: 'counter', contains: 'default', count: 6 })
  assert.equal(summary.metrics.iteration_duration?.type, 'trend')
  assert.equal(summary.metrics.iteration_duration?.contains, 'time')
  for (const stat of summary.options.summaryTrendStats) assert.equal(typeof summary.metrics.iteration_duration?.values[stat], 'number', `trend stat ${stat}`)
  assert.deepEqual(summary.metrics.checks?.values, { rate: 1, passes: 6, fails: 0 })
  assert.deepEqual(summary.metrics.checks?.thresholds, { 'rate==1': { ok: true } })
  assert.equal(summary.metrics.vus_max?.type, 'gauge')
  const outer = summary.root_group.groups.find((g) => g.name === 'outer')
  const inner = outer?.groups.find((g) => (g as { name: string }).name === 'inner') as Summary['root_group']['groups'][number] | undefined
  assert.equal(inner?.path, '::outer::inner')
  assert.deepEqual(inner?.checks.map((c) => [c.name, c.passes, c.fails]), [['has n', 6, 0]])
  assert.equal(typeof summary.state.testRunDurationMs, 'number')
  assert.equal(summary.state.isStdOutTTY, false)
})

test('exec.test.abort() exits 108 and teardown still runs; in setup it skips teardown', { timeout: 60_000 }, async () => {
  const inIteration = await spate(['run', '--quiet', '--no-summary', join(scripts, 'lifecycle.js')], { ABORT: 'iteration' })
  assert.equal(inIteration.code, 108, inIteration.stderr)
  assert.match(inIteration.stderr, /iteration abort on purpose/)
  assert.match(inIteration.stderr, /teardown data/)
  const inSetup = await spate(['run', '--quiet', '--no-summary', join(scripts, 'lifecycle.js')], { ABORT: 'setup' })
  assert.equal(inSetup.code, 108, inSetup.stderr)
  assert.doesNotMatch(inSetup.stderr, /teardown data/)
})

test('an exception in init code exits 107 with one line naming the file and line', { timeout: 60_000 }, async () => {
  const result = await spate(['run', '--quiet', join(scripts, 'lifecycle.js')], { THROW: 'init' })
  assert.equal(result.code, 107, result.stderr)
  assert.match(result.stderr, /init code failed on purpose/)
  assert.match(result.stderr, /lifecycle\.js:\d+/)
  assert.doesNotMatch(result.stderr, /goroutine|\.go:\d+|panic/)
})

for (const bad of ['executor', 'rate', 'percentile', 'aggregation', 'metric', 'option']) {
  test(`invalid options (${bad}) exit 104 with one line`, { timeout: 60_000 }, async () => {
    const result = await spate(['run', '--quiet', join(scripts, 'bad-options.js')], { BAD: bad })
    assert.equal(result.code, 104, result.stdout + result.stderr)
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('spate: error:'))
    assert.equal(errors.length, 1, result.stderr)
    assert.doesNotMatch(result.stderr, /goroutine|panic/)
  })
}

test('an unknown threshold metric names the closest one', { timeout: 60_000 }, async () => {
  const result = await spate(['run', '--quiet', join(scripts, 'bad-options.js')], { BAD: 'metric' })
  assert.match(result.stderr, /iteratons.*iterations/)
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops the run with 105, teardown runs and the summary is written`, { timeout: 60_000 }, async () => {
    const dir = await tempDir()
    const summaryOut = join(dir, 'summary.json')
    const child = spawn('spate', ['run', '--quiet', join(scripts, 'long.js')], { cwd: root, env: { ...process.env, SUMMARY_OUT: summaryOut }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    await new Promise((resolve) => setTimeout(resolve, 3000))
    child.kill(signal)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(code, 105, stderr)
    assert.match(stderr, /teardown ran/)
    const summary = JSON.parse(await readFile(summaryOut, 'utf8')) as Summary
    assert.ok((summary.metrics.ticks?.values.count ?? 0) > 5, 'the summary holds what ran before the signal')
  })
}

test('JSON output declares each metric once, then one point per sample', { timeout: 60_000 }, async () => {
  const dir = await tempDir()
  const out = join(dir, 'out.json')
  const result = await spate(['run', '--quiet', '--no-summary', '-o', `json=${out}`, join(scripts, 'thresholds.js')])
  assert.equal(result.code, 99, result.stderr)
  const lines = (await readFile(out, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string, metric: string, data: Record<string, unknown> })
  const declared = lines.filter((l) => l.type === 'Metric').map((l) => l.metric)
  assert.equal(new Set(declared).size, declared.length, 'each metric declared once')
  const trend = lines.find((l) => l.type === 'Metric' && l.metric === 't_trend')
  assert.equal(trend?.data.type, 'trend')
  assert.equal(trend?.data.contains, 'time')
  const values = lines.filter((l) => l.type === 'Point' && l.metric === 't_trend').map((l) => l.data.value as number)
  assert.deepEqual(values.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1))
  assert.ok(lines.every((l) => l.type !== 'Point' || declared.indexOf(l.metric) >= 0))
})

test('Prometheus remote write shows the run under k6\'s metric names and its testid', { timeout: 90_000 }, async () => {
  const testid = uniqueName('engine-rw')
  const prometheus = stack.prometheusUrl()
  const result = await spate(['run', '--quiet', '--no-summary', '-o', 'experimental-prometheus-rw', '--tag', `testid=${testid}`, join(scripts, 'lifecycle.js')], {
    K6_PROMETHEUS_RW_SERVER_URL: `${prometheus}/api/v1/write`,
    K6_PROMETHEUS_RW_TREND_STATS: 'p(95),max',
    K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
  })
  assert.equal(result.code, 0, result.stderr)
  const query = async (q: string) => {
    const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(q)}`)
    const body = await response.json() as { data: { result: Array<{ metric: Record<string, string>, value: [number, string] }> } }
    return body.data.result
  }
  const iterations = await query(`k6_iterations_total{testid="${testid}"}`)
  assert.equal(iterations.reduce((s, r) => s + Number(r.value[1]), 0), 6)
  const p95 = await query(`k6_iteration_duration_p95{testid="${testid}"}`)
  assert.ok(p95.length > 0, 'trend stat series k6_iteration_duration_p95')
  assert.ok(Number(p95[0]?.value[1]) < 10, 'time trends are in seconds')
  assert.equal((await query(`k6_checks_rate{testid="${testid}"}`)).length > 0, true)
  assert.equal((await query(`k6_vus_max{testid="${testid}"}`)).length > 0, true)
})

test('two instances with execution segments run exactly what one instance runs', { timeout: 120_000 }, async () => {
  const dir = await tempDir()
  const one = join(dir, 'one.json')
  const halves = [join(dir, 'a.json'), join(dir, 'b.json')]
  const segments = ['0:1/2', '1/2:1']
  // The single instance first, then the two halves together, as two machines would run them.
  const whole = await spate(['run', '--quiet', '--no-summary', '-o', `json=${one}`, join(scripts, 'segments.js')])
  const parts = await Promise.all(segments.map((seg, i) => spate(['run', '--quiet', '--no-summary', '--execution-segment', seg, '--execution-segment-sequence', '0,1/2,1', '-o', `json=${halves[i]}`, join(scripts, 'segments.js')])))
  for (const r of [whole, ...parts]) assert.equal(r?.code, 0, r?.stderr)
  const single = await points(one, 'done')
  const split = [...await points(halves[0] as string, 'done'), ...await points(halves[1] as string, 'done')]
  for (const scenario of ['rate', 'shared', 'pervu']) {
    const a = single.filter((p) => p.data.tags.scenario === scenario)
    const b = split.filter((p) => p.data.tags.scenario === scenario)
    assert.equal(b.length, a.length, `${scenario}: two halves ran ${b.length}, one instance ${a.length}`)
    const its = b.map((p) => Number(p.data.tags.it))
    assert.equal(new Set(its).size, its.length, `${scenario}: an iterationInTest ran twice`)
    // Iteration-numbered executors deal the same numbers out; per-vu-iterations numbers each
    // instance's VUs by their share of the VU striping, so there only uniqueness is promised.
    if (scenario !== 'pervu') assert.deepEqual(its.sort((x, y) => x - y), a.map((p) => Number(p.data.tags.it)).sort((x, y) => x - y), `${scenario}: the same iteration numbers`)
  }
  // VU ids are unique across the instances.
  const vuA = new Set((await points(halves[0] as string, 'done')).map((p) => p.data.tags.vu))
  const vuB = new Set((await points(halves[1] as string, 'done')).map((p) => p.data.tags.vu))
  assert.equal([...vuA].filter((v) => vuB.has(v)).length, 0, `VU idInTest shared: ${[...vuA]} / ${[...vuB]}`)
})
