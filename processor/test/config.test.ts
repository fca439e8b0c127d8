import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { envName, loadConfig } from '../src/config/load.ts'

const credentials = { SPATE_S3_ACCESS_KEY_ID: 'id', SPATE_S3_SECRET_ACCESS_KEY: 'secret' }

async function yamlFile (text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'spate-config-')), 'processor.yaml')
  await writeFile(file, text)
  return file
}

function error (argv: string[], env: NodeJS.ProcessEnv = credentials): string {
  try {
    loadConfig({ argv, env })
  } catch (err) {
    return (err as Error).message
  }
  assert.fail('expected the configuration to be refused')
}

test('env var names follow the setting path', () => {
  assert.equal(envName('window.allowedLateness'), 'SPATE_WINDOW_ALLOWED_LATENESS')
  assert.equal(envName('backpressure.maxRatePerPartition'), 'SPATE_BACKPRESSURE_MAX_RATE_PER_PARTITION')
  assert.equal(envName('kafka.brokers'), 'SPATE_KAFKA_BROKERS')
})

test('defaults < YAML file < environment < flags', async () => {
  const file = await yamlFile('profile: medium\nwindow:\n  size: 30s\n  allowedLateness: 1s\nkafka:\n  topic: from-file\n')
  const { config } = loadConfig({
    argv: ['--config', file, '--kafka.topic=from-flag'],
    env: { ...credentials, SPATE_WINDOW_SIZE: '2m', SPATE_KAFKA_TOPIC: 'from-env' },
  })
  assert.equal(config.profile, 'medium') // file
  assert.equal(config.window.allowedLateness, 1000) // file
  assert.equal(config.window.size, 120_000) // env beats file
  assert.equal(config.kafka.topic, 'from-flag') // flag beats env
  assert.equal(config.batch.maxRecords, 20_000) // default
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:19092'])
})

test('sizes, durations and lists are parsed from strings', () => {
  const { config } = loadConfig({
    argv: ['--backpressure.maxBufferedBytes', '64MiB', '--batch.maxWait=1.5s', '--kafka.brokers=a:1, b:2'],
    env: credentials,
  })
  assert.equal(config.backpressure.maxBufferedBytes, 64 * 1024 * 1024)
  assert.equal(config.batch.maxWait, 1500)
  assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2'])
})

test('each bad value gets one line naming the setting, its source, the value and what is allowed', async () => {
  assert.equal(error(['--window.size=0s']), 'config: window.size = "0s" (from flag --window.size) is invalid: must be a duration from 1s to 1h, e.g. 500ms, 10s, 2m')
  assert.equal(error([], { ...credentials, SPATE_PROFILE: 'fancy' }), 'config: profile = "fancy" (from SPATE_PROFILE) is invalid: must be one of basic, medium, complex')
  assert.equal(error(['--kafka.brokers=localhost']), 'config: kafka.brokers = "localhost" (from flag --kafka.brokers) is invalid: must be a comma-separated list of host:port with at least 1 item')
  assert.equal(error(['--redis.poolSize=0']), 'config: redis.poolSize = "0" (from flag --redis.poolSize) is invalid: must be an integer from 1 to 256')
  const file = await yamlFile('batch:\n  maxRecords: -5\n')
  assert.equal(error(['--config', file]), `config: batch.maxRecords = -5 (from ${file}) is invalid: must be an integer from 1 to 1000000`)
})

test('unknown settings, flags and files are refused with a pointer to what exists', async () => {
  const file = await yamlFile('window:\n  sise: 10s\n')
  assert.equal(error(['--config', file]), `config: unknown setting "window.sise" in ${file}; settings under window are: window.size, window.allowedLateness, window.idleTimeout, window.valueField`)
  assert.match(error(['--kafka.topics=x']), /^config: unknown flag --kafka\.topics; settings under kafka are: kafka\.brokers, /)
  assert.match(error(['--config', '/nonexistent/p.yaml']), /^config: cannot read config file \/nonexistent\/p\.yaml \(ENOENT\); pass an existing file with --config <file>$/)
  const broken = await yamlFile('window: [size\n')
  assert.match(error(['--config', broken]), new RegExp(`^config: ${broken} is not valid YAML: `))
})

test('secrets come from the environment only and never appear in errors', async () => {
  const file = await yamlFile('redis:\n  password: hunter2\n')
  const fromFile = error(['--config', file])
  assert.equal(fromFile, `config: redis.password is a secret and is read from SPATE_REDIS_PASSWORD only; remove it from ${file}`)
  assert.equal(error(['--kafka.sasl.password=hunter2']), 'config: kafka.sasl.password is a secret and is read from SPATE_KAFKA_SASL_PASSWORD only, not from a flag')
  assert.equal(error(['--kafka.sasl.mechanism=scram-sha-512', '--kafka.sasl.username=u']), 'config: kafka.sasl.mechanism is scram-sha-512 but the password is missing; export SPATE_KAFKA_SASL_PASSWORD')
  const { config } = loadConfig({ argv: ['--kafka.sasl.mechanism=scram-sha-512', '--kafka.sasl.username=u'], env: { ...credentials, SPATE_KAFKA_SASL_PASSWORD: 'hunter2' } })
  assert.equal(config.kafka.sasl.password, 'hunter2')
  assert.equal(error([], {}), 'config: S3 credentials are missing: export SPATE_S3_ACCESS_KEY_ID and SPATE_S3_SECRET_ACCESS_KEY')
})

test('a CA file must be readable PEM and match a TLS connection', async () => {
  const pem = await yamlFile('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
  const notPem = await yamlFile('just: yaml\n')
  assert.equal(error(['--kafka.tls.caFile=/nonexistent/ca.pem', '--kafka.tls.enabled=true']), 'config: kafka.tls.caFile cannot be read (ENOENT: /nonexistent/ca.pem); give the PEM file of the CA that signed the brokers\' certificates')
  assert.equal(error([`--kafka.tls.caFile=${notPem}`, '--kafka.tls.enabled=true']), `config: kafka.tls.caFile (${notPem}) holds no PEM certificate; give the PEM file of the CA that signed the brokers' certificates`)
  assert.equal(error([`--kafka.tls.caFile=${pem}`]), 'config: kafka.tls.caFile is set but kafka.tls.enabled is false; set SPATE_KAFKA_TLS_ENABLED=true, or unset SPATE_KAFKA_TLS_CA_FILE')
  assert.equal(error([`--redis.tls.caFile=${pem}`]), 'config: redis.tls.caFile is set but redis.url is not a rediss:// URL; use rediss:// for TLS, or unset SPATE_REDIS_TLS_CA_FILE')
  assert.equal(error(['--redis.tls.caFile=/nonexistent/ca.pem', '--redis.url=rediss://127.0.0.1:6380']), 'config: redis.tls.caFile cannot be read (ENOENT: /nonexistent/ca.pem); give the PEM file of the CA that signed Redis\'s certificate')
  const { config } = loadConfig({ argv: [`--redis.tls.caFile=${pem}`, '--redis.url=rediss://127.0.0.1:6380', `--kafka.tls.caFile=${pem}`, '--kafka.tls.enabled=true'], env: credentials })
  assert.equal(config.redis.tls.caFile, pem)
  assert.equal(config.kafka.tls.caFile, pem)
})

test('settings that contradict each other are refused', () => {
  assert.equal(error(['--kafka.dlqTopic=spate-events']), 'config: kafka.dlqTopic must differ from kafka.topic ("spate-events"), or dead letters would be consumed again')
})

test('docs/processor.md lists every setting with its env var', async () => {
  const { readFile } = await import('node:fs/promises')
  const { settings } = await import('../src/config/schema.ts')
  const doc = await readFile(join(import.meta.dirname, '../../docs/processor.md'), 'utf8')
  const missing = settings.filter((s) => !doc.includes(`| \`${s.path}\` | \`${envName(s.path)}\` |`)).map((s) => s.path)
  assert.deepEqual(missing, [])
})

const unknownEnv: Array<{ name: string, env: Record<string, string>, warnings: string[] }> = [
  { name: 'a misspelled setting is named with the closest one', env: { SPATE_WINDOW_SIZ: '5s' }, warnings: ['SPATE_WINDOW_SIZ is not a processor setting and is ignored; did you mean SPATE_WINDOW_SIZE (window.size)?'] },
  { name: 'an unknown variable under a processor-only section is warned about', env: { SPATE_CHECKPOINT_EVERY: '1s' }, warnings: ['SPATE_CHECKPOINT_EVERY is not a processor setting and is ignored; did you mean SPATE_CHECKPOINT_KEEP (checkpoint.keep)?'] },
  { name: 'the load scripts\' and the stack\'s variables are left alone', env: { SPATE_TOPIC: 't', SPATE_KAFKA_PORT: '1', SPATE_REDIS_PORT: '2', SPATE_RATE: '3' }, warnings: [] },
]
for (const c of unknownEnv) {
  test(`unknown environment: ${c.name}`, () => {
    const { warnings } = loadConfig({ env: { SPATE_S3_ACCESS_KEY_ID: 'a', SPATE_S3_SECRET_ACCESS_KEY: 'b', ...c.env } })
    assert.deepEqual(warnings, c.warnings)
  })
}
