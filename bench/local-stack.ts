// What the benchmarks need from the machine: where the local stack listens (from
// `stack/stack.sh env`, which the bench tasks evaluate), unique names, child processes and ports.
// Kept apart from the tests' helpers: a benchmark is not a test and must not change with them.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const root = join(import.meta.dirname, '..')

function required (name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set; run the benchmark through its task (task bench:processor), or eval "$(stack/stack.sh env)" first`)
  return value
}

export const stack = {
  kafkaBrokers: (): string[] => required('SPATE_KAFKA_BROKERS').split(','),
  redisUrl: (): string => required('SPATE_REDIS_URL'),
}

/** A name no earlier run used, so topics and keys of one run never meet another's. */
export function uniqueName (prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}

/** Runs a command to completion (killed after timeoutMs) and collects its output. */
export function run (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, timeoutMs?: number, cwd?: string } = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
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

/** A 127.0.0.1 port that was free a moment ago. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
