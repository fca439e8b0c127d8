// The load scripts (scripts/*.ts) run by spate's engine against the real broker.
import assert from 'node:assert/strict'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { readTopic, run, stack, uniqueName } from '../helpers.ts'

const spate = 'spate'

test('the smoke script writes exactly N messages, which a consumer counts back', { timeout: 120_000 }, async () => {
  const topic = uniqueName('load-count')
  const iterations = 7
  const batch = 13
  const expected = iterations * batch
  const result = await run(spate, ['run', '--quiet', '--no-summary', '--iterations', String(iterations), '--vus', '2', 'scripts/smoke.ts'], {
    // This test counts records; its 7 produce calls are too few for latency percentiles (the first
    // call into a topic created a moment ago waits for partition leaders), so those limits are wide.
    env: { SPATE_TOPIC: topic, SPATE_BATCH: String(batch), SPATE_RUN_ID: topic, SPATE_VERIFY: 'off', SPATE_MAX_WRITE_P95_MS: '30000', SPATE_MAX_WRITE_P99_MS: '30000' },
  })
  assert.equal(result.code, 0, result.stdout + result.stderr)

  const records = await readTopic(topic, { expected })
  const seqs = records.map((record) => {
    const body = JSON.parse(record.value) as { runId: string, seq: number, key: string }
    assert.equal(body.runId, topic)
    assert.equal(record.key, body.key)
    return body.seq
  })
  assert.equal(seqs.length, expected, `consumed ${seqs.length} messages, spate wrote ${expected}`)
  assert.deepEqual([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: expected }, (_, i) => i))
})

test('a breached threshold makes spate exit with 99 and shows as a failed JUnit case', { timeout: 60_000 }, async () => {
  const reports = await mkdtemp(join(tmpdir(), 'spate-reports-'))
  const result = await run(spate, ['run', '--quiet', '--iterations', '3', '--vus', '1', 'scripts/smoke.ts'], {
    env: { SPATE_TOPIC: uniqueName('load-breach'), SPATE_MAX_WRITE_P99_MS: '0', SPATE_VERIFY: 'off', SPATE_REPORT_DIR: reports },
  })
  assert.equal(result.code, 99, result.stdout + result.stderr)
  assert.match(result.stdout + result.stderr, /thresholds on metrics 'kafka_writer_write_seconds' have been crossed/)
  assert.match(result.stdout, /✗ 'p\(99\)<0'/)

  const junit = await readFile(join(reports, 'k6-junit.xml'), 'utf8')
  const cases = [...junit.matchAll(/<testcase classname="spate\.smoke" name="([^"]+)"(\/>|><failure)/g)].map((m) => [m[1], m[2] === '/>' ? 'pass' : 'fail'])
  assert.deepEqual(cases.sort(), [
    ['dropped_iterations: count==0', 'pass'],
    ['iteration_start_delay: p(99)&lt;1000', 'pass'],
    ['kafka_writer_error_count: count==0', 'pass'],
    ['kafka_writer_write_seconds: p(95)&lt;1000', 'pass'],
    ['kafka_writer_write_seconds: p(99)&lt;0', 'fail'],
  ])
  assert.match(junit, /<testsuite name="spate\.smoke" tests="5" failures="1"/)
  const summary = JSON.parse(await readFile(join(reports, 'k6-summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }
  assert.equal(summary.metrics.kafka_writer_message_count?.values.count, 30)
})

test('unreachable brokers stop the run in setup with a message naming them', { timeout: 60_000 }, async () => {
  const result = await run(spate, ['run', '--quiet', '--iterations', '1', 'scripts/smoke.ts'], {
    env: { SPATE_KAFKA_BROKERS: '127.0.0.1:1', SPATE_TOPIC: uniqueName('load-unreachable') },
  })
  assert.equal(result.code, 108, result.stderr) // test.abort(): setup stopped the run before any load
  assert.match(result.stderr, /^spate: error: test aborted: kafka: cannot reach brokers 127\.0\.0\.1:1 \(.*\); check the broker list$/m)
})

// Each load shape, shrunk to a few seconds, against the real broker.
const shapes: Array<[script: string, env: Record<string, string>]> = [
  ['steady', { SPATE_DURATION: '3s' }],
  ['ramp', { SPATE_RAMP_STEPS: '2', SPATE_RAMP_STEP_DURATION: '1s' }],
  ['spike', { SPATE_SPIKE_BASE_DURATION: '1s', SPATE_SPIKE_DURATION: '1s', SPATE_SPIKE_MULTIPLIER: '3' }],
  ['soak', { SPATE_DURATION: '3s' }],
]
for (const [script, env] of shapes) {
  test(`scripts/${script}.ts produces into Kafka and passes its producer thresholds`, { timeout: 60_000 }, async () => {
    const topic = uniqueName(`load-${script}`)
    const result = await run(spate, ['run', '--quiet', `scripts/${script}.ts`], {
      env: { ...env, SPATE_TOPIC: topic, SPATE_RATE: '300', SPATE_PARTITIONS: '3', SPATE_SCHEMA: script === 'spike' ? 'complex' : 'medium', SPATE_VERIFY: 'off' },
    })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const produced = Number(/kafka_writer_message_count\.*: (\d+)/.exec(result.stdout)?.[1])
    assert.ok(produced > 0, `no messages counted:\n${result.stdout}`)
    const records = await readTopic(topic, { expected: produced, quietMs: 500 })
    assert.equal(records.length, produced)
  })
}

test('bad environment input stops the run before anything is produced, with one line naming the variable', { timeout: 60_000 }, async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ SPATE_RATE: '-5' }, 'SPATE_RATE="-5" is invalid: must be a number from 1 to 10000000'],
    [{ SPATE_SCHEMA: 'xml' }, 'SPATE_SCHEMA="xml" is invalid: must be one of basic, medium, complex'],
    [{ SPATE_KAFKA_BROKERS: 'localhost' }, 'SPATE_KAFKA_BROKERS="localhost" is invalid: must be a comma-separated list of host:port'],
    [{ SPATE_DURATION: 'ten seconds' }, 'SPATE_DURATION="ten seconds" is invalid: must be a duration such as 500ms, 30s, 2m or 1h30m'],
  ]
  for (const [env, message] of cases) {
    const topic = uniqueName('load-bad-env')
    const result = await run(spate, ['run', '--quiet', 'scripts/steady.ts'], { env: { ...env, SPATE_TOPIC: topic } })
    assert.equal(result.code, 108, `${JSON.stringify(env)}: ${result.stderr}`)
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('spate: error:'))
    assert.deepEqual(errors, [`spate: error: test aborted: ${message}`])
    assert.equal((await listTopics()).includes(topic), false, 'setup stopped before creating the topic, so nothing was produced')
  }
})

async function listTopics (): Promise<string[]> {
  const admin = new Admin({ clientId: 'spate-test', bootstrapBrokers: stack.kafkaBrokers() })
  try {
    return await admin.listTopics()
  } finally {
    await admin.close()
  }
}
