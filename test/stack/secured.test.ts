// The stack's secured listeners: Kafka over SASL_SSL with SCRAM-SHA-512 and Redis over TLS as an
// ACL user, both with certificates of the stack's own CA. A Node client (kafkajs) and the
// processor produce, consume and verify through them; a wrong password and an untrusted
// certificate each end in one line; no password reaches a log, the metrics or an error.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs'
import { createClient } from 'redis'
import { Fetcher } from '../../processor/src/consume/fetch/fetcher.ts'
import { SaslError } from '../../processor/src/consume/fetch/sasl.ts'
import { eventually, expectedTotals, isolate, ledgerTotals, startProcessor, workload, type TestRecord } from '../../processor/test/helpers.ts'
import { root, run, stack, uniqueName } from '../helpers.ts'

const secureNames = ['SPATE_KAFKA_BROKERS', 'SPATE_KAFKA_SASL_MECHANISM', 'SPATE_KAFKA_SASL_USERNAME', 'SPATE_KAFKA_SASL_PASSWORD',
  'SPATE_KAFKA_TLS_ENABLED', 'SPATE_KAFKA_TLS', 'SPATE_KAFKA_TLS_CA_FILE', 'SPATE_REDIS_URL', 'SPATE_REDIS_USERNAME', 'SPATE_REDIS_PASSWORD', 'SPATE_REDIS_TLS_CA_FILE', 'NODE_EXTRA_CA_CERTS'] as const
type Secured = Record<typeof secureNames[number], string>

/** The settings `stack/stack.sh env secured` gives a user's shell. */
async function securedSettings (): Promise<Secured> {
  const script = `eval "$(stack/stack.sh env secured)" && for n in ${secureNames.join(' ')}; do printf '%s=%s\\n' "$n" "\${!n}"; done`
  const result = await run('bash', ['-c', script])
  assert.equal(result.code, 0, result.stderr)
  return Object.fromEntries(result.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])) as Secured
}

const runDir = process.env.SPATE_RUN_DIR ?? join(root, '.run')

async function kafkaOptions (s: Secured, overrides: { password?: string, trustCa?: boolean } = {}): Promise<KafkaConfig> {
  return {
    clientId: 'spate-secured-test',
    brokers: s.SPATE_KAFKA_BROKERS.split(','),
    ssl: overrides.trustCa === false ? true : { ca: [await readFile(s.SPATE_KAFKA_TLS_CA_FILE, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: s.SPATE_KAFKA_SASL_USERNAME, password: overrides.password ?? s.SPATE_KAFKA_SASL_PASSWORD },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 5_000,
  }
}

/** A topic made through the secured listener, deleted after the test. */
async function securedTopic (t: TestContext, s: Secured, partitions: number): Promise<string> {
  const topic = uniqueName('secured')
  const admin = new Kafka(await kafkaOptions(s)).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  t.after(async () => { await admin.deleteTopics({ topics: [topic] }).catch(() => {}); await admin.disconnect() })
  return topic
}

async function produceSecured (s: Secured, topic: string, records: TestRecord[], runId: string): Promise<void> {
  const producer = new Kafka(await kafkaOptions(s)).producer()
  await producer.connect()
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({
        key: r.key,
        value: JSON.stringify({ runId, seq: r.seq, key: r.key, eventTime: r.eventTime, value: r.value }),
        ...(r.partition === undefined ? {} : { partition: r.partition }),
      })),
    })
  } finally {
    await producer.disconnect()
  }
}

/** Every service log of the stack, to be searched for secrets. */
async function stackLogs (): Promise<string> {
  const logs = await Promise.all(['kafka', 'redis', 's3', 'prometheus'].map((svc) =>
    readFile(join(runDir, svc, `${svc}.log`), 'utf8').catch(() => '')))
  return logs.join('\n')
}

test('kafkajs produces and consumes through the SASL_SSL listener as the SCRAM user, trusting the stack CA', { timeout: 60_000 }, async (t) => {
  const s = await securedSettings()
  const topic = await securedTopic(t, s, 1)
  const sent = Array.from({ length: 50 }, (_, i) => `secured-${i}`)
  const kafka = new Kafka(await kafkaOptions(s))
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages: sent.map((value) => ({ value })) })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: uniqueName('secured-reader') })
  t.after(() => consumer.disconnect())
  const received: string[] = []
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const all = new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => { received.push(message.value!.toString()); if (received.length === sent.length) resolve() } })
  })
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 30_000))])
  assert.deepEqual(received, sent)
})

test('the secured listener refuses a wrong SCRAM password and a client that does not trust the stack CA', { timeout: 60_000 }, async () => {
  const s = await securedSettings()
  const wrong = new Kafka(await kafkaOptions(s, { password: 'not-the-password' })).admin()
  await assert.rejects(wrong.connect(), /SASL SCRAM SHA512 authentication failed/)
  const untrusting = new Kafka(await kafkaOptions(s, { trustCa: false })).admin()
  await assert.rejects(untrusting.connect(), /self-signed certificate in certificate chain/)
})

/** What the processor's fetch client does against the secured listener: the records it read, or why it stopped. */
async function fetchSecured (s: Secured, topic: string, count: number, overrides: { password?: string, trustCa?: boolean } = {}): Promise<string[] | Error> {
  const read: string[] = []
  let fetcher: Fetcher | undefined
  try {
    return await new Promise<string[] | Error>((resolve) => {
      const timer = setTimeout(() => resolve(new Error(`only ${read.length} of ${count} records in 30 s`)), 30_000)
      fetcher = new Fetcher({
        brokers: s.SPATE_KAFKA_BROKERS.split(','),
        topic,
        connection: {
          clientId: 'spate-secured-test',
          tls: overrides.trustCa === false ? {} : { ca: [readFileSync(s.SPATE_KAFKA_TLS_CA_FILE, 'utf8')] },
          sasl: { mechanism: 'scram-sha-512', username: s.SPATE_KAFKA_SASL_USERNAME, password: overrides.password ?? s.SPATE_KAFKA_SASL_PASSWORD },
          connectTimeoutMs: 5000,
          requestTimeoutMs: 10_000,
        },
        maxWaitMs: 100,
        maxBytes: 1024 * 1024,
        partitionMaxBytes: 256 * 1024,
        giveUpMs: 20_000,
      }, {
        onRuns: async (runs) => {
          for (const run of runs) for (let i = run.start; i < run.end; i++) read.push(run.record(i).value?.toString() ?? '')
          if (read.length >= count) { clearTimeout(timer); resolve(read) }
        },
        onHighWatermark: () => {},
        onStopped: (error) => { clearTimeout(timer); resolve(error) },
      }, { debug () {}, info () {}, warn () {}, error () {} } as never)
      fetcher.assign(new Map([[0, 0]]))
    })
  } finally {
    fetcher?.close()
  }
}

test('the processor\'s fetch client reads through the SASL_SSL listener as the SCRAM user, and stops at once on a wrong password or an untrusted CA', { timeout: 120_000 }, async (t) => {
  const s = await securedSettings()
  const topic = await securedTopic(t, s, 1)
  const producer = new Kafka(await kafkaOptions(s)).producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages: [{ value: 'one' }, { value: 'two' }, { value: 'three' }] })
  await producer.disconnect()

  assert.deepEqual(await fetchSecured(s, topic, 3), ['one', 'two', 'three'])
  const wrong = await fetchSecured(s, topic, 3, { password: 'wrong-kafka-password-2' })
  assert.ok(wrong instanceof SaslError, `a wrong password: ${String(wrong)}`)
  assert.doesNotMatch(wrong.message, /wrong-kafka-password-2/)
  assert.ok(!wrong.message.includes(s.SPATE_KAFKA_SASL_PASSWORD))
  const untrusted = await fetchSecured(s, topic, 3, { trustCa: false })
  assert.ok(untrusted instanceof Error && !Array.isArray(untrusted), 'an untrusted CA must stop the fetch client')
  assert.match(untrusted.message, /certificate/)
})

test('Redis over TLS accepts the ACL user and refuses a wrong password', { timeout: 30_000 }, async (t) => {
  const s = await securedSettings()
  const ca = await readFile(s.SPATE_KAFKA_TLS_CA_FILE, 'utf8')
  const client = createClient({ url: s.SPATE_REDIS_URL, username: s.SPATE_REDIS_USERNAME, password: s.SPATE_REDIS_PASSWORD, socket: { tls: true, ca } })
  client.on('error', () => {})
  await client.connect()
  t.after(() => client.close().catch(() => {}))
  assert.equal(await client.ping(), 'PONG')
  assert.equal(await client.aclWhoAmI(), s.SPATE_REDIS_USERNAME)

  const wrong = createClient({ url: s.SPATE_REDIS_URL, username: s.SPATE_REDIS_USERNAME, password: 'not-the-password', socket: { tls: true, ca, reconnectStrategy: false } })
  wrong.on('error', () => {})
  await assert.rejects(wrong.connect(), /WRONGPASS/)
})

test('the processor consumes through SASL_SSL and writes through Redis TLS as the ACL user, exactly once, and no password leaks', { timeout: 120_000 }, async (t) => {
  const s = await securedSettings()
  const iso = await isolate(t, 2)
  const topic = await securedTopic(t, s, 2)
  const records = workload(400, 2)
  await produceSecured(s, topic, records, 'secured')
  // The processor trusts the stack's CA through its own settings (kafka.tls.caFile, redis.tls.caFile), not Node's.
  const processor = await startProcessor(t, { ...iso, topic }, ['--window.idleTimeout=1s', '--log.level=debug'], { ...s, NODE_EXTRA_CA_CERTS: undefined })

  const ca = await readFile(s.SPATE_KAFKA_TLS_CA_FILE, 'utf8')
  const redis = createClient({ url: s.SPATE_REDIS_URL, username: s.SPATE_REDIS_USERNAME, password: s.SPATE_REDIS_PASSWORD, socket: { tls: true, ca } })
  redis.on('error', () => {})
  await redis.connect()
  t.after(() => redis.close().catch(() => {}))
  // The verifier reads the results through the TLS port as the ACL user too.
  const ledger = () => ledgerTotals(redis as unknown as Parameters<typeof ledgerTotals>[0], iso.prefix, 'secured')
  const want = expectedTotals(records)
  await eventually(async () => (await ledger()).count >= want.count, 60_000,
    async () => `ledger ${JSON.stringify(await ledger())}, want ${JSON.stringify(want)}\n${processor.output()}`)
  assert.deepEqual(await ledger(), want)

  const metrics = await (await fetch(`http://127.0.0.1:${processor.port}/metrics`)).text()
  const keystorePassword = await readFile(join(runDir, 'tls', 'kafka.p12.password'), 'utf8')
  const places = { 'processor output': processor.output(), metrics, 'stack logs': await stackLogs() }
  for (const secret of [s.SPATE_KAFKA_SASL_PASSWORD, s.SPATE_REDIS_PASSWORD, keystorePassword.trim()]) {
    for (const [where, text] of Object.entries(places)) assert.ok(!text.includes(secret), `a password appeared in the ${where}`)
  }
})

/** Runs the processor with the secured settings changed by `env` until it exits; returns its streams. */
async function failingProcessor (t: TestContext, s: Secured, env: Record<string, string | undefined>) {
  const iso = await isolate(t, 1)
  const result = await run(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'),
    `--kafka.topic=${iso.topic}`, `--kafka.dlqTopic=${iso.dlqTopic}`, `--kafka.groupId=${iso.group}`, '--metrics.port=0'],
  { env: { ...s, ...env }, timeoutMs: 90_000 })
  assert.equal(result.code, 1, result.stdout + result.stderr)
  const lines = result.stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`)
  for (const secret of [s.SPATE_KAFKA_SASL_PASSWORD, s.SPATE_REDIS_PASSWORD, env.SPATE_KAFKA_SASL_PASSWORD, env.SPATE_REDIS_PASSWORD]) {
    if (secret) assert.ok(!(result.stdout + result.stderr).includes(secret), 'a password appeared in the output')
  }
  return lines[0]!
}

// An undefined value removes the variable from the processor's environment.
const failures: Array<{ name: string, env: Record<string, string | undefined>, line: RegExp }> = [
  {
    name: 'a wrong Kafka password',
    env: { SPATE_KAFKA_SASL_PASSWORD: 'wrong-kafka-password-1' },
    line: /^spate-processor: Kafka refused the SASL credentials \(SASL SCRAM SHA512 authentication failed.*\); check kafka\.sasl\.mechanism, kafka\.sasl\.username and SPATE_KAFKA_SASL_PASSWORD$/,
  },
  {
    name: 'a Kafka certificate it does not trust',
    // Plain Redis, so that Kafka's certificate is the one left untrusted.
    env: { SPATE_KAFKA_TLS_CA_FILE: undefined, NODE_EXTRA_CA_CERTS: undefined, SPATE_REDIS_URL: stack.redisUrl(), SPATE_REDIS_TLS_CA_FILE: undefined, SPATE_REDIS_USERNAME: undefined, SPATE_REDIS_PASSWORD: undefined },
    line: /^spate-processor: the brokers' TLS certificate is not trusted \(.*self-signed certificate in certificate chain\); set kafka\.tls\.caFile \(SPATE_KAFKA_TLS_CA_FILE\)/,
  },
  {
    name: 'a wrong Redis password',
    env: { SPATE_REDIS_PASSWORD: 'wrong-redis-password-1' },
    line: /^spate-processor: Redis at rediss:\/\/127\.0\.0\.1:\d+ refused the credentials \(WRONGPASS/,
  },
  {
    name: 'a Redis certificate it does not trust',
    env: { NODE_EXTRA_CA_CERTS: undefined, SPATE_REDIS_TLS_CA_FILE: undefined },
    line: /^spate-processor: Redis at rediss:\/\/127\.0\.0\.1:\d+ presents a TLS certificate that is not trusted \(self-signed certificate in certificate chain\); set redis\.tls\.caFile \(SPATE_REDIS_TLS_CA_FILE\)/,
  },
]

for (const failure of failures) {
  test(`the processor stops with one line on stderr for ${failure.name}`, { timeout: 120_000 }, async (t) => {
    const s = await securedSettings()
    const line = await failingProcessor(t, s, failure.env)
    assert.match(line, failure.line)
  })
}
