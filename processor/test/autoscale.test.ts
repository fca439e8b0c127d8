// The autoscaler's parts on their own: Spark's dynamic allocation rules on a fake clock, the
// flags' one-line errors, and the supervisor's handling of child processes by PID (stand-in
// children that ignore SIGTERM or die, so the SIGKILL and restart paths run for real).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OptionsError, parseOptions } from '../src/autoscale/options.ts'
import { Policy, type PolicyOptions } from '../src/autoscale/policy.ts'
import { Supervisor } from '../src/autoscale/supervisor.ts'
import { createLogger } from '../src/log.ts'
import { alive, root, run } from '../../test/helpers.ts'
import { eventually, sleep } from './helpers.ts'

const knobs: PolicyOptions = { minInstances: 1, maxInstances: 8, lagThreshold: 100, backlogTimeoutMs: 5000, sustainedBacklogTimeoutMs: 2000, idleTimeoutMs: 10_000 }

function drive (policy: Policy, samples: Array<[at: number, lag: number]>, partitions = 12, settling = false) {
  return samples.flatMap(([now, lag]) => {
    const d = policy.observe({ now, lag, partitions, settling })
    return d ? [{ at: now, from: d.from, to: d.to, reason: d.reason }] : []
  })
}

test('backlog: the first add after backlogTimeout, then every sustainedBacklogTimeout, 1, 2, 4 at a time, up to what the lag needs', () => {
  const policy = new Policy(knobs, 1)
  // Lag 800 needs 8 instances from t=0 on.
  const events = drive(policy, Array.from({ length: 15 }, (_, i) => [i * 1000, 800] as [number, number]))
  assert.deepEqual(events.map((e) => [e.at, e.from, e.to]), [[5000, 1, 2], [7000, 2, 4], [9000, 4, 8]])
  assert.match(events[0]?.reason ?? '', /^lag 800 needs 8 instances at 100 each; backlog for 5\.0s >= backlog timeout 5\.0s$/)
  assert.match(events[1]?.reason ?? '', /sustained backlog timeout 2\.0s since the last add/)
})

test('a backlog that clears before the timeout adds nothing, and the step starts again from 1', () => {
  const policy = new Policy(knobs, 1)
  assert.deepEqual(drive(policy, [[0, 500], [4000, 500], [4500, 50], [5000, 500], [9000, 500]]), [])
  const events = drive(policy, [[10_000, 500], [12_000, 500]])
  assert.deepEqual(events.map((e) => [e.at, e.from, e.to]), [[10_000, 1, 2], [12_000, 2, 4]])
})

test('never above max, the partition count or what the lag needs; never below min', () => {
  const capped = new Policy({ ...knobs, maxInstances: 3 }, 1)
  const up = drive(capped, Array.from({ length: 30 }, (_, i) => [i * 1000, 1_000_000] as [number, number]))
  assert.equal(capped.target, 3)
  assert.ok(up.every((e) => e.to <= 3))
  const few = new Policy(knobs, 1)
  drive(few, Array.from({ length: 30 }, (_, i) => [i * 1000, 1_000_000] as [number, number]), 2)
  assert.equal(few.target, 2, 'a topic of 2 partitions gives work to 2 instances at most')
  const floor = new Policy({ ...knobs, minInstances: 2 }, 2)
  drive(floor, Array.from({ length: 60 }, (_, i) => [i * 1000, 0] as [number, number]))
  assert.equal(floor.target, 2)
  // Partitions fewer than the running instances: down at once to the partition count.
  const shrink = new Policy(knobs, 6)
  const [event] = drive(shrink, [[0, 0]], 4)
  assert.equal(event?.to, 4)
  assert.match(event?.reason ?? '', /4 partitions/)
})

test('idle: surplus instances go all at once after idleTimeout, down to what the lag needs; a new backlog resets the clock', () => {
  const policy = new Policy(knobs, 4)
  // Lag 150 needs 2: surplus from t=0; a burst at t=6s needs 4 again and resets the idle clock.
  assert.deepEqual(drive(policy, [[0, 150], [5000, 150], [6000, 400], [7000, 150], [16_000, 150]]), [])
  const [event] = drive(policy, [[17_000, 150]])
  assert.deepEqual([event?.from, event?.to], [4, 2])
  assert.match(event?.reason ?? '', /^lag 150 needs only 2 instances at 100 each; idle for 10\.0s >= idle timeout 10\.0s$/)
  // And again a full idle timeout later, to min.
  assert.deepEqual(drive(policy, [[18_000, 0], [27_000, 0]]), [])
  assert.deepEqual(drive(policy, [[28_000, 0]]).map((e) => e.to), [1])
})

test('while instances start or stop the clocks stand still: a rebalance pause is not backlog', () => {
  const policy = new Policy(knobs, 1)
  assert.deepEqual(drive(policy, [[0, 800], [4000, 800]]), [])
  assert.deepEqual(drive(policy, [[5000, 800], [9000, 800]], 12, true), [])
  // Settled again at 10s: a full backlog timeout from there.
  assert.deepEqual(drive(policy, [[10_000, 800], [14_000, 800]]), [])
  assert.deepEqual(drive(policy, [[15_000, 800]]).map((e) => e.to), [2])
})

test('flags: one line naming the flag and the fix', () => {
  const env = { SPATE_S3_ACCESS_KEY_ID: 'id', SPATE_S3_SECRET_ACCESS_KEY: 'secret' }
  const error = (argv: string[]): string => {
    try {
      parseOptions(argv, env)
    } catch (err) {
      assert.ok(err instanceof OptionsError)
      assert.doesNotMatch(err.message, /\n/)
      return err.message
    }
    assert.fail(`expected ${argv.join(' ')} to be refused`)
  }
  assert.match(error(['--max-instanses=3']), /unknown flag --max-instanses; did you mean --max-instances\?/)
  assert.match(error(['--idle-timeout=soon']), /--idle-timeout="soon" is invalid: must be a duration/)
  assert.match(error(['--min-instances=3', '--max-instances=2']), /--min-instances=3 is above --max-instances=2/)
  assert.match(error(['--initial-instances=1', '--min-instances=2']), /--initial-instances=1 is below --min-instances=2/)
  assert.match(error(['--', '--window.siz=2s']), /^processor settings after --: config: unknown flag --window.siz/)
  assert.match(error(['--', '--metrics.port=9000']), /set by the supervisor for each instance; use --instance-port-base/)
  const ok = parseOptions(['--min-instances', '2', '--max-instances=4', '--backlog-timeout=1.5s', '--', '--kafka.topic=t1'], env)
  assert.deepEqual([ok.minInstances, ok.initialInstances, ok.maxInstances, ok.backlogTimeoutMs, ok.sustainedBacklogTimeoutMs, ok.idleTimeoutMs], [2, 2, 4, 1500, 1500, 60_000])
  assert.equal(ok.processor.kafka.topic, 't1')
})

test('the CLI refuses bad flags with one line on stderr and exit 1', async () => {
  const result = await run(process.execPath, ['--import', 'tsx', 'processor/src/autoscale/main.ts', '--max-instances=0'], { cwd: root, timeoutMs: 60_000 })
  assert.equal(result.code, 1)
  assert.equal(result.stderr, 'spate-autoscale: --max-instances="0" is invalid: must be an integer from 1 to 1000\n')
})

/** A child that logs a JSON line, then runs until killed; with ignoreTerm it ignores SIGTERM. */
function standIn (options: { ignoreTerm?: boolean, dieAfterMs?: number } = {}) {
  const script = [
    'process.stdout.write(JSON.stringify({ msg: "up" }) + "\\n")',
    options.ignoreTerm ? 'process.on("SIGTERM", () => {})' : 'process.on("SIGTERM", () => setTimeout(() => process.exit(0), 100))',
    options.dieAfterMs ? `setTimeout(() => process.exit(3), ${options.dieAfterMs})` : '',
    'setInterval(() => {}, 1000)',
  ].join(';')
  return () => ({ file: process.execPath, args: ['-e', script] })
}

function quietLog () {
  const lines: string[] = []
  return { lines, log: createLogger('info', {}, (line) => { lines.push(line) }), out: (line: string) => { lines.push(line) } }
}

test('the supervisor stops instances by PID: SIGTERM, then SIGKILL after the stop timeout', { timeout: 60_000 }, async (t) => {
  const { lines, log, out } = quietLog()
  const stubborn = new Supervisor({ command: standIn({ ignoreTerm: true }), cwd: root, env: process.env, portBase: 1, readyHost: '127.0.0.1', stopTimeoutMs: 1500, log, out })
  t.after(() => stubborn.killAll())
  stubborn.scaleTo(2)
  // Each stand-in has set its SIGTERM handler once it has logged its first line.
  await eventually(async () => lines.filter((l) => l.includes('"msg":"up"')).length === 2, 20_000, () => lines.join(''))
  const pids = stubborn.pids
  assert.equal(pids.length, 2)
  assert.ok(pids.every(alive))
  const started = Date.now()
  await stubborn.stopAll()
  assert.ok(Date.now() - started >= 1400, 'SIGTERM was ignored, so the stop waited for the timeout')
  assert.ok(pids.every((pid) => !alive(pid)), 'both killed')
  assert.equal(lines.filter((l) => l.includes('did not stop within the stop timeout; SIGKILL')).length, 2)
  assert.equal(stubborn.running, 0)

  const polite = new Supervisor({ command: standIn(), cwd: root, env: process.env, portBase: 1, readyHost: '127.0.0.1', stopTimeoutMs: 30_000, log, out })
  t.after(() => polite.killAll())
  polite.scaleTo(3)
  await eventually(async () => lines.filter((l) => l.includes('"msg":"up"')).length === 5, 20_000, () => lines.join(''))
  const three = polite.pids
  polite.scaleTo(1)
  await eventually(async () => polite.running === 1, 20_000, () => lines.join(''))
  assert.deepEqual(polite.pids, [three[0]], 'the newest instances were stopped, the first kept')
  assert.ok(!alive(three[1] as number) && !alive(three[2] as number))
  await polite.stopAll()
  assert.ok(!alive(three[0] as number))
})

test('an instance killed with SIGKILL from outside is logged with the signal and started again', { timeout: 60_000 }, async (t) => {
  const { lines, log, out } = quietLog()
  const supervisor = new Supervisor({ command: standIn(), cwd: root, env: process.env, portBase: 1, readyHost: '127.0.0.1', stopTimeoutMs: 5000, log, out })
  t.after(() => supervisor.killAll())
  supervisor.scaleTo(1)
  await eventually(async () => lines.some((l) => l.includes('"msg":"up"')), 20_000, () => lines.join(''))
  const [pid] = supervisor.pids
  process.kill(pid as number, 'SIGKILL')
  await eventually(async () => supervisor.pids.length === 1 && supervisor.pids[0] !== pid, 20_000, () => lines.join(''))
  assert.match(lines.find((l) => l.includes('exited unexpectedly')) ?? lines.join(''), new RegExp(`"pid":${pid},"code":null,"signal":"SIGKILL"`))
  const [again] = supervisor.pids
  assert.ok(again !== undefined && alive(again), 'a new process runs in the slot')
  await supervisor.stopAll()
  assert.ok(!alive(again))
})

test('an instance that dies on its own is logged and started again in its slot, later and later', { timeout: 60_000 }, async (t) => {
  const { lines, log, out } = quietLog()
  let restarts = 0
  const supervisor = new Supervisor({ command: standIn({ dieAfterMs: 300 }), cwd: root, env: process.env, portBase: 1, readyHost: '127.0.0.1', stopTimeoutMs: 5000, log, out, onRestart: () => { restarts++ } })
  t.after(() => supervisor.killAll())
  supervisor.scaleTo(1)
  // Restarted after 1 s, dies again, restarted after 2 s: the delay grows.
  await eventually(async () => restarts >= 2, 30_000, () => lines.join(''))
  const exits = lines.filter((l) => l.includes('instance exited unexpectedly'))
  assert.match(exits[0] ?? '', /"code":3.*"restartInMs":1000/)
  assert.match(exits[1] ?? '', /"code":3.*"restartInMs":2000/)
  const starts = lines.filter((l) => l.includes('"msg":"instance started"'))
  assert.ok(starts.length >= 2 && starts.every((l) => l.includes('"instance":0')), 'the same slot')
  await supervisor.stopAll()
  assert.equal(supervisor.running, 0)
  await sleep(2500)
  assert.equal(supervisor.running, 0, 'nothing restarted after stopAll')
})
