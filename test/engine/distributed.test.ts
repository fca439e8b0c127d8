// Distributed load: two `spate run` instances split one test with execution segments, start
// their scenarios together (--start-at) and `spate merge` turns their summaries into the whole
// test's verdict, with the exact totals a single instance reaches.
import assert from 'node:assert/strict'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { root, run } from '../helpers.ts'

const script = join(root, 'test', 'engine', 'scripts', 'distributed.js')
const spate = (args: string[], env: Record<string, string> = {}) => run('spate', args, { env, timeoutMs: 120_000 })

interface Summary {
  metrics: Record<string, { type: string, values: Record<string, number>, thresholds?: Record<string, { ok: boolean }> }>
  root_group: { checks: Array<{ name: string, passes: number, fails: number }> }
}

const readSummary = async (path: string): Promise<Summary> => JSON.parse(await readFile(path, 'utf8')) as Summary

/** When each instance started its first arrival-rate iteration (ms), from its JSON output. */
async function firstArrival (path: string): Promise<number> {
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (!line) continue
    const p = JSON.parse(line) as { type: string, metric: string, data: { time: string, tags: Record<string, string> } }
    if (p.type === 'Point' && p.metric === 'done' && p.data.tags.scenario === 'rate') return Date.parse(p.data.time)
  }
  throw new Error(`no arrival-rate iteration in ${path}`)
}

test('two instances merged equal one instance: exact totals and the whole test\'s verdict', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spate-distributed-'))
  const single = await spate(['run', '--quiet', script], { SUMMARY: join(dir, 'single.json') })
  assert.equal(single.code, 0, single.stderr)

  // Both instances start their scenarios 4 s from now, after their own setup, like machines
  // started by a Job at slightly different times.
  const startAt = Date.now() + 4000
  const segments = ['0:1/2', '1/2:1']
  const halves = await Promise.all(segments.map((segment, i) => spate([
    'run', '--quiet', '--start-at', String(startAt),
    '--execution-segment', segment, '--execution-segment-sequence', '0,1/2,1',
    '-o', `json=${join(dir, `points-${i}.json`)}`, script,
  ], { SUMMARY: join(dir, `part-${i}.json`) })))
  // Each half alone breaches the whole-test count, so each exits 99: the merge decides.
  for (const h of halves) {
    assert.equal(h.code, 99, h.stderr)
    assert.match(h.stderr, /thresholds on metrics 'done'/)
  }
  for (const i of [0, 1]) {
    const first = await firstArrival(join(dir, `points-${i}.json`))
    assert.ok(first >= startAt - 50 && first - startAt < 500, `instance ${i + 1} started ${first - startAt} ms after --start-at`)
  }

  const merged = await spate(['merge', '--summary', join(dir, 'merged.json'), '--junit', join(dir, 'merged.xml'),
    join(dir, 'part-0.json'), join(dir, 'part-1.json')])
  assert.equal(merged.code, 0, merged.stderr)
  const one = await readSummary(join(dir, 'single.json'))
  const both = await readSummary(join(dir, 'merged.json'))
  for (const counter of ['done', 'iterations', 'dropped_iterations']) {
    assert.equal(both.metrics[counter]?.values.count ?? 0, one.metrics[counter]?.values.count ?? 0, `${counter}: merged vs one instance`)
  }
  assert.equal(both.metrics.done?.values.count, 68)
  assert.equal(both.metrics.checks?.values.passes, one.metrics.checks?.values.passes)
  assert.deepEqual(both.root_group.checks.map((c) => [c.name, c.passes, c.fails]), [['clock is set', 68, 0]])
  for (const [metric, expr] of [['done', 'count>=60'], ['work', 'p(99)<1000'], ['checks', 'rate==1'], ['dropped_iterations', 'count==0']] as const) {
    assert.equal(both.metrics[metric]?.thresholds?.[expr]?.ok, true, `${metric} ${expr} holds on the merged run`)
  }
  const junit = await readFile(join(dir, 'merged.xml'), 'utf8')
  assert.match(junit, /tests="4" failures="0"/)
})

test('spate merge exits 99 when the whole test breaches a threshold', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spate-distributed-'))
  // One instance's summary alone is a whole test that misses the count: the merge of it fails.
  const half = await spate(['run', '--quiet', '--execution-segment', '0:1/2', script], { SUMMARY: join(dir, 'half.json') })
  assert.equal(half.code, 99, half.stderr)
  const merged = await spate(['merge', '--quiet', join(dir, 'half.json')])
  assert.equal(merged.code, 99)
  assert.match(merged.stderr, /^spate: error: thresholds on metrics 'done' have been crossed in the merged run\n$/)
})
