// The Node Kafka clients' own ceilings on this machine: how fast each hands a preloaded topic's
// records to JavaScript when nothing else is done with them. The processor cannot beat its
// client's number, so this is what the client choice is measured by (docs/processor.md).
//
//   BENCH_TOPIC=<preloaded topic, e.g. left by bench/processor.ts>  BENCH_RECORDS=<records in it>
//   BENCH_PARTITIONS=<its partitions, default 12>
// @confluentinc/kafka-javascript is measured when it is installed (it needs a native build
// against librdkafka: CKJS_LINKING=dynamic npm install @confluentinc/kafka-javascript).
import { Consumer } from '@platformatic/kafka'
import { cpus } from 'node:os'
import { fetchClientCeiling } from './client-ceiling.ts'
import { stack, uniqueName } from './local-stack.ts'

const topic = process.env.BENCH_TOPIC
const records = Number(process.env.BENCH_RECORDS ?? 2_000_000)
if (!topic) {
  process.stderr.write('bench/consumer-clients.ts: set BENCH_TOPIC to a preloaded topic (bench/processor.ts leaves one) and BENCH_RECORDS to its size\n')
  process.exit(1)
}
const brokers = stack.kafkaBrokers()
const MAX_BYTES = 64 * 1024 * 1024

async function platformatic (): Promise<number> {
  const consumer = new Consumer({ clientId: 'spate-bench', groupId: uniqueName('bench-raw'), bootstrapBrokers: brokers, maxWaitTime: 100, maxBytes: MAX_BYTES })
  const stream = await consumer.consume({ topics: [topic as string], mode: 'earliest', autocommit: false })
  let started = 0
  let count = 0
  await new Promise<void>((resolve) => {
    stream.on('data', () => {
      if (count++ === 0) started = performance.now()
      if (count === records) resolve()
    })
  })
  const rate = records / ((performance.now() - started) / 1000)
  await stream.close()
  await consumer.close(true)
  return rate
}

async function kafkajs (): Promise<number> {
  const { Kafka, logLevel } = await import('kafkajs')
  const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName('bench-raw'), maxBytes: MAX_BYTES, maxBytesPerPartition: 8 * 1024 * 1024 })
  await consumer.connect()
  await consumer.subscribe({ topic: topic as string, fromBeginning: true })
  let started = 0
  let count = 0
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (count === 0) started = performance.now()
        count += batch.messages.length
        if (count >= records) resolve()
      },
    })
  })
  const rate = records / ((performance.now() - started) / 1000)
  await consumer.disconnect()
  return rate
}

async function confluent (): Promise<number | undefined> {
  let module: { KafkaConsumer: new (conf: object, topicConf: object) => {
    connect: () => void
    on: (event: 'ready', cb: () => void) => void
    subscribe: (topics: string[]) => void
    consume: (n: number, cb: (error: Error | null, messages: unknown[]) => void) => void
    disconnect: () => void
  } }
  try {
    module = (await import('@confluentinc/kafka-javascript' as string)).default
  } catch {
    return undefined
  }
  const consumer = new module.KafkaConsumer({ 'bootstrap.servers': brokers.join(','), 'group.id': uniqueName('bench-raw'), 'enable.auto.commit': false, 'fetch.max.bytes': MAX_BYTES }, { 'auto.offset.reset': 'earliest' })
  consumer.connect()
  await new Promise<void>((resolve) => consumer.on('ready', resolve))
  consumer.subscribe([topic as string])
  let started = 0
  let count = 0
  await new Promise<void>((resolve, reject) => {
    const next = (): void => consumer.consume(10_000, (error, messages) => {
      if (error) return reject(error)
      if (count === 0 && messages.length > 0) started = performance.now()
      count += messages.length
      if (count >= records) return resolve()
      setImmediate(next)
    })
    next()
  })
  const rate = records / ((performance.now() - started) / 1000)
  consumer.disconnect()
  return rate
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const rows: Array<[string, number | undefined]> = [
  ['@platformatic/kafka 1.35 (stream)', await platformatic()],
  ['spate\'s fetch client (processor/src/consume/fetch, record runs)', await fetchClientCeiling(topic, records, Number(process.env.BENCH_PARTITIONS ?? 12))],
  ['kafkajs 2.2.4 (eachBatch)', await kafkajs()],
  ['@confluentinc/kafka-javascript (consume(10000))', await confluent()],
]
const base = rows[0]?.[1] as number
process.stdout.write(`\nRaw consume of ${fmt(records)} records from ${topic}; ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}\n\n| client | records/s | vs platformatic |\n|---|---|---|\n`)
for (const [name, rate] of rows) {
  process.stdout.write(rate === undefined ? `| ${name} | not installed | |\n` : `| ${name} | ${fmt(rate)} | ${(rate / base).toFixed(2)}x |\n`)
}
