// The pipeline side of a run, checked inside the same k6 run (docs/load-scripts.md):
//   - every successful produce call adds its batch to the run's produced ledger in the sink's
//     Redis: <prefix>:produced:<runId> {count, seqSum, seqHash};
//   - after the load, the verify scenario reads the pipeline's ledger (<prefix>:ledger:<runId>:*,
//     docs/sink.md) until it accounts for every produced record or SPATE_VERIFY_TIMEOUT passes,
//     then reports lost, duplicated and mismatched records and the end-to-end latency as k6
//     metrics, which the thresholds gate on.
// It relies only on what any pipeline writes to the sink, so it checks a Spark or Flink job that
// follows the key layout as well as spate's processor.
import { sleep } from 'k6'
import { Counter, Trend } from 'k6/metrics'
import { Client } from 'k6/x/redis'
import { mixSeqRange } from '../../contract/seq-hash.ts'
import { ledgerPattern, producedKey } from '../../contract/sink-keys.ts'
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

interface Totals { count: number, seqSum: number, seqHash: number }

export class RunLedger {
  private readonly client: Client
  constructor (private readonly config: VerifyConfig, private readonly runId: string) {
    this.client = new Client(config.redisUrl)
  }

  private get producedKey (): string {
    return producedKey(this.config.prefix, this.runId)
  }

  /** Adds a produced batch of consecutive sequence numbers [first, first + n). */
  async recordProduced (first: number, n: number): Promise<void> {
    const seqHash = mixSeqRange(first, n)
    const seqSum = n * first + (n * (n - 1)) / 2
    await this.client.hincrby(this.producedKey, 'count', n)
    await this.client.hincrby(this.producedKey, 'seqSum', seqSum)
    await this.client.hincrby(this.producedKey, 'seqHash', seqHash)
  }

  async produced (): Promise<Totals> {
    const h = await this.client.hgetall(this.producedKey)
    return { count: Number(h.count ?? 0), seqSum: Number(h.seqSum ?? 0), seqHash: Number(h.seqHash ?? 0) % 4294967296 }
  }

  /** The pipeline's ledger entries of this run, summed; latencies of each entry collected. */
  async sink (): Promise<Totals & { latencies: number[] }> {
    const totals = { count: 0, seqSum: 0, seqHash: 0, latencies: [] as number[] }
    let cursor = '0'
    do {
      const reply = await this.client.sendCommand('SCAN', cursor, 'MATCH', ledgerPattern(this.config.prefix, this.runId), 'COUNT', 1000) as [string, string[]]
      cursor = reply[0]
      for (const key of reply[1]) {
        const h = await this.client.hgetall(key)
        const count = Number(h.count)
        totals.count += count
        totals.seqSum += Number(h.seqSum)
        totals.seqHash = (totals.seqHash + Number(h.seqHash)) % 4294967296
        // Mean event time of the entry's records to when they became visible in Redis.
        totals.latencies.push(Number(h.writtenAt) - (Number(h.start) + Number(h.eventTimeOffsetSum) / count))
      }
    } while (cursor !== '0')
    return totals
  }
}

/** Waits for the sink to account for every produced record, then reports what it found. */
export async function verifyRun (config: VerifyConfig, runId: string): Promise<void> {
  const ledger = new RunLedger(config, runId)
  const deadline = Date.now() + config.timeoutSeconds * 1000
  let produced = await ledger.produced()
  let sink = await ledger.sink()
  while (sink.count < produced.count && Date.now() < deadline) {
    sleep(1)
    produced = await ledger.produced()
    sink = await ledger.sink()
  }
  lost.add(Math.max(0, produced.count - sink.count))
  duplicated.add(Math.max(0, sink.count - produced.count))
  // Same count but other records: a loss hidden by a duplicate.
  mismatched.add(sink.count === produced.count && (sink.seqSum !== produced.seqSum || sink.seqHash !== produced.seqHash) ? 1 : 0)
  verified.add(Math.min(sink.count, produced.count))
  for (const ms of sink.latencies) latency.add(ms)
  console.log(`verify ${runId}: produced ${produced.count}, in the sink ${sink.count}, lost ${Math.max(0, produced.count - sink.count)}, duplicated ${Math.max(0, sink.count - produced.count)}`)
}
