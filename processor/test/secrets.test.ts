// Secrets come from the environment and never show in logs, metrics or errors.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { createClient } from 'redis'
import { isolatedStack, root, run, stack } from '../../test/helpers.ts'
import { eventually, isolate, ledgerTotals, produce, redisClient, startProcessor } from './helpers.ts'

test('a Redis ACL user with a password from the environment works, and no secret reaches logs or metrics', { timeout: 120_000 }, async (t) => {
  const { env } = await isolatedStack(t)
  assert.equal((await run(join(root, 'stack/stack.sh'), ['up', 'redis'], { env })).code, 0)
  const url = `redis://127.0.0.1:${env.SPATE_REDIS_PORT}`
  const password = 'acl-Pa55-word-that-must-not-leak'
  const admin = createClient({ url })
  await admin.connect()
  await admin.sendCommand(['ACL', 'SETUSER', 'spate-writer', 'on', `>${password}`, '~*', '+@all'])
  await admin.close()

  const iso = await isolate(t, 1)
  await produce(iso.topic, [{ key: 'k', eventTime: 1_700_000_000_000, value: 5, seq: 0 }], 'secrets')
  const processor = await startProcessor(t, iso, [`--redis.url=${url}`, '--redis.username=spate-writer', '--window.idleTimeout=1s', '--log.level=debug'], { SPATE_REDIS_PASSWORD: password })

  const redis = await redisClient(t, url)
  await eventually(async () => (await ledgerTotals(redis, iso.prefix, 'secrets')).count === 1, 30_000, () => processor.output())
  const metrics = await (await fetch(`http://127.0.0.1:${processor.port}/metrics`)).text()
  for (const secret of [password, stack.s3SecretAccessKey(), stack.s3AccessKeyId()]) {
    assert.ok(!processor.output().includes(secret), 'a secret appeared in the logs')
    assert.ok(!metrics.includes(secret), 'a secret appeared in the metrics')
  }
})

test('a wrong Redis password is refused at start with a message that does not contain it', { timeout: 60_000 }, async (t) => {
  const { env } = await isolatedStack(t)
  assert.equal((await run(join(root, 'stack/stack.sh'), ['up', 'redis'], { env })).code, 0)
  const iso = await isolate(t, 1)
  const wrong = 'not-the-password-123'
  const result = await run(process.execPath, ['--import', 'tsx', join(root, 'processor/src/main.ts'),
    `--kafka.topic=${iso.topic}`, `--kafka.dlqTopic=${iso.dlqTopic}`, `--redis.url=redis://127.0.0.1:${env.SPATE_REDIS_PORT}`, '--redis.username=nobody', '--metrics.port=0',
  ], { env: { SPATE_REDIS_PASSWORD: wrong }, timeoutMs: 30_000 })
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.match(result.stderr, /^spate-processor: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the credentials \(WRONGPASS[^)]*\); check redis\.username and SPATE_REDIS_PASSWORD\n$/)
  assert.ok(!(result.stdout + result.stderr).includes(wrong))
})
