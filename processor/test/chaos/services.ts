// Services a chaos run may break: a Redis, a Kafka broker and an S3 server of the run's own,
// started and stopped by the project's stack script (versitygw directly, until the stack script
// starts it), so that killing them never touches the shared stack.
import { AwsClient } from 'aws4fetch'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, root, run } from '../../../test/helpers.ts'

const stackScript = join(root, 'stack/stack.sh')

export class OwnStack {
  readonly env: Record<string, string>
  private constructor (readonly runDir: string, env: Record<string, string>) {
    this.env = env
  }

  static async create (): Promise<OwnStack> {
    const runDir = await mkdtemp(join(tmpdir(), 'spate-chaos-'))
    return new OwnStack(runDir, {
      SPATE_RUN_DIR: runDir,
      SPATE_REDIS_PORT: String(await freePort()),
      SPATE_REDIS_TLS_PORT: String(await freePort()),
      SPATE_KAFKA_PORT: String(await freePort()),
      SPATE_KAFKA_CONTROLLER_PORT: String(await freePort()),
      SPATE_KAFKA_SASL_SSL_PORT: String(await freePort()),
    })
  }

  get redisUrl (): string { return `redis://127.0.0.1:${this.env.SPATE_REDIS_PORT}` }
  get kafkaBrokers (): string[] { return [`127.0.0.1:${this.env.SPATE_KAFKA_PORT}`] }

  async up (service: 'redis' | 'kafka'): Promise<void> {
    const result = await run(stackScript, ['up', service], { env: this.env, timeoutMs: 180_000 })
    if (result.code !== 0) throw new Error(`stack.sh up ${service} failed:\n${result.stdout}${result.stderr}`)
  }

  /** The PID the stack script recorded for a service. */
  async pid (service: 'redis' | 'kafka'): Promise<number> {
    const text = await readFile(join(this.runDir, 'pids', `${service}.pid`), 'utf8')
    return Number(text.trim().split(/\s+/)[0])
  }

  /** Stops a service by its PID with the given signal and waits until it is gone. */
  async kill (service: 'redis' | 'kafka', signal: NodeJS.Signals): Promise<void> {
    const pid = await this.pid(service)
    process.kill(pid, signal)
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0)
      } catch {
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`${service} (pid ${pid}) did not exit within 60 s of ${signal}`)
  }

  async down (): Promise<void> {
    await run(stackScript, ['down'], { env: this.env, timeoutMs: 120_000 })
    await rm(this.runDir, { recursive: true, force: true })
  }
}

function versitygwBinary (): string {
  const candidates = [process.env.SPATE_VERSITYGW, join(process.env.SPATE_CACHE ?? join(homedir(), '.cache/spate'), 'versitygw-v1.8.0/versitygw'), join(process.env.SPATE_CACHE ?? join(homedir(), '.cache/spate'), 'bin/versitygw')]
  const found = candidates.find((c) => c && existsSync(c))
  if (!found) throw new Error('versitygw is not installed; build it with `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0` into $SPATE_CACHE/versitygw-v1.8.0 or set SPATE_VERSITYGW')
  return found
}

/** An S3 server of the run's own (versitygw, Apache-2.0), which the run can take away and bring back. */
export class OwnS3 {
  private child: ChildProcess | undefined
  readonly accessKeyId = 'spate-chaos'
  readonly secretAccessKey = 'spate-chaos-secret'
  readonly bucket = 'spate-chaos'
  private constructor (readonly dir: string, readonly port: number) {}

  static async create (): Promise<OwnS3> {
    const s3 = new OwnS3(await mkdtemp(join(tmpdir(), 'spate-chaos-s3-')), await freePort())
    await s3.start()
    const client = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: 'us-east-1', service: 's3' })
    const response = await client.fetch(`${s3.endpoint}/${s3.bucket}`, { method: 'PUT' })
    if (!response.ok) throw new Error(`creating bucket ${s3.bucket} failed with HTTP ${response.status}`)
    return s3
  }

  get endpoint (): string { return `http://127.0.0.1:${this.port}` }

  get env (): Record<string, string> {
    return { SPATE_S3_ENDPOINT: this.endpoint, SPATE_S3_BUCKET: this.bucket, SPATE_S3_ACCESS_KEY_ID: this.accessKeyId, SPATE_S3_SECRET_ACCESS_KEY: this.secretAccessKey }
  }

  async start (): Promise<void> {
    this.child = spawn(versitygwBinary(), ['--access', this.accessKeyId, '--secret', this.secretAccessKey, '--port', `127.0.0.1:${this.port}`, 'posix', this.dir], { stdio: 'ignore' })
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      if (await fetch(this.endpoint).then(() => true, () => false)) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`versitygw did not answer on ${this.endpoint} within 20 s`)
  }

  async stop (): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  async remove (): Promise<void> {
    await this.stop()
    await rm(this.dir, { recursive: true, force: true })
  }
}
