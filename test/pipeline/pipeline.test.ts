// The whole pipeline in one k6 run: load -> Kafka -> processor -> Redis, gated by the
// end-to-end thresholds that the verify step measures from the sink.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isolate, startProcessor } from '../../processor/test/helpers.ts'
import { run } from '../helpers.ts'

function k6Env (iso: { topic: string, dlqTopic: string, prefix: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SPATE_TOPIC: iso.topic,
    SPATE_DLQ_TOPIC: iso.dlqTopic,
    SPATE_SINK_PREFIX: iso.prefix,
    SPATE_RATE: '500',
    SPATE_SPIKE_BASE_DURATION: '2s',
    SPATE_SPIKE_DURATION: '2s',
    SPATE_SPIKE_MULTIPLIER: '4',
    SPATE_VERIFY_TIMEOUT: '40',
    ...extra,
  }
}

function summaryCount (stdout: string, metric: string): number {
  return Number(new RegExp(`${metric}\\.*: (\\d+)`).exec(stdout)?.[1] ?? NaN)
}

test('a spike through the running processor passes every threshold, verified record by record in Redis', { timeout: 180_000 }, async (t) => {
  const iso = await isolate(t, 6)
  await startProcessor(t, iso, ['--window.size=2s', '--window.allowedLateness=1s', '--window.idleTimeout=1s'])
  const result = await run('k6', ['run', '--quiet', 'scripts/spike.js'], { env: k6Env(iso), timeoutMs: 150_000 })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const produced = summaryCount(result.stdout, 'kafka_writer_message_count')
  assert.ok(produced > 0)
  assert.equal(summaryCount(result.stdout, 'spate_records_verified'), produced)
  assert.equal(summaryCount(result.stdout, 'spate_records_lost'), 0)
})

test('with the processor stopped the pipeline thresholds fail: no false pass', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 3)
  const result = await run('k6', ['run', '--quiet', 'scripts/steady.js'], {
    env: k6Env(iso, { SPATE_DURATION: '2s', SPATE_VERIFY_TIMEOUT: '5' }),
    timeoutMs: 100_000,
  })
  assert.equal(result.code, 99, result.stdout + result.stderr)
  const produced = summaryCount(result.stdout, 'kafka_writer_message_count')
  assert.ok(produced > 0)
  assert.equal(summaryCount(result.stdout, 'spate_records_lost'), produced)
  assert.match(result.stderr, /thresholds on metrics '.*spate_records_lost.*' have been crossed/)
})
