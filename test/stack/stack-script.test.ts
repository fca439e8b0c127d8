// stack/stack.sh itself: busy ports, reuse, stopping exactly what it started, failed starts.
// Each test gets its own run directory and ports, so the shared stack is never touched.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { alive, isolatedStack, occupyPort, root, run } from '../helpers.ts'

const stackScript = join(root, 'stack', 'stack.sh')

test('up refuses a port that another process holds and names the port and its variable', async (t) => {
  const { env } = await isolatedStack(t)
  const held = await occupyPort()
  t.after(() => held.close())
  const result = await run(stackScript, ['up', 'redis'], { env: { ...env, SPATE_REDIS_PORT: String(held.port) } })
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, new RegExp(`port ${held.port} for redis is already in use .*SPATE_REDIS_PORT=<port>`))
})

test('up reuses a healthy service and down stops exactly the PID that up recorded', async (t) => {
  const { runDir, env } = await isolatedStack(t)
  const first = await run(stackScript, ['up', 'redis'], { env })
  assert.equal(first.code, 0, first.stderr)
  const pid = Number((await readFile(join(runDir, 'pids', 'redis.pid'), 'utf8')).split(' ')[0])
  assert.ok(alive(pid), `redis (pid ${pid}) should run after up`)

  const second = await run(stackScript, ['up', 'redis'], { env })
  assert.equal(second.code, 0, second.stderr)
  assert.match(second.stderr, new RegExp(`redis already running \\(pid ${pid}, 127\\.0\\.0\\.1:${env.SPATE_REDIS_PORT}\\): reused`))

  const down = await run(stackScript, ['down', 'redis'], { env })
  assert.equal(down.code, 0, down.stderr)
  assert.equal(alive(pid), false, `redis (pid ${pid}) should be gone after down`)
  assert.equal(existsSync(join(runDir, 'pids', 'redis.pid')), false)
})

test('down leaves alone a process whose PID was reused since up recorded it', async (t) => {
  const { runDir, env } = await isolatedStack(t)
  const bystander = spawn('sleep', ['60'], { stdio: 'ignore' })
  t.after(() => bystander.kill('SIGKILL'))
  assert.ok(bystander.pid)
  await mkdir(join(runDir, 'pids'), { recursive: true })
  // Same PID, but a start time that is not the bystander's: a record left over from an older process.
  await writeFile(join(runDir, 'pids', 'redis.pid'), `${bystander.pid} 1\n`)

  const down = await run(stackScript, ['down', 'redis'], { env })
  assert.equal(down.code, 0, down.stderr)
  assert.ok(alive(bystander.pid), 'down must not signal a process it did not start')
})

test('a service that fails to start makes up exit non-zero with the tail of its log', async (t) => {
  const { env } = await isolatedStack(t)
  const result = await run(stackScript, ['up', 'kafka'], { env: { ...env, SPATE_KAFKA_HEAP: 'not-a-size' } })
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, /kafka exited during start; last lines of .*kafka\.log/)
  assert.match(result.stderr, /Invalid (initial|maximum) heap size/)
  assert.match(result.stderr, /error: kafka failed to start/)
})

test('an unknown service or command gets a one-line error', async () => {
  const service = await run(stackScript, ['up', 'zookeeper'])
  assert.notEqual(service.code, 0)
  assert.equal(service.stderr.trim(), "[spate] error: unknown service 'zookeeper'; use one of: kafka redis s3 prometheus")
  const command = await run(stackScript, ['restart'])
  assert.notEqual(command.code, 0)
  assert.match(command.stderr.trim(), /^\[spate\] error: unknown command 'restart'; use: stack\/stack.sh up\|down\|status\|env/)
  const env = await run(stackScript, ['env', 'insecure'])
  assert.notEqual(env.code, 0)
  assert.equal(env.stderr.trim(), "[spate] error: unknown env 'insecure'; use: stack/stack.sh env [secured]")
})

test('up stops a service that an older checkout started and this one no longer runs', async (t) => {
  const { runDir, env } = await isolatedStack(t)
  const retired = spawn('sleep', ['60'], { stdio: 'ignore' })
  t.after(() => retired.kill('SIGKILL'))
  assert.ok(retired.pid)
  const startTime = (await readFile(`/proc/${retired.pid}/stat`, 'utf8')).split(' ')[21]
  await mkdir(join(runDir, 'pids'), { recursive: true })
  await writeFile(join(runDir, 'pids', 'retired.pid'), `${retired.pid} ${startTime}\n`)

  const up = await run(stackScript, ['up', 'redis'], { env })
  assert.equal(up.code, 0, up.stderr)
  assert.match(up.stderr, /stopping retired, which this checkout no longer runs/)
  await new Promise((resolve) => setTimeout(resolve, 200))
  assert.equal(retired.exitCode !== null || retired.signalCode !== null, true, 'the retired service should be stopped')
  assert.equal(existsSync(join(runDir, 'pids', 'retired.pid')), false)
})

test('env secured points the processor and the load scripts at the secured listeners', async () => {
  const ports = { SPATE_KAFKA_SASL_SSL_PORT: '41094', SPATE_REDIS_TLS_PORT: '41380', SPATE_RUN_DIR: '/tmp/spate-env-test' }
  const result = await run('bash', ['-c', 'eval "$(stack/stack.sh env secured)" && env'], { env: ports })
  assert.equal(result.code, 0, result.stderr)
  const env = Object.fromEntries(result.stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
  assert.equal(env.SPATE_KAFKA_BROKERS, '127.0.0.1:41094')
  assert.equal(env.SPATE_KAFKA_SASL_MECHANISM, 'scram-sha-512')
  assert.equal(env.SPATE_KAFKA_TLS_ENABLED, 'true')
  assert.equal(env.SPATE_KAFKA_TLS, 'true')
  assert.equal(env.SPATE_KAFKA_TLS_CA_FILE, '/tmp/spate-env-test/tls/ca.pem')
  assert.equal(env.SPATE_REDIS_TLS_CA_FILE, '/tmp/spate-env-test/tls/ca.pem')
  assert.equal(env.NODE_EXTRA_CA_CERTS, '/tmp/spate-env-test/tls/ca.pem')
  assert.equal(env.SPATE_REDIS_URL, 'rediss://127.0.0.1:41380')
  assert.ok(env.SPATE_KAFKA_SASL_USERNAME && env.SPATE_KAFKA_SASL_PASSWORD && env.SPATE_REDIS_USERNAME && env.SPATE_REDIS_PASSWORD)
})
