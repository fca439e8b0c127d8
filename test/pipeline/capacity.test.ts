// Capacity search on the local stack: `spate capacity` runs short steps of scripts/steady.ts
// through spate's processor, each judged by the script's own gates (records verified in Redis,
// latency SLO, keeps-up), converges, prints the table and writes the chart.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { isolate, processorArgs, startProcessor } from '../../processor/test/helpers.ts'
import { freePort, run } from '../helpers.ts'

test('a short capacity search through the running processor converges and prints its table', { timeout: 300_000 }, async (t) => {
  const iso = await isolate(t, 6)
  const processor = await startProcessor(t, iso, ['--window.size=2s', '--window.allowedLateness=1s', '--window.idleTimeout=1s', '--checkpoint.interval=500ms'])
  const dir = await mkdtemp(join(tmpdir(), 'spate-capacity-'))
  // 500 -> 1000 -> 2000 msg/s, or a bisection after a failure: with a precision of 0.5 every
  // path ends within 4 steps.
  const result = await run('spate', [
    'capacity', '--label', 'processor x1', '--start-rate', '500', '--min-rate', '250', '--max-rate', '2000',
    '--precision', '0.5', '--max-steps', '4', '--step-duration', '3s', '--cooldown', '1s', '--dir', dir,
    '-e', `SPATE_TOPIC=${iso.topic}`, '-e', `SPATE_DLQ_TOPIC=${iso.dlqTopic}`,
    '-e', `SPATE_SINK_PREFIX=${iso.prefix}`, '-e', 'SPATE_VERIFY_TIMEOUT=30',
    // A 3 s step gives the keeps-up gate 3 lag samples of a 2 s windowed sawtooth: too few to
    // judge a slope within 1%, so this short search leaves it out (an empty group skips it) and
    // judges steps by the sink (every record verified, none lost or duplicated) and latency.
    '-e', 'SPATE_CONSUMER_GROUP=',
    // The generator shares 2 cores with Kafka and the processor here: let its first
    // iterations start late without failing the step (its own gate, not the pipeline's).
    '-e', 'SPATE_MAX_START_DELAY_P99_MS=1000',
    '-e', `SPATE_PROCESSOR_METRICS_URL=http://127.0.0.1:${processor.port}/metrics`,
    'scripts/steady.ts',
  ], { timeoutMs: 280_000 })
  assert.equal(result.code, 0, result.stdout + result.stderr + processor.output())
  t.diagnostic(result.stdout)
  const rows = result.stdout.split('\n').filter((line) => line.startsWith('| processor x1 |'))
  assert.ok(rows.length >= 2 && rows.length <= 4, `2 to 4 steps:\n${result.stdout}`)
  assert.match(rows[0] ?? '', /^\| processor x1 \| 1 \| ramp \| 500 \| \d+ \| [\dms.]+ \| [\d.]+ m?s \| (pass|FAIL: [a-z_, ]+) \|$/)
  assert.match(result.stdout, /processor x1: sustained [\d,]+ msg\/s \(([\d.]+ million|[\d,]+) records per hour, 1M records in \S+, p99 end-to-end [\d.]+ m?s\)/)
  assert.doesNotMatch(result.stdout, /step budget ran out/, 'the search converged within its steps')
  // A passing step verified every record it produced in the sink.
  const passed = rows.findIndex((row) => row.endsWith('| pass |')) + 1
  const summary = JSON.parse(await readFile(join(dir, `step-${passed}`, 'k6-summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }
  assert.equal(summary.metrics.spate_records_verified?.values.count, summary.metrics.kafka_writer_message_count?.values.count)
  assert.ok((summary.metrics.spate_records_verified?.values.count ?? 0) >= 250 * 3)
  const html = await readFile(join(dir, 'capacity.html'), 'utf8')
  assert.match(html, /<svg[^>]*aria-label="capacity search"/)
  assert.equal((await readdir(dir)).filter((name) => name.startsWith('step-')).length, rows.length)
})

test('for a target rate it starts each configuration in turn and stops at the first that sustains it', { timeout: 300_000 }, async (t) => {
  const iso = await isolate(t, 6)
  const elsewhere = await isolate(t, 1)
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'spate-capacity-'))
  const processor = (topic: string) => ['node', '--import', 'tsx', 'processor/src/main.ts',
    ...processorArgs({ ...iso, topic }, [`--metrics.port=${port}`, '--window.size=2s', '--window.allowedLateness=1s', '--window.idleTimeout=1s', '--checkpoint.interval=500ms'])].join(' ')
  // The first configuration consumes another topic, so it sustains nothing: the search must
  // fail it on the sink checks, stop it, and go on to the one that works.
  const result = await run('spate', [
    'capacity', '--target', '500', '--step-duration', '3s', '--cooldown', '1s', '--dir', dir,
    '--pipeline', `wrong topic=${processor(elsewhere.topic)}`, '--pipeline', `processor x1=${processor(iso.topic)}`,
    '--ready-url', `http://127.0.0.1:${port}/readyz`,
    '-e', `SPATE_TOPIC=${iso.topic}`, '-e', `SPATE_DLQ_TOPIC=${iso.dlqTopic}`, '-e', `SPATE_SINK_PREFIX=${iso.prefix}`,
    '-e', 'SPATE_VERIFY_TIMEOUT=15', '-e', 'SPATE_CONSUMER_GROUP=', '-e', 'SPATE_MAX_START_DELAY_P99_MS=1000',
    'scripts/steady.ts',
  ], { timeoutMs: 280_000 })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /^\| wrong topic \| 500 \| \d+ \| \S+ \| \S+( s| ms)? \| FAIL: [a-z_, ]*spate_records_lost[a-z_, ]* \|$/m)
  assert.match(result.stdout, /^\| processor x1 \| 500 \| \d+ \| \S+ \| [\d.]+ m?s \| pass \|$/m)
  assert.match(result.stdout, /fewest: processor x1 sustains 500 msg\/s/)
  // Both configurations were stopped: nothing answers on their port any more.
  const stillUp = await fetch(`http://127.0.0.1:${port}/readyz`).then(() => true, () => false)
  assert.equal(stillUp, false, 'a configuration was left running')
})
