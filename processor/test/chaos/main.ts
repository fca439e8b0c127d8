// `task chaos`: the long fault run. 1,000,000 records over 8 partitions, 20 processor kill -9 at
// seeded random moments, a Redis kill -9, a Kafka broker restart and a one-minute S3 outage in
// between, then kill -9 and SIGTERM right after the last record; prints a table of the faults,
// records, lost, duplicated and time to recover. Exit code 1 when anything was lost, duplicated
// or wrong. SPATE_CHAOS_SEED replays a run; SPATE_CHAOS_RECORDS, SPATE_CHAOS_KILLS and
// SPATE_CHAOS_S3_OUTAGE (ms) resize it.
import { prng, runChaos, table, type FaultKind } from './crash-loop.ts'

const seed = Number(process.env.SPATE_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))
const records = Number(process.env.SPATE_CHAOS_RECORDS ?? 1_000_000)
const kills = Number(process.env.SPATE_CHAOS_KILLS ?? 20)
const s3OutageMs = Number(process.env.SPATE_CHAOS_S3_OUTAGE ?? 60_000)

const random = prng(seed ^ 0x9e3779b9)
const faults: FaultKind[] = [...Array<FaultKind>(kills).fill('processor kill -9'), 'redis kill -9', 'broker restart', 's3 outage']
for (let i = faults.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[faults[i], faults[j]] = [faults[j] as FaultKind, faults[i] as FaultKind]
}
faults.push('kill -9 after the last record', 'SIGTERM after the last record')

const result = await runChaos({
  seed,
  records,
  partitions: 8,
  faults,
  s3OutageMs,
  gapMs: [500, 6000],
  maxRatePerPartition: 3000,
  timeoutMs: 600_000,
  say: (line) => console.log(line),
})
console.log('\n' + table(result))
const ok = result.lost === 0 && result.duplicated === 0 && result.wrongWindows.length === 0 && JSON.stringify(result.ledger) === JSON.stringify(result.expected)
if (!ok) {
  console.log(`\nFAILED (seed ${seed}): ledger ${JSON.stringify(result.ledger)}, expected ${JSON.stringify(result.expected)}`)
  for (const line of result.wrongWindows.slice(0, 20)) console.log(`  ${line}`)
}
process.exit(ok ? 0 : 1)
