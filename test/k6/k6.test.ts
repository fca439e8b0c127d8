// The k6 binary spate builds, running the real bundled scripts against the real broker.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readTopic, run, uniqueName } from '../helpers.ts'

const k6 = 'k6'

test('k6 version lists the Kafka and Redis extensions', async () => {
  const result = await run(k6, ['version'])
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stdout, /^k6 v1\.7\.\d/m)
  assert.match(result.stdout, /k6\/x\/kafka/)
  assert.match(result.stdout, /k6\/x\/redis/)
})

test('the smoke script writes exactly N messages, which a consumer counts back', { timeout: 120_000 }, async () => {
  const topic = uniqueName('k6-count')
  const iterations = 7
  const batch = 13
  const expected = iterations * batch
  const result = await run(k6, ['run', '--quiet', '--no-summary', '--iterations', String(iterations), '--vus', '2', 'scripts/smoke.js'], {
    env: { SPATE_TOPIC: topic, SPATE_BATCH: String(batch), SPATE_RUN_ID: topic },
  })
  assert.equal(result.code, 0, result.stdout + result.stderr)

  const records = await readTopic(topic, { expected })
  const seqs = records.map((record) => {
    const body = JSON.parse(record.value) as { runId: string, seq: number, key: string }
    assert.equal(body.runId, topic)
    assert.equal(record.key, body.key)
    return body.seq
  })
  assert.equal(seqs.length, expected, `consumed ${seqs.length} messages, k6 wrote ${expected}`)
  assert.deepEqual([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: expected }, (_, i) => i))
})

test('a breached threshold makes k6 exit with 99', { timeout: 60_000 }, async () => {
  const result = await run(k6, ['run', '--quiet', '--iterations', '3', '--vus', '1', 'scripts/smoke.js'], {
    env: { SPATE_TOPIC: uniqueName('k6-breach'), SPATE_MAX_WRITE_P99_MS: '0' },
  })
  assert.equal(result.code, 99, result.stdout + result.stderr)
  assert.match(result.stdout + result.stderr, /thresholds on metrics 'kafka_writer_write_seconds' have been crossed/)
})

test('unreachable brokers stop the run in setup with a message naming them', { timeout: 60_000 }, async () => {
  const result = await run(k6, ['run', '--quiet', '--iterations', '1', 'scripts/smoke.js'], {
    env: { SPATE_KAFKA_BROKERS: '127.0.0.1:1', SPATE_TOPIC: uniqueName('k6-unreachable') },
  })
  assert.equal(result.code, 108, result.stderr) // test.abort(): setup stopped the run before any load
  assert.match(result.stderr, /test aborted: kafka: cannot reach brokers 127\.0\.0\.1:1 \(.*\); check the broker list"/)
})
