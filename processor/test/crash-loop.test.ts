// The processor under faults, end to end: seeded random kill -9 of the processor, kill -9 and a
// clean SIGTERM right after the last record (windows still open, in the idle timeout), Redis
// kill -9, a Kafka broker restart and an S3 outage, each followed by recovery without a manual
// restart of anything but what was killed. Then every window value and the ledger are exact.
// The crash loop runs once with the pipeline on the main thread (workers=1) and once with two
// worker threads, each a member of the group with its own partitions (workers=2).
// The seed is printed; SPATE_CHAOS_SEED=<seed> replays a run. `task chaos` is the long version.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runChaos, table, type ChaosOptions } from './chaos/crash-loop.ts'

const seed = Number(process.env.SPATE_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))

function check (result: Awaited<ReturnType<typeof runChaos>>): void {
  assert.equal(result.lost, 0, `lost records (seed ${result.seed})`)
  assert.equal(result.duplicated, 0, `duplicated records (seed ${result.seed})`)
  assert.deepEqual(result.ledger, result.expected, `ledger totals (seed ${result.seed})`)
  assert.deepEqual(result.wrongWindows.slice(0, 10), [], `window values (seed ${result.seed})`)
  assert.equal(result.deadLetters, 0, `dead letters from clean records (seed ${result.seed})`)
}

test('a crash loop of kill -9 at random moments, then kill -9 and SIGTERM after the last record: exact windows, nothing lost or duplicated', { timeout: 420_000 }, async (t) => {
  const options: ChaosOptions = {
    seed,
    workers: 1,
    records: 200_000,
    partitions: 4,
    faults: ['processor kill -9', 'processor kill -9', 'processor kill -9', 'processor kill -9', 'kill -9 after the last record', 'SIGTERM after the last record'],
    s3OutageMs: 0,
    gapMs: [500, 5000],
    maxRatePerPartition: 8000,
    timeoutMs: 180_000,
    say: (line) => t.diagnostic(line),
  }
  const result = await runChaos(options)
  for (const line of table(result).split('\n')) t.diagnostic(line)
  check(result)
})

test('Redis kill -9, a Kafka broker restart and an S3 outage mid-run: exact windows, nothing lost or duplicated', { timeout: 420_000 }, async (t) => {
  const result = await runChaos({
    seed: seed + 1,
    // Slow enough that every fault lands while records are still flowing.
    records: 60_000,
    partitions: 3,
    faults: ['redis kill -9', 'broker restart', 's3 outage', 'processor kill -9', 'redis kill -9'],
    s3OutageMs: 15_000,
    gapMs: [500, 3000],
    maxRatePerPartition: 700,
    timeoutMs: 180_000,
    say: (line) => t.diagnostic(line),
  })
  for (const line of table(result).split('\n')) t.diagnostic(line)
  check(result)
})

test('the crash loop with two worker threads in the process: exact windows, nothing lost or duplicated', { timeout: 420_000 }, async (t) => {
  const result = await runChaos({
    seed: seed + 2,
    workers: 2,
    records: 120_000,
    partitions: 4,
    faults: ['processor kill -9', 'processor kill -9', 'processor kill -9', 'kill -9 after the last record', 'SIGTERM after the last record'],
    s3OutageMs: 0,
    gapMs: [500, 4000],
    maxRatePerPartition: 8000,
    timeoutMs: 180_000,
    say: (line) => t.diagnostic(line),
  })
  for (const line of table(result).split('\n')) t.diagnostic(line)
  check(result)
})
