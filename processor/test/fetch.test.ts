// The fetch client (processor/src/consume/fetch/) against the stack's Kafka: what it hands over is
// exactly what was produced - offsets, keys, values, plain and gzip batches, headers skipped -
// and what a read-committed consumer must not see (aborted transactions, control batches) is
// left out.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { CompressionTypes, Kafka, logLevel } from 'kafkajs'
import { EARLIEST, Fetcher } from '../src/consume/fetch/fetcher.ts'
import { readRecordBatches, RecordBatchError } from '../src/consume/fetch/record-batches.ts'
import { stack } from '../../test/helpers.ts'
import { isolate } from './helpers.ts'

interface Seen { partition: number, offset: number, key: string | null, value: string | null }

const quiet = { debug () {}, info () {}, warn () {}, error () {} }

/** Runs a fetcher over `positions` until `count` records arrived; returns them and the warnings logged. */
async function fetchAll (t: TestContext, topic: string, positions: Map<number, number>, count: number): Promise<{ seen: Seen[], warnings: string[] }> {
  const seen: Seen[] = []
  const warnings: string[] = []
  const log = { ...quiet, warn: (message: string) => { warnings.push(message) } }
  let fetcher: Fetcher | undefined
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} records fetched in 60 s; warnings: ${JSON.stringify(warnings)}; last: ${JSON.stringify(seen.slice(-3))}`)), 60_000)
    fetcher = new Fetcher({
      brokers: stack.kafkaBrokers(),
      topic,
      connection: { clientId: 'spate-test', tls: undefined, sasl: undefined, connectTimeoutMs: 5000, requestTimeoutMs: 10_000 },
      maxWaitMs: 100,
      maxBytes: 1024 * 1024,
      partitionMaxBytes: 64 * 1024,
      giveUpMs: 10_000,
    }, {
      onRuns: async (runs) => {
        for (const run of runs) {
          for (let i = run.start; i < run.end; i++) {
            const record = run.record(i)
            seen.push({ partition: record.partition, offset: Number(record.offset), key: record.key?.toString() ?? null, value: record.value?.toString() ?? null })
          }
        }
        if (seen.length >= count) {
          clearTimeout(timer)
          resolve()
        }
      },
      onHighWatermark: () => {},
      onStopped: (error) => { clearTimeout(timer); reject(error) },
    }, log as never)
    fetcher.assign(positions)
  }).finally(() => fetcher?.close())
  t.diagnostic(`fetched ${seen.length} records`)
  return { seen, warnings }
}

function kafka (): Kafka {
  return new Kafka({ clientId: 'spate-test', brokers: stack.kafkaBrokers(), logLevel: logLevel.NOTHING })
}

function byPosition (a: Seen, b: Seen): number {
  return a.partition - b.partition || a.offset - b.offset
}

test('the fetch client hands over every record from the given offsets with its offset, key and value, from plain and gzip batches', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 3)
  const producer = kafka().producer()
  await producer.connect()
  const produced: Seen[] = []
  const next = [0, 0, 0]
  // Each send is one record batch per partition; every other one is gzip-compressed.
  for (let send = 0; send < 8; send++) {
    const messages = []
    for (let i = 0; i < 30; i++) {
      const partition = (send + i) % 3
      const key = i % 7 === 0 ? null : `k${send}-${i}`
      const value = i % 11 === 0 ? '' : `{"send":${send},"i":${i},"text":"${'x'.repeat(i * 13)}"}`
      messages.push({ partition, key, value, headers: { h: `header-${i}` } })
      produced.push({ partition, offset: (next[partition] as number), key, value })
      next[partition] = (next[partition] as number) + 1
    }
    await producer.send({ topic: iso.topic, messages, compression: send % 2 === 1 ? CompressionTypes.GZIP : CompressionTypes.None })
  }
  await producer.disconnect()

  const from = new Map([[0, 0], [1, 17], [2, EARLIEST]])
  const want = produced.filter((r) => r.offset >= (r.partition === 1 ? 17 : 0)).sort(byPosition)
  const { seen, warnings } = await fetchAll(t, iso.topic, from, want.length)
  assert.deepEqual(seen.sort(byPosition), want, `warnings: ${JSON.stringify(warnings)}`)
})

test('records of aborted transactions and the transactions\' control batches are left out; committed ones are read', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 1)
  const client = kafka()
  const producer = client.producer({ transactionalId: `${iso.topic}-tx`, maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  const send = async (values: string[], outcome: 'commit' | 'abort'): Promise<void> => {
    const transaction = await producer.transaction()
    await transaction.send({ topic: iso.topic, messages: values.map((value) => ({ key: 'k', value })) })
    await (outcome === 'commit' ? transaction.commit() : transaction.abort())
  }
  await send(['a1', 'a2', 'a3'], 'abort')
  await send(['c1', 'c2'], 'commit')
  await send(['a4'], 'abort')
  await send(['c3'], 'commit')
  await producer.disconnect()

  const { seen } = await fetchAll(t, iso.topic, new Map([[0, 0]]), 3)
  // Offsets count the aborted records and one control record per transaction.
  assert.deepEqual(seen.map((r) => [r.value, r.offset]), [['c1', 4], ['c2', 5], ['c3', 9]])
})

test('an offset past the end of the log restarts the partition at its earliest offset, with a warning', { timeout: 120_000 }, async (t) => {
  const iso = await isolate(t, 1)
  const producer = kafka().producer()
  await producer.connect()
  await producer.send({ topic: iso.topic, messages: [{ value: 'first' }, { value: 'second' }] })
  await producer.disconnect()

  const { seen, warnings } = await fetchAll(t, iso.topic, new Map([[0, 1_000_000]]), 2)
  assert.deepEqual(seen.map((r) => r.value), ['first', 'second'])
  assert.ok(warnings.some((w) => /out of range/.test(w)), `warnings: ${JSON.stringify(warnings)}`)
})

test('a batch compressed with a codec the processor does not read is refused with a message that names the fix', () => {
  // A record batch header (61 bytes) with attributes = 2 (snappy) and no records.
  const batch = Buffer.alloc(61)
  batch.writeInt32BE(61 - 12, 8) // batch length
  batch.writeInt8(2, 16) // magic
  batch.writeInt16BE(2, 21) // attributes: snappy
  batch.writeInt32BE(0, 23) // last offset delta
  assert.throws(() => readRecordBatches(batch, 4, 0, []), (error: Error) =>
    error instanceof RecordBatchError && /partition 4 holds records compressed with snappy at offset 0; .*produce with compression none or gzip/.test(error.message))
})
