// Per-record cost of the processor's two decoders on the same basic records: the fast path
// (processor/src/decode/fast-record.ts) and the full decoder (JSON.parse and its checks,
// processor/src/decode/record.ts). Prints microseconds per record, the best of five rounds.
//
//   node --import tsx bench/decode.ts   (BENCH_RECORDS, default 200000)
import { cpus } from 'node:os'
import { message } from '../scripts/lib/messages.ts'
import { FastDecoder } from '../processor/src/decode/fast-record.ts'
import { DeadLetter, decode } from '../processor/src/decode/record.ts'

const N = Number(process.env.BENCH_RECORDS ?? 200_000)
const records = Array.from({ length: N }, (_, seq) => {
  const m = message('basic', 'bench-decode-run', seq, 10_000, 1_795_000_000_000 + seq)
  return { key: Buffer.from(m.key), value: Buffer.from(m.value) }
})
const fast = new FastDecoder('value', 1024 * 1024)

function round (decodeOne: (key: Buffer, value: Buffer) => number): number {
  const started = performance.now()
  let sum = 0
  for (const { key, value } of records) sum += decodeOne(key, value)
  if (!(sum > 0)) throw new Error('nothing decoded')
  return (performance.now() - started) * 1000 / N
}

const best = (decodeOne: (key: Buffer, value: Buffer) => number): number => Math.min(...Array.from({ length: 5 }, () => round(decodeOne)))
const fastUs = best((key, value) => {
  if (!fast.decode(value, key)) throw new Error('a load-script record missed the fast path')
  return fast.record.seq + 1
})
const fullUs = best((key, value) => {
  const decoded = decode(value, key, 'value', 1024 * 1024)
  if (decoded instanceof DeadLetter) throw new Error(`a load-script record is a dead letter: ${decoded.detail}`)
  return decoded.seq + 1
})
process.stdout.write(`${N} basic records, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`)
process.stdout.write(`| decoder | us per record |\n|---|---:|\n| fast path | ${fastUs.toFixed(3)} |\n| JSON.parse and checks | ${fullUs.toFixed(3)} |\n`)
