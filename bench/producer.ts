// The k6 producer against Kafka's own ProducerPerformance: same broker, same topic, same record
// size, acks=all, in one run. Prints a Markdown section for BENCHMARKS.md on stdout.
//   BENCH_SECONDS (default 15): how long k6 produces; BENCH_VUS (default 8); BENCH_BATCH (default 500)
import { Admin } from '@platformatic/kafka'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { root, run, stack, uniqueName } from './local-stack.ts'
import { message } from '../scripts/lib/messages.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15)
const VUS = Number(process.env.BENCH_VUS ?? 8)
const BATCH = Number(process.env.BENCH_BATCH ?? 500)
const log = (text: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`)
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

async function k6Rate (topic: string): Promise<number> {
  const result = await run('k6', ['run', '--quiet', '--vus', String(VUS), '--duration', `${SECONDS}s`, join(root, 'scripts/steady.js')], {
    env: { SPATE_TOPIC: topic, SPATE_BATCH: String(BATCH), SPATE_SCHEMA: 'basic', SPATE_ACKS: 'all', SPATE_THRESHOLDS: 'smoke', SPATE_PARTITIONS: '12' },
    timeoutMs: (SECONDS + 120) * 1000,
  })
  const match = /kafka_writer_message_count\.*: \d+\s+([\d.]+)\/s/.exec(result.stdout)
  if (!match) throw new Error(`k6 printed no message rate (exit ${result.code}):\n${result.stdout}${result.stderr}`)
  return Number(match[1])
}

async function producerPerformance (topic: string, records: number, recordSize: number): Promise<number> {
  const kafkaHome = join(process.env.SPATE_CACHE ?? join(process.env.HOME ?? '', '.cache/spate'), 'kafka')
  const result = await run('java', [
    '-Xmx512m', `-Dlog4j2.configurationFile=${join(root, 'stack/kafka/tools-log4j2.properties')}`, '-cp', `${kafkaHome}/libs/*`,
    'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize),
    '--throughput', '-1', '--producer-props', 'acks=all', `bootstrap.servers=${stack.kafkaBrokers().join(',')}`,
  ], { timeoutMs: 600_000 })
  const match = /records sent, ([\d.]+) records\/sec/.exec(result.stdout.trim().split('\n').pop() ?? '')
  if (!match) throw new Error(`ProducerPerformance printed no rate (exit ${result.code}): ${result.stderr.slice(-500)}`)
  return Number(match[1])
}

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`
const topic = uniqueName('bench-producer')
const admin = new Admin({ clientId: 'spate-bench', bootstrapBrokers: stack.kafkaBrokers() })
await admin.createTopics({ topics: [topic], partitions: 12, replicas: 1 })
await admin.close()
const recordSize = message('basic', 'run-bench', 123_456, 1000, Date.now()).value.length

log(`k6, ${VUS} VUs, ${BATCH} basic messages per produce call, ${SECONDS} s`)
const k6 = await k6Rate(topic)
log(`  ${fmt(k6)} messages/s`)
log(`ProducerPerformance, ${recordSize} B records`)
const reference = await producerPerformance(topic, Math.max(1_000_000, Math.round(k6 * SECONDS)), recordSize)
log(`  ${fmt(reference)} records/s`)

process.stdout.write(`
### k6 producer vs ProducerPerformance, ${new Date().toISOString().slice(0, 10)}

Machine: ${machine}. Topic with 12 partitions, acks=all, basic messages of ~${recordSize} B.

| producer | messages/s | ratio |
|----------|-----------|-------|
| Kafka ProducerPerformance (${recordSize} B records) | ${fmt(reference)} | 1.00 |
| k6 \`scripts/steady.js\`, ${VUS} VUs, ${BATCH} messages per call | ${fmt(k6)} | ${(k6 / reference).toFixed(2)} |
`)
