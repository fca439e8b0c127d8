// The load scripts through the stack's secured listeners: `spate run` produces over Kafka's
// SASL_SSL listener (SCRAM-SHA-512, the stack's own CA), the processor consumes it the same way,
// and the verify step reads the sink over Redis TLS as the ACL user. A wrong password and an
// untrusted certificate each stop the run in setup with one line, and no password reaches the
// output, the summary or the JUnit file.
import assert from 'node:assert/strict'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { isolate, startProcessor } from '../../processor/test/helpers.ts'
import { run } from '../helpers.ts'

const names = ['SPATE_KAFKA_BROKERS', 'SPATE_KAFKA_SASL_MECHANISM', 'SPATE_KAFKA_SASL_USERNAME', 'SPATE_KAFKA_SASL_PASSWORD',
  'SPATE_KAFKA_TLS_ENABLED', 'SPATE_KAFKA_TLS', 'SPATE_KAFKA_TLS_CA_FILE', 'SPATE_REDIS_URL', 'SPATE_REDIS_USERNAME', 'SPATE_REDIS_PASSWORD', 'NODE_EXTRA_CA_CERTS'] as const
type Secured = Record<typeof names[number], string>

/** What `eval "$(stack/stack.sh env secured)"` sets in a user's shell. */
async function secured (): Promise<Secured> {
  const result = await run('bash', ['-c', `eval "$(stack/stack.sh env secured)" && for n in ${names.join(' ')}; do printf '%s=%s\\n' "$n" "\${!n}"; done`])
  assert.equal(result.code, 0, result.stderr)
  return Object.fromEntries(result.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])) as Secured
}

/** The load script's environment: the secured Kafka as is, the sink as a rediss:// URL with the ACL user. */
function scriptEnv (s: Secured): Record<string, string> {
  const redis = new URL(s.SPATE_REDIS_URL)
  redis.username = s.SPATE_REDIS_USERNAME
  redis.password = s.SPATE_REDIS_PASSWORD
  return {
    SPATE_KAFKA_BROKERS: s.SPATE_KAFKA_BROKERS,
    SPATE_KAFKA_SASL_MECHANISM: s.SPATE_KAFKA_SASL_MECHANISM,
    SPATE_KAFKA_SASL_USERNAME: s.SPATE_KAFKA_SASL_USERNAME,
    SPATE_KAFKA_SASL_PASSWORD: s.SPATE_KAFKA_SASL_PASSWORD,
    SPATE_KAFKA_TLS: 'true',
    SPATE_KAFKA_TLS_CA_FILE: s.SPATE_KAFKA_TLS_CA_FILE,
    SPATE_REDIS_URL: redis.toString(),
    // The engine's Redis client trusts the system's roots; Go reads an extra CA file from here.
    SSL_CERT_FILE: s.SPATE_KAFKA_TLS_CA_FILE,
  }
}

function assertNoSecret (s: Secured, text: string, where: string): void {
  for (const secret of [s.SPATE_KAFKA_SASL_PASSWORD, s.SPATE_REDIS_PASSWORD]) {
    assert.ok(secret.length >= 8, 'the stack made real passwords')
    assert.equal(text.includes(secret), false, `a password appears in ${where}`)
  }
}

test('a load script produces through SASL_SSL and verifies over Redis TLS, with no password in its output', { timeout: 240_000 }, async (t) => {
  const s = await secured()
  const iso = await isolate(t, 3)
  // The processor reads the same topic through the secured listener and writes over Redis TLS.
  const processor = await startProcessor(t, iso, ['--window.size=2s', '--window.allowedLateness=1s', '--window.idleTimeout=1s', '--checkpoint.interval=500ms'], s)
  const reports = await mkdtemp(join(tmpdir(), 'spate-secured-'))
  const result = await run('spate', ['run', '--quiet', 'scripts/steady.ts'], {
    env: {
      ...scriptEnv(s),
      SPATE_TOPIC: iso.topic,
      SPATE_DLQ_TOPIC: iso.dlqTopic,
      SPATE_PARTITIONS: '3',
      SPATE_SINK_PREFIX: iso.prefix,
      SPATE_CONSUMER_GROUP: '',
      SPATE_RATE: '300',
      SPATE_DURATION: '4s',
      SPATE_VERIFY_TIMEOUT: '60',
      SPATE_REPORT_DIR: reports,
      // The secured path is under test, not speed: TLS handshakes on a loaded 2-core machine
      // can push a 4 s run's produce p95 past the default profile's 500 ms.
      SPATE_THRESHOLDS: 'smoke',
      SPATE_MAX_WRITE_P95_MS: '5000',
      SPATE_MAX_WRITE_P99_MS: '10000',
    },
    timeoutMs: 200_000,
  })
  assert.equal(result.code, 0, result.stdout + result.stderr + processor.output())
  const verified = Number(/spate_records_verified\.*: (\d+)/.exec(result.stdout)?.[1])
  assert.ok(verified > 0 && verified === Number(/kafka_writer_message_count\.*: (\d+)/.exec(result.stdout)?.[1]), `verified ${verified} of what was produced:\n${result.stdout}`)
  assertNoSecret(s, result.stdout + result.stderr, 'the run output')
  for (const file of ['k6-summary.json', 'k6-junit.xml']) assertNoSecret(s, await readFile(join(reports, file), 'utf8'), file)
})

test('a wrong Kafka password and an untrusted certificate each stop the load script in setup with one line', { timeout: 120_000 }, async () => {
  const s = await secured()
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['wrong password', { SPATE_KAFKA_SASL_PASSWORD: 'not-the-password' }, /SASL|authenticat/i],
    ['untrusted certificate', { SPATE_KAFKA_TLS_CA_FILE: '' }, /certificate|x509|tls/i],
  ]
  for (const [what, change, cause] of cases) {
    const result = await run('spate', ['run', '--quiet', 'scripts/smoke.ts'], { env: { ...scriptEnv(s), ...change, SSL_CERT_FILE: '/dev/null', SPATE_VERIFY: 'off' }, timeoutMs: 90_000 })
    assert.equal(result.code, 108, `${what}: ${result.stdout}${result.stderr}`)
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('spate: error:'))
    assert.equal(errors.length, 1, `${what}: ${result.stderr}`)
    assert.match(errors[0] as string, cause, what)
    assertNoSecret(s, result.stdout + result.stderr, `the ${what} output`)
  }
})

test('a script reaches Redis over TLS with the options object and the CA as PEM, and an untrusted certificate is one line', { timeout: 120_000 }, async () => {
  const s = await secured()
  const redis = new URL(s.SPATE_REDIS_URL)
  const env = {
    REDIS_HOST: redis.hostname,
    REDIS_PORT: redis.port,
    REDIS_USERNAME: s.SPATE_REDIS_USERNAME,
    REDIS_PASSWORD: s.SPATE_REDIS_PASSWORD,
    RUN: String(Date.now()),
    // Only the options' CA may make the certificate trusted.
    SSL_CERT_FILE: '/dev/null',
  }
  const trusted = await run('spate', ['run', '--quiet', 'test/engine/scripts/redis-tls-options.js'], { env: { ...env, REDIS_CA_FILE: s.SPATE_KAFKA_TLS_CA_FILE }, timeoutMs: 90_000 })
  assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr)
  assert.match(trusted.stdout, /checks_succeeded\.*: 100\.00%\s+10 out of 10/)
  assertNoSecret(s, trusted.stdout + trusted.stderr, 'the TLS options run output')

  const untrusted = await run('spate', ['run', '--quiet', 'test/engine/scripts/redis-tls-options.js'], { env: { ...env, REDIS_CA_FILE: '' }, timeoutMs: 90_000 })
  assert.notEqual(untrusted.code, 0, untrusted.stdout)
  assert.match(untrusted.stdout + untrusted.stderr, /redis: the TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(.*\); give its CA with socket\.tls\.ca/)
  assertNoSecret(s, untrusted.stdout + untrusted.stderr, 'the untrusted-certificate output')
})
