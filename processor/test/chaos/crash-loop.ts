// A chaos run: N records through the processor while faults are injected at seeded random
// moments (processor kill -9, Redis kill -9, Kafka broker restart, S3 outage, kill -9 and SIGTERM
// right after the last record), then exact window values and ledger totals. The seed is printed
// first, so that a failing run can be replayed with SPATE_CHAOS_SEED.
import { Admin, ProduceAcks, Producer } from '@platformatic/kafka'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createClient } from 'redis'
import { mixSeq } from '../../../contract/seq-hash.ts'
import { ledgerPattern, windowKey } from '../../../contract/sink-keys.ts'
import { freePort, root, stack, uniqueName } from '../../../test/helpers.ts'
import { OwnStack } from './services.ts'

export type FaultKind = 'processor kill -9' | 'redis kill -9' | 'broker restart' | 's3 outage' | 'kill -9 after the last record' | 'SIGTERM after the last record'

export interface ChaosOptions {
  seed: number
  records: number
  partitions: number
  /** Faults in the order they are injected; the "after the last record" ones wait for the drain. */
  faults: FaultKind[]
  s3OutageMs: number
  /** Random wait before each fault, ms. */
  gapMs: [number, number]
  maxRatePerPartition: number
  /** The processor's workers setting; the processor's default (auto) when not given. */
  workers?: number
  timeoutMs: number
  say: (line: string) => void
}

export interface FaultRow { fault: FaultKind, atMs: number, recoverMs: number }

export interface ChaosResult {
  seed: number
  records: number
  rows: FaultRow[]
  ledger: { count: number, seqSum: number, seqHash: number }
  expected: { count: number, seqSum: number, seqHash: number }
  lost: number
  duplicated: number
  /** Result hashes whose count/sum/min/max differ from the expected ones, missing or extra. */
  wrongWindows: string[]
  deadLetters: number
  durationMs: number
}

/** mulberry32: small, seeded, good enough to place faults. */
export function prng (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const T = 1_700_000_000_000
const KEYS = 100
type Redis = ReturnType<typeof createClient<{}, {}, {}, 3, {}>>
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface Rec { key: string, eventTime: number, value: number, seq: number, partition: number }

function workload (n: number, partitions: number): Rec[] {
  return Array.from({ length: n }, (_, seq) => {
    const k = seq % KEYS
    return { key: `k${k}`, eventTime: T + Math.floor(seq * 80_000 / n), value: (seq % 17) - 3, seq, partition: k % partitions }
  })
}

class Processor {
  readonly child: ChildProcess
  output = ''
  readonly exited: Promise<number | null>
  constructor (args: string[], env: NodeJS.ProcessEnv, readonly port: number) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'), ...args, `--metrics.port=${port}`], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { this.output = (this.output + chunk).slice(-200_000) })
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { this.output = (this.output + chunk).slice(-200_000) })
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)))
  }

  get alive (): boolean { return this.child.exitCode === null && this.child.signalCode === null }

  async metric (name: string): Promise<number | undefined> {
    return (await this.series(name))?.reduce((sum, value) => sum + value, 0)
  }

  /** The values of every series of a metric, or undefined when /metrics does not answer. */
  async series (name: string): Promise<number[] | undefined> {
    const text = await fetch(`http://127.0.0.1:${this.port}/metrics`).then((r) => r.text(), () => undefined)
    if (text === undefined) return undefined
    const values: number[] = []
    for (const line of text.split('\n')) {
      const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line)
      if (match && match[1] === name) values.push(Number(match[3]))
    }
    return values
  }

  /** Waits for /readyz: service faults are injected mid-run, not while the processor starts. */
  async ready (): Promise<void> {
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the processor exited during start:\n${this.output.slice(-4000)}`)
      if (await fetch(`http://127.0.0.1:${this.port}/readyz`).then((r) => r.status === 200, () => false)) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`the processor was not ready within 120 s:\n${this.output.slice(-4000)}`)
  }

  claimed (): number {
    return this.output.split('\n').filter((line) => line.includes('"msg":"partition claimed"')).length
  }

  async kill (signal: NodeJS.Signals): Promise<number | null> {
    if (this.alive) this.child.kill(signal)
    return this.exited
  }
}

export async function runChaos (options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now()
  const random = prng(options.seed)
  const say = options.say
  say(`chaos seed ${options.seed} (replay with SPATE_CHAOS_SEED=${options.seed}): ${options.records} records, ${options.partitions} partitions, workers ${options.workers ?? 'auto'}, faults: ${options.faults.join(', ')}`)
  const cleanups: Array<() => Promise<void>> = []
  let current: Processor | undefined
  try {
    const own = await OwnStack.create()
    cleanups.push(() => own.down())
    await own.up('redis')
    const needsBroker = options.faults.includes('broker restart')
    if (needsBroker) await own.up('kafka')
    const brokers = needsBroker ? own.kafkaBrokers : stack.kafkaBrokers()
    const ownS3 = options.faults.includes('s3 outage')
    if (ownS3) await own.up('s3')

    const name = uniqueName('chaos')
    const topic = `${name}-in`
    const dlqTopic = `${name}-dlq`
    const admin = new Admin({ clientId: 'spate-chaos', bootstrapBrokers: brokers })
    await admin.createTopics({ topics: [topic], partitions: options.partitions, replicas: 1 })
    await admin.createTopics({ topics: [dlqTopic], partitions: 1, replicas: 1 })
    cleanups.push(async () => {
      await admin.deleteTopics({ topics: [topic, dlqTopic] }).catch(() => {})
      await admin.close()
    })

    const runId = 'chaos'
    const records = workload(options.records, options.partitions)
    const producer = new Producer({ clientId: 'spate-chaos', bootstrapBrokers: brokers, acks: ProduceAcks.ALL })
    for (let i = 0; i < records.length; i += 5000) {
      await producer.send({
        messages: records.slice(i, i + 5000).map((r) => ({
          topic,
          key: Buffer.from(r.key),
          value: Buffer.from(JSON.stringify({ runId, seq: r.seq, key: r.key, eventTime: r.eventTime, value: r.value })),
          partition: r.partition,
        })),
      })
    }
    await producer.close()
    say(`produced ${records.length} records in ${Math.round((Date.now() - started) / 1000)} s`)

    const env: NodeJS.ProcessEnv = { ...process.env, SPATE_KAFKA_BROKERS: brokers.join(','), SPATE_REDIS_URL: own.redisUrl, ...(ownS3 ? await own.s3Env() : {}) }
    const args = [
      `--kafka.topic=${topic}`, `--kafka.dlqTopic=${dlqTopic}`, `--kafka.groupId=${name}-group`, `--redis.keyPrefix=${name}`, `--s3.prefix=chaos/${name}`,
      '--log.reportInterval=0', '--batch.maxRecords=5000', '--checkpoint.interval=300ms', '--window.allowedLateness=1s', '--window.idleTimeout=2s',
      '--kafka.sessionTimeout=6s', `--backpressure.maxRatePerPartition=${options.maxRatePerPartition}`,
      ...(options.workers === undefined ? [] : [`--workers=${options.workers}`]),
    ]
    const start = async (): Promise<Processor> => {
      const processor = new Processor(args, env, await freePort())
      current = processor
      return processor
    }
    const redis = createClient({ url: own.redisUrl })
    redis.on('error', () => {})
    await redis.connect()
    cleanups.push(async () => { await redis.close().catch(() => {}) })

    const ledger = async (): Promise<{ count: number, seqSum: number, seqHash: number }> => {
      const totals = { count: 0, seqSum: 0, seqHash: 0 }
      for await (const keys of redis.scanIterator({ MATCH: ledgerPattern(name, runId), COUNT: 1000 })) {
        for (const key of keys) {
          const h = await redis.hmGet(key, ['count', 'seqSum', 'seqHash'])
          totals.count += Number(h[0])
          totals.seqSum += Number(h[1])
          totals.seqHash = (totals.seqHash + Number(h[2])) >>> 0
        }
      }
      return totals
    }
    const expected = {
      count: records.length,
      seqSum: records.reduce((s, r) => s + r.seq, 0),
      seqHash: records.reduce((h, r) => (h + mixSeq(r.seq)) >>> 0, 0),
    }
    /** Waits until the running processor has claimed every partition and checkpointed again. */
    const recovered = async (since: number, processor: Processor): Promise<number> => {
      const before = (await processor.metric('spate_checkpoints_total')) ?? 0
      const deadline = Date.now() + 180_000
      while (Date.now() < deadline) {
        if (!processor.alive) throw new Error(`the processor exited during recovery:\n${processor.output.slice(-4000)}`)
        const checkpoints = await processor.metric('spate_checkpoints_total')
        if (processor.claimed() >= options.partitions && checkpoints !== undefined && (checkpoints > before || (await ledger()).count === expected.count)) return Date.now() - since
        await sleep(100)
      }
      throw new Error(`no recovery within 180 s:\n${processor.output.slice(-4000)}`)
    }
    /** Waits until the running processor has read every record (lag 0 on every partition). */
    const drained = async (processor: Processor): Promise<void> => {
      const deadline = Date.now() + options.timeoutMs
      while (Date.now() < deadline) {
        const lags = await processor.series('spate_consumer_lag_records')
        if (processor.claimed() >= options.partitions && lags?.length === options.partitions && lags.every((lag) => lag === 0)) return
        await sleep(50)
      }
      throw new Error(`the topic was not drained in time:\n${processor.output.slice(-4000)}`)
    }

    const rows: FaultRow[] = []
    let processor = await start()
    for (const fault of options.faults) {
      const gap = options.gapMs[0] + random() * (options.gapMs[1] - options.gapMs[0])
      if (fault.endsWith('after the last record')) await drained(processor)
      else if (fault === 'processor kill -9') await sleep(gap)
      else {
        await processor.ready()
        await sleep(gap)
      }
      const atMs = Date.now() - started
      let since: number
      switch (fault) {
        case 'processor kill -9':
        case 'kill -9 after the last record':
          await processor.kill('SIGKILL')
          since = Date.now()
          processor = await start()
          break
        case 'SIGTERM after the last record': {
          const code = await processor.kill('SIGTERM')
          if (code !== 0) throw new Error(`SIGTERM: the processor exited with ${code}:\n${processor.output.slice(-4000)}`)
          since = Date.now()
          processor = await start()
          break
        }
        case 'redis kill -9':
          await own.kill('redis', 'SIGKILL')
          await sleep(1000)
          await own.up('redis')
          since = Date.now()
          break
        case 'broker restart':
          await own.kill('kafka', 'SIGTERM')
          await sleep(1000)
          await own.up('kafka')
          since = Date.now()
          break
        case 's3 outage':
          await own.kill('s3', 'SIGKILL')
          await sleep(options.s3OutageMs)
          await own.up('s3')
          since = Date.now()
          break
      }
      const recoverMs = await recovered(since, processor)
      rows.push({ fault, atMs, recoverMs })
      say(`${String(rows.length).padStart(2)} ${fault} at ${(atMs / 1000).toFixed(1)} s: recovered in ${(recoverMs / 1000).toFixed(1)} s`)
    }

    // The last processor runs on until every window is written.
    const deadline = Date.now() + options.timeoutMs
    let totals = await ledger()
    while (totals.count < expected.count && Date.now() < deadline) {
      if (!processor.alive) throw new Error(`the processor exited:\n${processor.output.slice(-4000)}`)
      await sleep(500)
      totals = await ledger()
    }
    await sleep(1500) // a duplicate write would land by now
    totals = await ledger()

    const wrongWindows = await compareWindows(redis, name, records)
    const deadLetters = Number((await admin.listOffsets({ topics: [{ name: dlqTopic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }))[0]?.partitions[0]?.offset ?? 0n)
    await processor.kill('SIGTERM')
    return {
      seed: options.seed,
      records: records.length,
      rows,
      ledger: totals,
      expected,
      lost: Math.max(0, expected.count - totals.count),
      duplicated: Math.max(0, totals.count - expected.count),
      wrongWindows,
      deadLetters,
      durationMs: Date.now() - started,
    }
  } finally {
    if (current?.alive) await current.kill('SIGKILL')
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  }
}

/** Every expected result hash with its exact count/sum/min/max, and no other hash. */
async function compareWindows (redis: Redis, prefix: string, records: readonly Rec[]): Promise<string[]> {
  const expected = new Map<string, { count: number, sum: number, min: number, max: number }>()
  for (const r of records) {
    const key = windowKey(prefix, r.eventTime - (r.eventTime % 10_000), r.key)
    const agg = expected.get(key)
    if (!agg) expected.set(key, { count: 1, sum: r.value, min: r.value, max: r.value })
    else {
      agg.count++
      agg.sum += r.value
      agg.min = Math.min(agg.min, r.value)
      agg.max = Math.max(agg.max, r.value)
    }
  }
  const wrong: string[] = []
  const seen = new Set<string>()
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:w:*`, COUNT: 1000 })) {
    for (const key of keys) {
      seen.add(key)
      const want = expected.get(key)
      const h = await redis.hmGet(key, ['count', 'sum', 'min', 'max'])
      const got = { count: Number(h[0]), sum: Number(h[1]), min: Number(h[2]), max: Number(h[3]) }
      if (!want) wrong.push(`${key}: unexpected`)
      else if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${key}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
    }
  }
  for (const key of expected.keys()) if (!seen.has(key)) wrong.push(`${key}: missing`)
  return wrong
}

/** The table `task chaos` prints. */
export function table (result: ChaosResult): string {
  const lines = [
    '| # | fault | at | time to recover |',
    '|---|-------|----|-----------------|',
    ...result.rows.map((row, i) => `| ${i + 1} | ${row.fault} | ${(row.atMs / 1000).toFixed(1)} s | ${(row.recoverMs / 1000).toFixed(1)} s |`),
    '',
    '| seed | records | faults | lost | duplicated | wrong windows | dead letters | run time |',
    '|------|---------|--------|------|------------|---------------|--------------|----------|',
    `| ${result.seed} | ${result.records} | ${result.rows.length} | ${result.lost} | ${result.duplicated} | ${result.wrongWindows.length} | ${result.deadLetters} | ${Math.round(result.durationMs / 1000)} s |`,
  ]
  return lines.join('\n')
}
