// The Kafka clients' own ceilings: how fast a client hands a preloaded topic's records to
// JavaScript when nothing else is done with them. The processor cannot drain faster than its
// client; bench/processor.ts prints these next to ConsumerPerformance and the processor, from the
// same run.
//
// fetchClientCeiling: spate's fetch client (processor/src/consume/fetch/), the processor's, in
// one thread over every partition. kafkajsCeiling: N threads, each a kafkajs consumer in one group
// (the worker threads' layout), the client the processor fetched with before.
import { Worker } from 'node:worker_threads'
import { Fetcher } from '../processor/src/consume/fetch/fetcher.ts'
import { FETCH_MAX_BYTES, PARTITION_FETCH_MAX_BYTES } from '../processor/src/consume/group-consumer.ts'
import { root, stack, uniqueName } from './local-stack.ts'

/** Records/s spate's fetch client hands over from the topic's `partitions`, from its first records. */
export async function fetchClientCeiling (topic: string, records: number, partitions: number): Promise<number> {
  let count = 0
  let started = 0
  let fetcher: Fetcher | undefined
  const log = { debug () {}, info () {}, warn: (message: string) => process.stderr.write(`fetch client: ${message}\n`), error () {} }
  try {
    return await new Promise<number>((resolve, reject) => {
      fetcher = new Fetcher({
        brokers: stack.kafkaBrokers(),
        topic,
        connection: { clientId: 'spate-bench', tls: undefined, sasl: undefined, connectTimeoutMs: 5000, requestTimeoutMs: 30_000 },
        maxWaitMs: 100,
        maxBytes: FETCH_MAX_BYTES,
        partitionMaxBytes: PARTITION_FETCH_MAX_BYTES,
        giveUpMs: 30_000,
      }, {
        onRuns: async (runs) => {
          if (started === 0) started = performance.now()
          for (const run of runs) count += run.length
          if (count >= records) resolve(records / ((performance.now() - started) / 1000))
        },
        onHighWatermark: () => {},
        onStopped: reject,
      }, log as never)
      fetcher.assign(new Map(Array.from({ length: partitions }, (_, partition) => [partition, 0])))
    })
  } finally {
    fetcher?.close()
  }
}

// A thread's code, evaluated as CommonJS (kafkajs is CommonJS): connect, wait for "join",
// subscribe and run, report each batch's partition and next offset.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads')
const { Kafka, logLevel } = require(workerData.kafkajs)
const consumer = new Kafka({ brokers: workerData.brokers, logLevel: logLevel.NOTHING }).consumer({
  groupId: workerData.group, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 8 * 1024 * 1024,
})
consumer.connect().then(() => parentPort.postMessage({ type: 'connected' }))
parentPort.on('message', async (message) => {
  if (message === 'join') {
    await consumer.subscribe({ topic: workerData.topic, fromBeginning: true })
    consumer.on(consumer.events.GROUP_JOIN, () => parentPort.postMessage({ type: 'joined' }))
    await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => {
      if (batch.messages.length > 0) parentPort.postMessage({ type: 'records', partition: batch.partition, next: Number(batch.lastOffset()) + 1 })
    } })
  } else if (message === 'stop') {
    await consumer.disconnect().catch(() => {})
    process.exit(0)
  }
})
`

/** Records/s that `threads` kafkajs consumers in one group hand over, from the moment all joined. */
export async function kafkajsCeiling (topic: string, records: number, threads: number): Promise<number> {
  const data = { kafkajs: `${root}/node_modules/kafkajs`, brokers: stack.kafkaBrokers(), group: uniqueName('bench-ceiling'), topic }
  const workers = Array.from({ length: threads }, () => new Worker(THREAD, { eval: true, workerData: data }))
  try {
    return await new Promise<number>((resolve, reject) => {
      let connected = 0
      let joined = 0
      // Per partition the offset after the last record handed over: a partition read again after a
      // rebalance is not counted twice (the topic's offsets start at 0).
      const next = new Map<number, number>()
      let started = 0
      for (const worker of workers) {
        worker.on('error', reject)
        worker.on('message', (message: { type: string, partition?: number, next?: number }) => {
          if (message.type === 'connected' && ++connected === threads) for (const w of workers) w.postMessage('join')
          if (message.type === 'joined' && ++joined === threads) started = performance.now()
          if (message.type === 'records') {
            next.set(message.partition as number, Math.max(next.get(message.partition as number) ?? 0, message.next as number))
            let count = 0
            for (const n of next.values()) count += n
            if (count >= records) resolve(records / ((performance.now() - (started || performance.now())) / 1000))
          }
        })
      }
    })
  } finally {
    await Promise.all(workers.map((worker) => new Promise((resolve) => {
      worker.once('exit', resolve)
      worker.postMessage('stop')
    })))
  }
}
