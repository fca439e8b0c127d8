// The Kafka client's own ceiling: how fast it hands records to JavaScript when nothing else is
// done with them. The processor cannot beat this number; it shows how much of the processor's
// time is the client's.  BENCH_TOPIC=<existing topic> BENCH_RECORDS=<count to read>
import { Consumer } from '@platformatic/kafka'
import { stack, uniqueName } from '../test/helpers.ts'

const topic = process.env.BENCH_TOPIC
const records = Number(process.env.BENCH_RECORDS ?? 2_000_000)
if (!topic) {
  process.stderr.write('bench/consumer-clients.ts: set BENCH_TOPIC to a preloaded topic (bench/processor.ts leaves one)\n')
  process.exit(1)
}

const consumer = new Consumer({ clientId: 'spate-bench', groupId: uniqueName('bench-raw'), bootstrapBrokers: stack.kafkaBrokers(), maxWaitTime: 100, maxBytes: 64 * 1024 * 1024 })
const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
const started = performance.now()
let count = 0
let bytes = 0
await new Promise<void>((resolve) => {
  stream.on('data', (message) => {
    count++
    bytes += message.value?.length ?? 0
    if (count === records) resolve()
  })
})
const seconds = (performance.now() - started) / 1000
process.stdout.write(`@platformatic/kafka raw consume: ${Math.round(count / seconds).toLocaleString('en-US')} records/s (${(bytes / seconds / 2 ** 20).toFixed(1)} MiB/s), ${count} records in ${seconds.toFixed(1)} s\n`)
await stream.close()
await consumer.close(true)
