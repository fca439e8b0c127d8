// The whole pipeline in one spate run: load -> Kafka -> processor -> Redis, gated by the
// end-to-end thresholds that the verify step measures from the sink.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isolate, startProcessor } from '../../processor/test/helpers.ts'
import { run } from '../helpers.ts'

function loadEnv (iso: { topic: string, dlqTopic: string, prefix: string, group: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SPATE_TOPIC: iso.topic,
    SPATE_CONSUMER_GROUP: iso.group,
    SPATE_LAG_INTERVAL: '0.5',
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
  const processor = await startProcessor(t, iso, ['--window.size=2s', '--window.allowedLateness=1s', '--window.idleTimeout=1s', '--checkpoint.interval=500ms'])
  const result = await run('spate', ['run', '--quiet', 'scripts/spike.ts'], {
    env: loadEnv(iso, { SPATE_PROCESSOR_METRICS_URL: `http://127.0.0.1:${processor.port}/metrics` }),
    timeoutMs: 150_000,
  })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const produced = summaryCount(result.stdout, 'kafka_writer_message_count')
  assert.ok(produced > 0)
  assert.equal(summaryCount(result.stdout, 'spate_records_verified'), produced)
  assert.equal(summaryCount(result.stdout, 'spate_records_lost'), 0)
  // The keeps-up and micro-batch checks ran and held.
  assert.match(result.stdout, /spate_lag_slope_ratio\n\s+✓ 'max<0.01'/)
  assert.match(result.stdout, /spate_batch_duration_p99\n\s+✓ 'max<30000'/)
  assert.match(result.stderr, /keeps-up: lag slope -?[\d.]+ records\/s against [\d.]+ offered/)
})

test('with the processor stopped the pipeline thresholds fail: no false pass', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 3)
  const result = await run('spate', ['run', '--quiet', 'scripts/steady.ts'], {
    env: loadEnv(iso, { SPATE_DURATION: '4s', SPATE_VERIFY_TIMEOUT: '5' }),
    timeoutMs: 100_000,
  })
  assert.equal(result.code, 99, result.stdout + result.stderr)
  const produced = summaryCount(result.stdout, 'kafka_writer_message_count')
  assert.ok(produced > 0)
  assert.equal(summaryCount(result.stdout, 'spate_records_lost'), produced)
  assert.match(result.stderr, /thresholds on metrics '.*spate_records_lost.*' have been crossed/)
  // Nothing commits offsets for the group, so its lag grows with every record sent.
  assert.match(result.stdout, /spate_lag_slope_ratio\n\s+✗ 'max<0.01'/)
})
