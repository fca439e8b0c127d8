// Shared pieces for the tests: where the local stack listens, unique names, child processes.
// Connection settings come from `stack/stack.sh env`, which `task test` evaluates first.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

export const root = join(import.meta.dirname, '..')

export function requireEnv (name: string): string {
  const value = process.env[name]
  if (!value) {
    throw new Error(`${name} is not set; run the tests through \`npm test\` (or eval "$(stack/stack.sh env)" first)`)
  }
  return value
}

export const stack = {
  kafkaBrokers: () => requireEnv('SPATE_KAFKA_BROKERS').split(','),
  redisUrl: () => requireEnv('SPATE_REDIS_URL'),
  s3Endpoint: () => requireEnv('SPATE_S3_ENDPOINT'),
  s3Bucket: () => requireEnv('SPATE_S3_BUCKET'),
  s3Region: () => requireEnv('SPATE_S3_REGION'),
  s3AccessKeyId: () => requireEnv('SPATE_S3_ACCESS_KEY_ID'),
  s3SecretAccessKey: () => requireEnv('SPATE_S3_SECRET_ACCESS_KEY'),
  prometheusUrl: () => requireEnv('SPATE_PROMETHEUS_URL'),
}

/** A name no earlier run used: topics, keys and objects of one test never meet another's. */
/** Whether a process with this PID exists (signal 0 checks without signalling). */
export function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export function uniqueName (prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion (killing it after timeoutMs) and collects its output. */
export function run (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, timeoutMs?: number, cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Holds a free 127.0.0.1 port open; close() releases it. */
export async function occupyPort (): Promise<{ port: number, close: () => Promise<void> }> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A port that was free a moment ago. */
export async function freePort (): Promise<number> {
  const held = await occupyPort()
  await held.close()
  return held.port
}

export interface ReadRecord {
  partition: number
  offset: bigint
  key: string
  value: string
  headers: Map<string, string>
}

/**
 * Reads a topic from the beginning with a fresh consumer group. Once `expected` records have
 * arrived it keeps reading for `quietMs` more, so a surplus record is seen too; it gives up after
 * `timeoutMs` and returns what it has, leaving the verdict to the caller's assertions.
 */
export async function readTopic (topic: string, options: { expected: number, quietMs?: number, timeoutMs?: number }): Promise<ReadRecord[]> {
  const { Consumer, stringDeserializers } = await import('@platformatic/kafka')
  const consumer = new Consumer({
    clientId: 'spate-test',
    groupId: uniqueName('spate-test-reader'),
    bootstrapBrokers: stack.kafkaBrokers(),
    deserializers: stringDeserializers,
    maxWaitTime: 200,
  })
  const records: ReadRecord[] = []
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
    await new Promise<void>((resolve, reject) => {
      let quiet: NodeJS.Timeout | undefined
      const timeout = setTimeout(resolve, options.timeoutMs ?? 30_000)
      const done = () => { clearTimeout(timeout); resolve() }
      stream.on('error', reject)
      stream.on('data', (message) => {
        records.push({ partition: message.partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers })
        if (records.length === options.expected && quiet === undefined) {
          clearTimeout(timeout)
          quiet = setTimeout(done, options.quietMs ?? 2_000)
        }
      })
    })
    await stream.close()
  } finally {
    await consumer.close(true)
  }
  return records
}

/**
 * A run directory and ports of the test's own, for starting services with stack/stack.sh
 * without touching the shared stack; everything it started is stopped after the test.
 */
export async function isolatedStack (t: TestContext): Promise<{ runDir: string, env: Record<string, string> }> {
  const runDir = await mkdtemp(join(tmpdir(), 'spate-stack-test-'))
  const env = {
    SPATE_RUN_DIR: runDir,
    SPATE_REDIS_PORT: String(await freePort()),
    SPATE_REDIS_TLS_PORT: String(await freePort()),
    SPATE_KAFKA_PORT: String(await freePort()),
    SPATE_KAFKA_CONTROLLER_PORT: String(await freePort()),
    SPATE_KAFKA_SASL_SSL_PORT: String(await freePort()),
  }
  t.after(async () => {
    await run(join(root, 'stack', 'stack.sh'), ['down'], { env })
    await rm(runDir, { recursive: true, force: true })
  })
  return { runDir, env }
}
