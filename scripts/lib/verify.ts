// The pipeline side of a run, checked inside the same load run (docs/load-scripts.md):
//   - every successful produce call adds its batch to the run's produced ledger, which the engine
//     keeps with exact integers and writes to the sink's Redis about once a second
//     (k6/x/spate's Ledger): <prefix>:produced:<runId> {count, seqSum, seqHash};
//   - after the load, the verify scenario reads the pipeline's ledger (<prefix>:ledger:<runId>:*,
//     docs/sink.md) until it accounts for every produced record or SPATE_VERIFY_TIMEOUT passes,
//     then reports lost, duplicated and mismatched records and the end-to-end latency as
//     metrics, which the thresholds gate on.
// It relies only on what a pipeline writes to the sink, so it checks a Spark or Flink job that
// follows the key layout as well as spate's processor.
import { sleep } from 'k6'
import { Counter, Trend } from 'k6/metrics'
import { Ledger, type LedgerTotals } from 'k6/x/spate'
import { ledgerPattern } from '../../contract/sink-keys.ts'
import type { EnvReader } from './config.ts'

export interface VerifyConfig {
  enabled: boolean
  redisUrl: string
  prefix: string
  timeoutSeconds: number
}

export function readVerifyConfig (read: EnvReader): VerifyConfig {
  return {
    enabled: read.oneOf('SPATE_VERIFY', 'on', ['on', 'off']) === 'on',
    redisUrl: read.string('SPATE_REDIS_URL', 'redis://127.0.0.1:16379', /^rediss?:\/\/\S+$/, 'redis://host:port or rediss://host:port'),
    prefix: read.string('SPATE_SINK_PREFIX', 'spate', /^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits, : _ . -'),
    timeoutSeconds: read.number('SPATE_VERIFY_TIMEOUT', 60, { min: 1, max: 3600 }),
  }
}

const lost = new Counter('spate_records_lost')
const duplicated = new Counter('spate_records_duplicated')
const mismatched = new Counter('spate_records_mismatched')
const verified = new Counter('spate_records_verified')
const latency = new Trend('spate_end_to_end_latency', true)

/** Counts past 2^53 arrive as decimal strings; the verdict compares them exactly as BigInts. */
function big (n: number | string): bigint {
  return BigInt(n)
}

function sameRecords (a: LedgerTotals, b: LedgerTotals): boolean {
  return big(a.count) === big(b.count) && a.seqSum === b.seqSum && a.seqHash === b.seqHash
}

/** Waits for the sink to account for every produced record, then reports what it found. */
export async function verifyRun (config: VerifyConfig, runId: string): Promise<void> {
  const ledger = new Ledger({ redisUrl: config.redisUrl, prefix: config.prefix, runId })
  const deadline = Date.now() + config.timeoutSeconds * 1000
  let produced = await ledger.produced()
  let sink = await ledger.sinkTotals(ledgerPattern(config.prefix, runId))
  while (big(sink.count) < big(produced.count) && Date.now() < deadline) {
    sleep(1)
    produced = await ledger.produced()
    sink = await ledger.sinkTotals(ledgerPattern(config.prefix, runId))
  }
  const want = big(produced.count)
  const got = big(sink.count)
  const lostCount = want > got ? want - got : BigInt(0)
  const duplicatedCount = got > want ? got - want : BigInt(0)
  lost.add(Number(lostCount))
  duplicated.add(Number(duplicatedCount))
  // Same count but other records: a loss hidden by a duplicate.
  mismatched.add(got === want && !sameRecords(sink, produced) ? 1 : 0)
  verified.add(Number(got < want ? got : want))
  for (const ms of sink.latencies) latency.add(ms)
  console.log(`verify ${runId}: produced ${want}, in the sink ${got}, lost ${lostCount}, duplicated ${duplicatedCount}`)
}
