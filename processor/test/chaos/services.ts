// Services a chaos run may break: a Redis, a Kafka broker and an S3 server (versitygw) of the
// run's own, on free ports in a run directory of its own, started by the project's stack script
// and stopped by their PIDs, so that killing them never touches the shared stack.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, root, run } from '../../../test/helpers.ts'

const stackScript = join(root, 'stack/stack.sh')

export type Service = 'redis' | 'kafka' | 's3'

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
      SPATE_S3_PORT: String(await freePort()),
    })
  }

  get redisUrl (): string { return `redis://127.0.0.1:${this.env.SPATE_REDIS_PORT}` }
  get kafkaBrokers (): string[] { return [`127.0.0.1:${this.env.SPATE_KAFKA_PORT}`] }

  /** The processor's S3 settings for this stack's S3 server (credentials and bucket: the stack's defaults). */
  async s3Env (): Promise<Record<string, string>> {
    const result = await run(stackScript, ['env'], { env: this.env })
    const env: Record<string, string> = {}
    for (const line of result.stdout.split('\n')) {
      const match = /^export (SPATE_S3_[A-Z_]+)=(.*)$/.exec(line)
      // The stack's values are plain words; %q would only quote unusual characters.
      if (match) env[match[1] as string] = (match[2] as string).replace(/^'(.*)'$/, '$1')
    }
    return env
  }

  async up (service: Service): Promise<void> {
    const result = await run(stackScript, ['up', service], { env: this.env, timeoutMs: 180_000 })
    if (result.code !== 0) throw new Error(`stack.sh up ${service} failed:\n${result.stdout}${result.stderr}`)
  }

  /** The PID the stack script recorded for a service. */
  async pid (service: Service): Promise<number> {
    const text = await readFile(join(this.runDir, 'pids', `${service}.pid`), 'utf8')
    return Number(text.trim().split(/\s+/)[0])
  }

  /** Stops a service by its PID with the given signal and waits until it is gone. */
  async kill (service: Service, signal: NodeJS.Signals): Promise<void> {
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
