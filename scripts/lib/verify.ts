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
//
// SPATE_VERIFY_MODE=windows checks a pipeline that writes only its natural output, one result per
// window and key (docs/spark.md): the engine records every produce call (k6/x/spate's
// Expectation), computes each window's expected count and sum, and compares them with the sink's
// entries read through SPATE_SINK_KEY_PATTERN; same metrics, plus spate_latency_slope (the
// growth of window latency through the run: flat when the pipeline keeps up).
import { sleep } from 'k6'
import { Counter, Trend } from 'k6/metrics'
import { Expectation, Ledger, type LedgerTotals } from 'k6/x/spate'
import { ledgerPattern } from '../../contract/sink-keys.ts'
import type { EnvReader } from './config.ts'

export interface VerifyConfig {
  enabled: boolean
  /** ledger: the pipeline writes spate's ledger entries (exact); windows: only its own results. */
  mode: 'ledger' | 'windows'
  redisUrl: string
  prefix: string
  timeoutSeconds: number
  windows: WindowsLayout
}

/** Where and how a pipeline writes one window and key (SPATE_VERIFY_MODE=windows). */
export interface WindowsLayout {
  windowMs: number
  keyPattern: string
  format: 'hash' | 'json'
  countField: string
  sumField: string
  /** '' when the pipeline writes no time: latency is then when spate saw the window complete. */
  writtenAtField: string
}

const fieldName = /^[A-Za-z0-9_.:-]{1,64}$/

export function readVerifyConfig (read: EnvReader): VerifyConfig {
  return {
    enabled: read.oneOf('SPATE_VERIFY', 'on', ['on', 'off']) === 'on',
    redisUrl: read.string('SPATE_REDIS_URL', 'redis://127.0.0.1:16379', /^rediss?:\/\/\S+$/, 'redis://host:port or rediss://host:port'),
    prefix: read.string('SPATE_SINK_PREFIX', 'spate', /^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits, : _ . -'),
    timeoutSeconds: read.number('SPATE_VERIFY_TIMEOUT', 60, { min: 1, max: 3600 }),
    mode: read.oneOf('SPATE_VERIFY_MODE', 'ledger', ['ledger', 'windows']),
    windows: {
      windowMs: seconds(read.duration('SPATE_SINK_WINDOW', read.duration('SPATE_WINDOW_SIZE', '5s'))) * 1000,
      keyPattern: read.string('SPATE_SINK_KEY_PATTERN', 'spate:w:{window}:{key}', /^(?=.*\{window\})(?=.*\{key\})\S{1,200}$/, 'a Redis key with {window} and {key}, such as spark:w:{window}:{key}'),
      format: read.oneOf('SPATE_SINK_FORMAT', 'hash', ['hash', 'json']),
      countField: read.string('SPATE_SINK_COUNT_FIELD', 'count', fieldName, 'a field name'),
      sumField: read.string('SPATE_SINK_SUM_FIELD', 'sum', fieldName, 'a field name'),
      writtenAtField: writtenAtField(read),
    },
  }
}

/** SPATE_SINK_WRITTEN_AT_FIELD: default writtenAt; set it empty when the pipeline writes no time. */
function writtenAtField (read: EnvReader): string {
  const name = read.string('SPATE_SINK_WRITTEN_AT_FIELD', 'writtenAt', /^([A-Za-z0-9_.:-]{1,64}|none)$/, 'a field name, or none')
  return name === 'none' ? '' : name
}

/** Seconds in a k6 duration such as 1m30s or 500ms. */
function seconds (duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 }
  let total = 0
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(amount) * (units[unit as string] as number)
  return total
}

const lost = new Counter('spate_records_lost')
const duplicated = new Counter('spate_records_duplicated')
const mismatched = new Counter('spate_records_mismatched')
const verified = new Counter('spate_records_verified')
const latency = new Trend('spate_end_to_end_latency', true)
const latencySlope = new Trend('spate_latency_slope')

/** Counts past 2^53 arrive as decimal strings; the verdict compares them exactly as BigInts. */
function big (n: number | string): bigint {
  return BigInt(n)
}

function sameRecords (a: LedgerTotals, b: LedgerTotals): boolean {
  return big(a.count) === big(b.count) && a.seqSum === b.seqSum && a.seqHash === b.seqHash
}

/** Waits for the sink to account for every produced record, then reports what it found. */
export async function verifyRun (config: VerifyConfig, runId: string, expectation?: Expectation): Promise<void> {
  if (config.mode === 'windows') return await verifyWindows(config, runId, expectation)
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

/** SPATE_VERIFY_MODE=windows: the pipeline's own per-window results against the engine's expectation. */
async function verifyWindows (config: VerifyConfig, runId: string, expectation?: Expectation): Promise<void> {
  if (!expectation) throw new Error(`verify ${runId}: no records were produced in this process, so there is nothing to expect; check the load scenario's errors`)
  const w = config.windows
  const v = await expectation.verifyWindows({
    redisUrl: config.redisUrl,
    keyPattern: w.keyPattern,
    format: w.format,
    countField: w.countField,
    sumField: w.sumField,
    writtenAtField: w.writtenAtField,
    timeoutSeconds: config.timeoutSeconds,
  })
  lost.add(v.lost)
  duplicated.add(v.duplicated)
  mismatched.add(v.mismatched)
  verified.add(v.verified)
  for (const ms of v.latencies) latency.add(ms)
  // Latency growth per millisecond of run: a pipeline that falls behind shows a rising line.
  latencySlope.add(v.latencySlope)
  console.log(`verify ${runId} (windows ${w.keyPattern}): produced ${v.expected} in ${v.windows} windows, verified ${v.verified}, lost ${v.lost}, duplicated ${v.duplicated}, mismatched windows ${v.mismatched}, latency slope ${v.latencySlope.toFixed(3)}`)
}
