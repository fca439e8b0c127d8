// Processor throughput, next to the reference tools on the same machine and the same run:
//   1. preload a topic with N basic records (12 partitions);
//   2. Kafka's ConsumerPerformance reads the topic: the broker's raw consume rate;
//   3. redis-benchmark -P 16 HSET: Redis' pipelined write rate; the Kafka clients alone, doing
//      nothing with the records: spate's fetch client (the processor's ceiling) and, for
//      comparison, kafkajs in N threads of one group (the client the processor fetched with before);
//   4. the processor drains the backlog: records/s consumed, windowed and written to Redis
//      (one instance without worker threads, one instance with N worker threads for each N of
//      BENCH_WORKERS, two instances without worker threads in one group);
//   5. naive vs pooled Redis connections on the same small workload: keys written per second.
// Prints a Markdown section for BENCHMARKS.md on stdout, progress on stderr (`task bench:processor`).
//
//   BENCH_RECORDS (default 2000000), BENCH_KEYS (default 10000), BENCH_PARTITIONS (default 12),
//   BENCH_WORKERS (default: the machine's cores, e.g. "2" or "2,3,4"),
//   BENCH_CPU_PROF=<dir>: the first run with workers writes `node --cpu-prof` profiles there
//   (one per thread), for `node bench/cpu-profile.ts <dir>`,
//   BENCH_SECTIONS (default kafka,redis,client,single,workers,instances,keys): the steps to run,
//   BENCH_REPEAT (default 1): run ConsumerPerformance and drain every configuration this many
//   times, in rounds, and report the medians (single runs on a shared machine move by 20%, and
//   ConsumerPerformance by more),
//   BENCH_TOPIC=<topic>: drain a topic preloaded by an earlier run (its name is logged) instead
//   of preloading a new one, for quick comparisons of the processor alone.
import { Admin, Producer, ProduceAcks } from '@platformatic/kafka'
import { spawn } from 'node:child_process'
import { availableParallelism, cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'
import { fetchClientCeiling, kafkajsCeiling } from './client-ceiling.ts'
import { freePort, root, run, stack, uniqueName } from './local-stack.ts'

const N = Number(process.env.BENCH_RECORDS ?? 2_000_000)
const KEYS = Number(process.env.BENCH_KEYS ?? 10_000)
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12)
const NAIVE_RECORDS = Number(process.env.BENCH_NAIVE_RECORDS ?? 3_000)
const WORKERS = (process.env.BENCH_WORKERS ?? String(availableParallelism())).split(',').map((n) => Number(n.trim()))
const CPU_PROF = process.env.BENCH_CPU_PROF
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1)
if (!Number.isInteger(REPEAT) || REPEAT < 1 || REPEAT > 20) throw new Error(`BENCH_REPEAT must be a whole number from 1 to 20, not ${process.env.BENCH_REPEAT}`)
const ALL_SECTIONS = ['kafka', 'redis', 'client', 'single', 'workers', 'instances', 'keys']
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? ALL_SECTIONS.join(',')).split(',').map((s) => s.trim()))
for (const section of SECTIONS) {
  if (!ALL_SECTIONS.includes(section)) throw new Error(`BENCH_SECTIONS: unknown section ${section}; use ${ALL_SECTIONS.join(', ')}`)
}
const DRAIN_TIMEOUT_MS = 600_000
const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

async function preload (topic: string, records: number, keys: number): Promise<void> {
  const admin = new Admin({ clientId: 'spate-bench', bootstrapBrokers: stack.kafkaBrokers() })
  await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 })
  await admin.createTopics({ topics: [`${topic}-dlq`], partitions: 1, replicas: 1 })
  await admin.close()
  const producer = new Producer({ clientId: 'spate-bench', bootstrapBrokers: stack.kafkaBrokers(), acks: ProduceAcks.LEADER })
  const runId = topic
  const start = Date.now() - 120_000 // event times over the last two minutes: windows close at once
  const started = performance.now()
  const batch = 10_000
  const inflight: Promise<unknown>[] = []
  for (let seq = 0; seq < records; seq += batch) {
    const messages = []
    for (let i = seq; i < Math.min(seq + batch, records); i++) {
      const key = `k${i % keys}`
      const value = JSON.stringify({ runId, seq: i, key, eventTime: start + Math.floor(i * 110_000 / records), value: i % 100, payload: 'x'.repeat(60) })
      messages.push({ topic, key: Buffer.from(key), value: Buffer.from(value) })
    }
    inflight.push(producer.send({ messages }))
    if (inflight.length >= 8) await inflight.shift()
    if (seq % 500_000 === 0 && seq > 0) log(`  preloaded ${fmt(seq)} records`)
  }
  await Promise.all(inflight)
  await producer.close()
  log(`preloaded ${fmt(records)} records into ${topic} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

async function consumerPerformance (topic: string, records: number): Promise<number> {
  const kafkaHome = join(process.env.SPATE_CACHE ?? join(process.env.HOME ?? '', '.cache/spate'), 'kafka')
  const result = await run('java', [
    '-Xmx512m', `-Dlog4j2.configurationFile=${join(root, 'stack/kafka/tools-log4j2.properties')}`, '-cp', `${kafkaHome}/libs/*`,
    'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', stack.kafkaBrokers().join(','), '--topic', topic,
    '--messages', String(records), '--group', uniqueName('bench-perf'), '--timeout', '60000',
  ], { timeoutMs: 600_000 })
  if (result.code !== 0) throw new Error(`ConsumerPerformance failed: ${result.stderr.slice(-500)}`)
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  const line = result.stdout.trim().split('\n').pop() as string
  const fields = line.split(',').map((f) => f.trim())
  return Number(fields[5])
}

async function redisBenchmark (): Promise<number> {
  const url = new URL(stack.redisUrl())
  const result = await run('redis-benchmark', ['-h', url.hostname, '-p', url.port, '-P', '16', '-n', '1000000', '-r', '100000', '-q', 'HSET', 'spate-bench:__rand_int__', 'count', '__rand_int__'], { timeoutMs: 300_000 })
  const match = /([\d.]+) requests per second/.exec(result.stdout)
  if (!match) throw new Error(`redis-benchmark printed no rate: ${result.stdout}${result.stderr}`)
  return Number(match[1])
}

interface Drain { seconds: number, recordsPerSec: number, windowKeys: number, redisKeysPerSec: number }

/** A metric's value on an instance, summed over its label sets. */
async function scrape (port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  let total = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

/** Runs `instances` processors on the topic until the run's ledger holds every record. */
async function drain (topic: string, records: number, instances: number, extra: string[] = [], nodeFlags: string[] = []): Promise<Drain> {
  const prefix = uniqueName('bench')
  const redis = createClient({ url: stack.redisUrl() })
  await redis.connect()
  const children = []
  const ports: number[] = []
  for (let i = 0; i < instances; i++) {
    const port = await freePort()
    ports.push(port)
    const iso = { topic, dlqTopic: `${topic}-dlq`, group: prefix, prefix, s3Prefix: `bench/${prefix}` }
    children.push(spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(root, 'processor/src/main.ts'),
      `--kafka.topic=${iso.topic}`, `--kafka.dlqTopic=${iso.dlqTopic}`, `--kafka.groupId=${iso.group}`, `--redis.keyPrefix=${iso.prefix}`,
      `--s3.prefix=${iso.s3Prefix}`, '--log.reportInterval=0', `--metrics.port=${port}`, '--window.idleTimeout=500ms', '--window.allowedLateness=0s', '--log.level=warn', ...extra,
    ], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }))
  }
  try {
    // The clock starts once every instance is ready: start-up is not throughput.
    for (const port of ports) {
      while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
        if (children.some((c) => c.exitCode !== null)) throw new Error('a processor exited during start')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    const started = performance.now()
    let count = 0
    let lastReport = performance.now()
    while (count < records) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      // The instances' own count of records processed first: a scrape costs them next to nothing,
      // while a ledger scan walks every key in Redis, whose CPU the processor shares. The ledger,
      // the count of records written, is read once they have processed every record.
      let processed = 0
      for (const port of ports) processed += await scrape(port, 'spate_records_processed_total')
      count = Math.min(processed, records - 1)
      if (processed >= records) {
        count = 0
        // One pipelined round trip per scan page.
        for await (const keys of redis.scanIterator({ MATCH: `${prefix}:ledger:*`, COUNT: 1000 })) {
          for (const value of await Promise.all(keys.map((key) => redis.hGet(key, 'count')))) count += Number(value)
        }
      }
      if (performance.now() - lastReport > 10_000) {
        log(`  ${fmt(count)} of ${fmt(records)} records ${count < records - 1 ? 'processed' : 'written'}`)
        lastReport = performance.now()
      }
      if (children.some((c) => c.exitCode !== null)) throw new Error('a processor exited during the benchmark')
      if (performance.now() - started > DRAIN_TIMEOUT_MS) throw new Error(`${fmt(count)} of ${fmt(records)} records written after ${DRAIN_TIMEOUT_MS / 1000} s: the drain stalled`)
    }
    const seconds = (performance.now() - started) / 1000
    let windowKeys = 0
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:w:*`, COUNT: 1000 })) windowKeys += keys.length
    // The sink's own rate: Redis writes over the time spent writing them (as the seed measured keys/s).
    let writes = 0
    let flushSeconds = 0
    for (const port of ports) {
      writes += await scrape(port, 'spate_redis_writes_total')
      flushSeconds += await scrape(port, 'spate_window_flush_seconds_sum')
    }
    return { seconds, recordsPerSec: records / seconds, windowKeys, redisKeysPerSec: writes / flushSeconds }
  } finally {
    // A clean stop, so that --cpu-prof writes its profiles; SIGKILL if it takes too long.
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.once('exit', () => { clearTimeout(timer); resolve() })
      child.kill('SIGTERM')
    })))
    await redis.close()
  }
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.floor(sorted.length / 2)] as number
}

/** The rounds behind a median, when there was more than one. */
function spread (values: readonly number[]): string {
  return values.length > 1 ? ` (median of ${values.length}: ${[...values].sort((x, y) => x - y).map(fmt).join(', ')})` : ''
}

async function main (): Promise<void> {
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  log(`machine: ${machine}`)
  const topic = process.env.BENCH_TOPIC ?? uniqueName('bench-basic')
  if (process.env.BENCH_TOPIC) log(`draining ${topic}, preloaded earlier (BENCH_RECORDS must match its record count)`)
  else await preload(topic, N, KEYS)
  log(`topic: ${topic} (BENCH_TOPIC=${topic} drains it again without preloading)`)

  const rows: string[] = []
  const target = 333_333
  let kafkaRate: number | undefined
  const ratio = (rate: number) => kafkaRate === undefined ? '' : `${(rate / kafkaRate).toFixed(2)} of ConsumerPerformance`
  const drains: number[] = []
  let windowKeys: number | undefined
  // ConsumerPerformance moves the most from one run to the next on this machine (its start is
  // amortised over the records, and the broker shares the cores): it runs in every round too.
  const kafkaRates: number[] = []
  const consumerPerformanceRound = async (round: number): Promise<void> => {
    if (!SECTIONS.has('kafka')) return
    log(`ConsumerPerformance${REPEAT > 1 ? ` (round ${round + 1} of ${REPEAT})` : ''}`)
    const rate = await consumerPerformance(topic, N)
    log(`  ${fmt(rate)} records/s`)
    kafkaRates.push(rate)
    kafkaRate = median(kafkaRates)
  }
  await consumerPerformanceRound(0)
  if (SECTIONS.has('redis')) {
    log('redis-benchmark -P 16 HSET')
    const redisRate = await redisBenchmark()
    log(`  ${fmt(redisRate)} HSET/s`)
    rows.push(`| redis-benchmark -P 16 HSET | ${fmt(redisRate)} writes/s | |`)
  }
  const clientRows: Array<() => string> = []
  if (SECTIONS.has('client')) {
    log('spate\'s fetch client alone (the processor\'s), 1 thread, every partition, no processing')
    const rate = await fetchClientCeiling(topic, N, PARTITIONS)
    log(`  ${fmt(rate)} records/s`)
    // Ratios once every ConsumerPerformance round has run: its median is not known before.
    clientRows.push(() => `| Kafka client alone (spate's fetch client, the processor's: 1 thread, no processing) | ${fmt(rate)} records/s | ${ratio(rate)} |`)
    for (const threads of [...new Set([1, ...WORKERS])]) {
      log(`kafkajs alone, ${threads} thread${threads > 1 ? 's' : ''}, no processing`)
      const rate = await kafkajsCeiling(topic, N, threads)
      log(`  ${fmt(rate)} records/s`)
      clientRows.push(() => `| kafkajs alone (the client the processor fetched with before; ${threads} thread${threads > 1 ? 's' : ''} in one group, no processing) | ${fmt(rate)} records/s | ${ratio(rate)} |`)
    }
  }
  // The processor's configurations, run in rounds (BENCH_REPEAT): one round drains each once,
  // so drift on a shared machine touches every configuration alike; each row is the median.
  const configs: Array<{ row: string, instances: number, extra: string[], profile: boolean }> = []
  if (SECTIONS.has('single')) configs.push({ row: 'processor, 1 instance, no worker threads: consumed, windowed, written', instances: 1, extra: ['--workers=1'], profile: false })
  if (SECTIONS.has('workers')) {
    for (const [i, workers] of WORKERS.entries()) configs.push({ row: `processor, 1 instance, ${workers} worker threads`, instances: 1, extra: [`--workers=${workers}`], profile: i === 0 })
  }
  if (SECTIONS.has('instances')) configs.push({ row: 'processor, 2 instances without worker threads (one group)', instances: 2, extra: ['--workers=1'], profile: false })
  const rates = configs.map(() => [] as number[])
  for (let round = 0; round < REPEAT; round++) {
    if (round > 0) await consumerPerformanceRound(round)
    for (const [i, config] of configs.entries()) {
      log(`${config.row.replace(/:.*/, '')}${REPEAT > 1 ? ` (round ${round + 1} of ${REPEAT})` : ''}`)
      const flags = CPU_PROF && config.profile && round === 0 ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []
      const result = await drain(topic, N, config.instances, config.extra, flags)
      log(`  ${fmt(result.recordsPerSec)} records/s`)
      rates[i]?.push(result.recordsPerSec)
      windowKeys ??= result.windowKeys
    }
  }
  rows.push(...clientRows.map((row) => row()))
  if (kafkaRate !== undefined) rows.unshift(`| Kafka ConsumerPerformance (raw consume, same topic)${spread(kafkaRates)} | ${fmt(kafkaRate)} records/s | 1.00 |`)
  for (const [i, config] of configs.entries()) {
    const rate = median(rates[i] as number[])
    rows.push(`| ${config.row}${spread(rates[i] as number[])} | ${fmt(rate)} records/s | ${ratio(rate)} |`)
    drains.push(rate)
  }
  if (drains.length > 0) rows.push(`| target: 1.2 billion records/hour | ${fmt(target)} records/s | best is ${(Math.max(...drains) / target).toFixed(2)} of target |`)
  if (SECTIONS.has('keys')) {
    // naive vs pooled: every record its own key, so each record is one Redis write.
    const small = uniqueName('bench-keys')
    await preload(small, NAIVE_RECORDS, NAIVE_RECORDS)
    log('naive Redis connections')
    const naive = await drain(small, NAIVE_RECORDS, 1, ['--redis.mode=naive', '--workers=1'])
    log(`  ${fmt(naive.redisKeysPerSec)} keys/s`)
    log('pooled Redis connections')
    const pooled = await drain(small, NAIVE_RECORDS, 1, ['--redis.mode=pooled', '--workers=1'])
    log(`  ${fmt(pooled.redisKeysPerSec)} keys/s`)
    rows.push(`| naive Redis (a connection per write), ${fmt(NAIVE_RECORDS)} keys | ${fmt(naive.redisKeysPerSec)} keys/s | |`)
    rows.push(`| pooled + pipelined Redis, same keys | ${fmt(pooled.redisKeysPerSec)} keys/s | ${(pooled.redisKeysPerSec / naive.redisKeysPerSec).toFixed(1)}x naive |`)
  }

  const report = `
### Processor drain, ${new Date().toISOString().slice(0, 10)}

Machine: ${machine}. ${fmt(N)} basic records (~150 B), ${fmt(KEYS)} keys, ${PARTITIONS} partitions,
10 s windows. All numbers from one run of \`task bench:processor\` (sections: ${[...SECTIONS].join(', ')}).

| what | rate | ratio |
|------|------|-------|
${rows.join('\n')}
${windowKeys === undefined ? '' : `\nRedis writes by the processor per ${fmt(N)} records: ${fmt(windowKeys)} window hashes (one per key per window).`}
${SECTIONS.has('keys') ? `Keys/s for naive and pooled are the sink's own rate: Redis writes divided by the time spent
writing them (\`spate_redis_writes_total / spate_window_flush_seconds_sum\`), as the seed
report measured its key throughput.` : ''}
`
  process.stdout.write(report)
}

await main()
