// Dynamic allocation end to end: the supervisor (processor/src/autoscale) runs the processor on a
// 6-partition topic with min 1, max 3 instances; spate drives a ramp, then a spike, each past
// what the processor may consume; instances follow the lag up and back down to min, and both
// runs' ledgers show 0 lost, 0 duplicated.
//
// Lag builds on purpose, not by the machine's speed: each partition is capped at 10 records/s
// (backpressure.maxRatePerPartition), so the group consumes at most 60 records/s however many
// instances share the partitions, and both load shapes offer more than that for a while.
// After each rebalance the instances read their partitions again from the committed offsets and
// skip what they had done, and the rate cap counts those records too (docs/scale-out.md): the
// drain after each load takes longer than its lag alone, hence the verify timeout.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { isolate, processorArgs, sleep } from '../../processor/test/helpers.ts'
import { alive, freePort, root, run, uniqueName } from '../helpers.ts'

const PARTITIONS = 6
const PER_PARTITION = 10

interface ScaleEvent { at: number, from: number, to: number, lag: number, reason: string }

function summaryCount (stdout: string, metric: string): number {
  return Number(new RegExp(`${metric}\\.*: (\\d+)`).exec(stdout)?.[1] ?? NaN)
}

/** The promise's value, or 'timeout' after ms; the timer never outlives it. */
async function within<T> (promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

test('instances follow the lag of a ramp and a spike up and back down to min, with 0 lost and 0 duplicated across every scale event', { timeout: 330_000 }, async (t) => {
  const iso = await isolate(t, PARTITIONS)
  const metricsPort = await freePort()
  const portBase = await freePort()
  const start = Date.now()
  const since = (at: number): string => `${((at - start) / 1000).toFixed(1).padStart(6)}s`
  const supervisor = spawn(process.execPath, [
    '--import', 'tsx', 'processor/src/autoscale/main.ts',
    '--min-instances=1', '--max-instances=3', '--lag-threshold=100',
    '--backlog-timeout=3s', '--sustained-backlog-timeout=3s', '--idle-timeout=8s', '--poll-interval=500ms', '--stop-timeout=60s',
    `--metrics-port=${metricsPort}`, `--instance-port-base=${portBase}`,
    '--', ...processorArgs(iso, ['--window.size=2s', '--window.allowedLateness=1s', '--window.idleTimeout=1s', '--checkpoint.interval=500ms',
      `--backpressure.maxRatePerPartition=${PER_PARTITION}`]),
  ], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => supervisor.on('exit', (code) => resolve(code)))
  const pids = new Set<number>()
  let sampling = true
  // A failed test still stops everything it started: the supervisor gracefully, then any of its
  // instances left, by PID.
  t.after(async () => {
    sampling = false
    if (supervisor.exitCode === null) {
      supervisor.kill('SIGTERM')
      if (await within(exited, 60_000) === 'timeout') supervisor.kill('SIGKILL')
    }
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL')
  })
  const events: ScaleEvent[] = []
  const log: string[] = []
  const timeline: string[] = []
  createInterface({ input: supervisor.stdout }).on('line', (line) => {
    log.push(line)
    if (!line.startsWith('{')) return
    const entry = JSON.parse(line) as Record<string, unknown>
    const at = Date.parse(String(entry.time))
    if (entry.msg === 'instance started') pids.add(entry.pid as number)
    if (typeof entry.msg === 'string' && entry.msg.startsWith('scale ')) {
      events.push({ at, from: entry.from as number, to: entry.to as number, lag: entry.lag as number, reason: String(entry.reason) })
      timeline.push(`${since(at)}  ${entry.msg} (lag ${entry.lag}): ${entry.reason}`)
    }
    if (['instance exited unexpectedly; restarting it', 'instance ready', 'instance stopped'].includes(String(entry.msg))) {
      timeline.push(`${since(at)}    instance ${entry.instance} (pid ${entry.pid}): ${entry.msg}${entry.code !== undefined ? ` code ${entry.code} signal ${entry.signal}` : ''}`)
    }
  })
  let stderr = ''
  supervisor.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  // The whole log goes to a file for a failure's message; the message shows its end.
  const logFile = join(await mkdtemp(join(tmpdir(), 'spate-autoscale-')), 'supervisor.log')
  const output = (): string => {
    writeFileSync(logFile, log.join('\n') + '\n')
    return `${timeline.join('\n')}\n--- stderr:\n${stderr}\n--- last log lines (all of them in ${logFile}):\n${log.slice(-40).join('\n')}`
  }

  const gauges = async (): Promise<Record<string, number>> => {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text(), () => '')
    const values: Record<string, number> = {}
    for (const match of text.matchAll(/^spate_autoscale_(instances_\w+|consumer_lag_records) (\S+)$/gm)) values[match[1] as string] = Number(match[2])
    return values
  }
  // The instance count through the run, sampled from the supervisor's own metrics.
  const samples: Array<{ at: number, running: number, desired: number, lag: number }> = []
  const sampler = (async () => {
    while (sampling) {
      const g = await gauges()
      if (g.instances_running !== undefined) samples.push({ at: Date.now(), running: g.instances_running, desired: g.instances_desired ?? NaN, lag: g.consumer_lag_records ?? NaN })
      await sleep(500)
    }
  })()
  // A lag that stands still while instances are ready: what the instances say about it goes
  // to the log, so a stall can be told apart from slow consumption.
  const probe = (async () => {
    let last = { lag: -1, since: Date.now() }
    while (sampling) {
      await sleep(5000)
      const now = samples.at(-1)
      if (!now || now.lag !== last.lag || now.lag === 0) {
        last = { lag: now?.lag ?? -1, since: Date.now() }
        continue
      }
      if (Date.now() - last.since < 15_000) continue
      for (let slot = 0; slot < 4; slot++) {
        const text = await fetch(`http://127.0.0.1:${portBase + slot}/metrics`).then((r) => r.text(), () => '')
        const lines = text.split('\n').filter((l) => /^spate_(consumer_lag_records|buffered_records|consumer_paused|open_windows|assigned_partitions)/.test(l))
        if (lines.length > 0) log.push(`probe: lag ${now.lag} unchanged for ${Math.round((Date.now() - last.since) / 1000)} s; instance ${slot}: ${lines.join(' | ')}`)
      }
    }
  })()
  const waitFor = async (what: string, check: (g: Record<string, number>) => boolean, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (supervisor.exitCode !== null) assert.fail(`the supervisor exited with ${supervisor.exitCode} while waiting for ${what}\n${output()}`)
      if (check(await gauges())) return
      await sleep(250)
    }
    assert.fail(`${what}: not within ${timeoutMs / 1000} s\n${output()}`)
  }
  const maxRunning = (from: number, to: number): number => Math.max(0, ...samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.running))

  await waitFor('the first instance ready', (g) => g.instances_ready === 1, 60_000)
  const load = async (script: string, runId: string, env: Record<string, string>) => {
    const from = Date.now()
    timeline.push(`${since(from)}  -- ${script} starts (${runId})`)
    const result = await run('spate', ['run', '--quiet', script], {
      env: {
        SPATE_TOPIC: iso.topic,
        SPATE_DLQ_TOPIC: iso.dlqTopic,
        SPATE_SINK_PREFIX: iso.prefix,
        SPATE_PARTITIONS: String(PARTITIONS),
        SPATE_RUN_ID: runId,
        // Lag is meant to grow here: the keeps-up gate is left out (an empty group skips it).
        SPATE_CONSUMER_GROUP: '',
        SPATE_VERIFY_TIMEOUT: '180',
        // Records wait in the backlog on purpose, and the generator shares 2 cores with up to 3
        // processors: latency and produce-side gates are widened; lost and duplicated stay at 0.
        SPATE_THRESHOLDS: 'smoke',
        SPATE_MAX_E2E_P95_MS: '180000',
        SPATE_MAX_E2E_P99_MS: '180000',
        SPATE_MAX_START_DELAY_P99_MS: '3000',
        SPATE_MAX_WRITE_P95_MS: '3000',
        SPATE_MAX_WRITE_P99_MS: '5000',
        ...env,
      },
      timeoutMs: 240_000,
    })
    timeline.push(`${since(Date.now())}  -- ${script} done: exit ${result.code}`)
    assert.equal(result.code, 0, result.stdout + result.stderr + output())
    const produced = summaryCount(result.stdout, 'kafka_writer_message_count')
    assert.ok(produced > 0)
    assert.equal(summaryCount(result.stdout, 'spate_records_verified'), produced, result.stdout)
    assert.equal(summaryCount(result.stdout, 'spate_records_lost'), 0)
    assert.equal(summaryCount(result.stdout, 'spate_records_duplicated'), 0)
    assert.match(result.stderr, new RegExp(`verify ${runId}: produced ${produced}, in the sink ${produced}, lost 0, duplicated 0`))
    timeline.push(`${since(Date.now())}     ${runId}: produced ${produced}, verified ${produced}, lost 0, duplicated 0`)
    return { from, to: Date.now(), produced }
  }

  // Ramp: 40, 80, 120 msg/s for 6 s each against 60 records/s of consumption.
  const ramp = await load('scripts/ramp.ts', uniqueName('ramp'), { SPATE_RATE: '40', SPATE_RAMP_STEPS: '3', SPATE_RAMP_STEP_DURATION: '6s' })
  assert.ok(events.some((e) => e.at >= ramp.from && e.to > e.from), `a scale-up during the ramp\n${output()}`)
  assert.ok(maxRunning(ramp.from, ramp.to) > 1, `more than one instance ran during the ramp\n${output()}`)
  await waitFor('back to min after the ramp', (g) => g.instances_desired === 1 && g.instances_running === 1, 90_000)
  const afterRamp = Date.now()

  // Spike: 40 msg/s, 160 msg/s for 6 s, 40 msg/s.
  const spike = await load('scripts/spike.ts', uniqueName('spike'), { SPATE_RATE: '40', SPATE_SPIKE_MULTIPLIER: '4', SPATE_SPIKE_BASE_DURATION: '5s', SPATE_SPIKE_DURATION: '6s' })
  assert.ok(events.some((e) => e.at >= afterRamp && e.to > e.from), `a scale-up during the spike\n${output()}`)
  assert.ok(maxRunning(spike.from, spike.to) > 1, `more than one instance ran during the spike\n${output()}`)
  await waitFor('back to min after the spike', (g) => g.instances_desired === 1 && g.instances_running === 1, 90_000)
  sampling = false
  await sampler
  await probe

  // Never above max, never below min; every scale-down came after a full idle timeout.
  const outside = samples.filter((s) => !(s.desired >= 1 && s.desired <= 3))
  assert.deepEqual(outside, [], `desired stayed within 1..3\n${output()}`)
  assert.ok(events.filter((e) => e.to < e.from).every((e) => /idle for (\d+\.\d)s >= idle timeout 8\.0s/.test(e.reason)))
  assert.ok(events.filter((e) => e.to > e.from).every((e) => /backlog for \d+\.\ds >= (backlog timeout|sustained backlog timeout) 3\.0s/.test(e.reason)))

  // Stopping the supervisor stops every instance it started, by PID.
  supervisor.kill('SIGTERM')
  const code = await within(exited, 90_000)
  assert.equal(code, 0, output())
  assert.ok(pids.size >= 3, `instances started: ${[...pids].join(', ')}`)
  for (const pid of pids) assert.ok(!alive(pid), `instance pid ${pid} still runs after the supervisor stopped`)
  writeFileSync(logFile, log.join('\n') + '\n')
  t.diagnostic(`supervisor and instance logs: ${logFile}`)
  t.diagnostic('scale timeline (t from the supervisor\'s start):')
  for (const line of timeline) t.diagnostic(line)
})
