// Starting the processor as users do (a child process with flags), feeding it records and reading
// what it wrote. Every test gets its own topics, consumer group, Redis key prefix and checkpoint
// prefix, so tests never see each other's data.
import { Admin, Producer, ProduceAcks } from '@platformatic/kafka'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { createClient } from 'redis'
import { freePort, root, stack, uniqueName } from '../../test/helpers.ts'
import { mixSeq } from '../../contract/seq-hash.ts'

export interface Isolation {
  topic: string
  dlqTopic: string
  group: string
  prefix: string
  s3Prefix: string
}

export async function isolate (t: TestContext, partitions: number): Promise<Isolation> {
  const name = uniqueName('proc')
  const iso = { topic: `${name}-in`, dlqTopic: `${name}-dlq`, group: `${name}-group`, prefix: name, s3Prefix: `test/${name}` }
  const admin = new Admin({ clientId: 'spate-test', bootstrapBrokers: stack.kafkaBrokers() })
  await admin.createTopics({ topics: [iso.topic], partitions, replicas: 1 })
  await admin.createTopics({ topics: [iso.dlqTopic], partitions: 1, replicas: 1 })
  t.after(async () => {
    await admin.deleteTopics({ topics: [iso.topic, iso.dlqTopic] }).catch(() => {})
    await admin.close()
  })
  return iso
}

export interface RunningProcessor {
  child: ChildProcess
  port: number
  output: () => string
  exited: Promise<number | null>
  metric: (name: string, labels?: Record<string, string>) => Promise<number>
}

/**
 * The processor's arguments for an isolated test. One pipeline thread unless the test asks for
 * workers: the tests of worker threads (workers.test.ts, the crash loop's two-worker case, the
 * main job with `auto`) say so, and the rest keep their timing on a loaded 2-core machine.
 */
export function processorArgs (iso: Isolation, extra: string[] = []): string[] {
  const workers = extra.some((arg) => arg.startsWith('--workers')) ? [] : ['--workers=1']
  return [
    `--kafka.topic=${iso.topic}`, `--kafka.dlqTopic=${iso.dlqTopic}`, `--kafka.groupId=${iso.group}`,
    `--redis.keyPrefix=${iso.prefix}`, `--s3.prefix=${iso.s3Prefix}`, '--log.reportInterval=0', ...workers, ...extra,
  ]
}

/** Starts the processor and waits until /readyz answers; it is killed after the test. */
export async function startProcessor (t: TestContext, iso: Isolation, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningProcessor> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'), ...processorArgs(iso, [`--metrics.port=${port}`, ...extra])], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${port}`
  // Wide: with worker threads every worker joins the group, and a shared machine can be slow.
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`processor exited with ${child.exitCode} during start:\n${output}`)
    if (Date.now() > deadline) throw new Error(`processor not ready within 90 s:\n${output}`)
    const ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false)
    if (ready) break
    await sleep(100)
  }
  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    const text = await (await fetch(`${base}/metrics`)).text()
    let total = 0
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue
      const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line)
      if (!match || match[1] !== name) continue
      if (Object.entries(labels).every(([k, v]) => (match[2] ?? '').includes(`${k}="${v}"`))) total += Number(match[3])
    }
    return total
  }
  return { child, port, output: () => output, exited, metric }
}

export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls until check() returns true; fails with describe() after timeoutMs. */
export async function eventually (check: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(200)
  }
  assert(false, await describe())
}

function assert (ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message)
}

export interface TestRecord {
  key: string
  eventTime: number
  value: number
  seq: number
  partition?: number
}

export async function produce (topic: string, records: TestRecord[], runId: string, raw: Array<{ key?: string, value: Buffer | string, partition?: number }> = []): Promise<void> {
  const producer = new Producer({ clientId: 'spate-test', bootstrapBrokers: stack.kafkaBrokers(), acks: ProduceAcks.ALL })
  try {
    const messages = [
      ...records.map((r) => ({
        topic,
        key: Buffer.from(r.key),
        value: Buffer.from(JSON.stringify({ runId, seq: r.seq, key: r.key, eventTime: r.eventTime, value: r.value })),
        ...(r.partition === undefined ? {} : { partition: r.partition }),
      })),
      ...raw.map((r) => ({ topic, ...(r.key ? { key: Buffer.from(r.key) } : {}), value: Buffer.from(r.value), ...(r.partition === undefined ? {} : { partition: r.partition }) })),
    ]
    for (let i = 0; i < messages.length; i += 5000) await producer.send({ messages: messages.slice(i, i + 5000) })
  } finally {
    await producer.close()
  }
}

export async function redisClient (t: TestContext, url = stack.redisUrl()) {
  const client = createClient({ url })
  // A server stopped by the test's own cleanup must not surface as an uncaught error.
  client.on('error', () => {})
  await client.connect()
  t.after(() => client.close().catch(() => {}))
  return client
}

export interface LedgerTotals { count: number, seqSum: number, seqHash: number }

/** Sums a run's ledger entries (docs/sink.md) as a verifier would. */
export async function ledgerTotals (client: Awaited<ReturnType<typeof redisClient>>, prefix: string, runId: string): Promise<LedgerTotals> {
  const totals = { count: 0, seqSum: 0, seqHash: 0 }
  for await (const keys of client.scanIterator({ MATCH: `${prefix}:ledger:${runId}:*`, COUNT: 1000 })) {
    for (const key of keys) {
      const entry = await client.hGetAll(key)
      totals.count += Number(entry.count)
      totals.seqSum += Number(entry.seqSum)
      totals.seqHash = (totals.seqHash + Number(entry.seqHash)) >>> 0
    }
  }
  return totals
}

const T = 1_700_000_000_000

/** N records over `partitions` partitions, 100 keys, event times rising through ~8 windows. */
export function workload (n: number, partitions: number): TestRecord[] {
  return Array.from({ length: n }, (_, seq) => {
    const key = `k${seq % 100}`
    return { key, eventTime: T + Math.floor(seq * 80_000 / n), value: seq % 17, seq, partition: (seq % 100) % partitions }
  })
}

export function expectedTotals (records: TestRecord[]) {
  return {
    count: records.length,
    seqSum: records.reduce((sum, r) => sum + r.seq, 0),
    seqHash: records.reduce((h, r) => (h + mixSeq(r.seq)) >>> 0, 0),
  }
}

