// Writes closed windows to Redis. Every write sets a partition's share of a result hash and
// recomputes the result from the shares (sink/merge-script.ts), and overwrites a whole ledger
// hash, so writing the same window twice, as a replay after a crash does, leaves the same
// result: that idempotence is half of the processor's exactly-once guarantee (the other half is
// the checkpoint). The key layout is docs/sink.md (contract/sink-keys.ts).
//
// pooled: a few long-lived connections, commands sent as pipelines of redis.pipelineSize, at most
//         redis.maxInFlight pipelines in flight.
// naive:  a new connection per key, as a job that opens Redis inside its per-record loop does;
//         it exists to reproduce that bottleneck on demand.
import { readFileSync } from 'node:fs'
import { createClient, type RedisClientType } from 'redis'
import type { ProcessorConfig } from '../config/types.ts'
import { ErrorReply } from 'redis'
import { ledgerKey, partField, windowKey } from '../../../contract/sink-keys.ts'
import { SpateError } from '../errors.ts'
import { UNTRUSTED_CERTIFICATE } from '../tls.ts'
import { mergeScript, mergeScriptSha } from './merge-script.ts'
import { retry } from '../retry.ts'
import type { Logger } from '../log.ts'
import type { ProcessorMetrics } from '../metrics/metrics.ts'
import type { ClosedWindow } from '../window/partition-windows.ts'

/** One Redis command: the shares of some keys of one window (EVALSHA of the merge script) or a ledger overwrite (HSET). */
export type Command = { kind: 'shares', keys: string[], args: string[] } | { kind: 'ledger', key: string, fields: Record<string, string> }

/** How many hashes a command writes. */
function hashesOf (command: Command): number {
  return command.kind === 'shares' ? command.keys.length : 1
}

export { ledgerKey, windowKey }

/** Keys of one window written by one call of the merge script (a call holds Redis that long). */
export const KEYS_PER_CALL = 100

/** The commands that write a set of closed windows, at most keysPerCall keys per script call. */
export function windowCommands (windows: readonly ClosedWindow[], prefix: string, extras: readonly string[], writtenAt: number, ttl: number, keysPerCall = KEYS_PER_CALL): Command[] {
  const commands: Command[] = []
  const at = String(writtenAt)
  const ttlMs = String(ttl)
  const extraCount = extras.length
  for (const window of windows) {
    const start = String(window.start)
    const end = String(window.end)
    const partition = String(window.partition)
    const header = [partField(window.partition), partition, ttlMs, start, end, at, String(extraCount), ...extras]
    let keys: string[] = []
    let args = header.slice()
    for (const [key, agg] of window.keys) {
      keys.push(windowKey(prefix, window.start, key))
      args.push(String(agg.count), String(agg.sum), String(agg.min), String(agg.max))
      for (let i = 0; i < extraCount; i++) args.push(String(agg.extras[i] as number))
      if (keys.length === keysPerCall) {
        commands.push({ kind: 'shares', keys, args })
        keys = []
        args = header.slice()
      }
    }
    if (keys.length > 0) commands.push({ kind: 'shares', keys, args })
    for (const [runId, ledger] of window.runs) {
      commands.push({
        kind: 'ledger',
        key: ledgerKey(prefix, runId, window.start, window.partition),
        fields: {
          count: String(ledger.count),
          seqSum: String(ledger.seqSum),
          seqHash: String(ledger.seqHash),
          minEventTime: String(ledger.minEventTime),
          maxEventTime: String(ledger.maxEventTime),
          eventTimeOffsetSum: String(ledger.eventTimeOffsetSum),
          start,
          end,
          partition,
          writtenAt: at,
        },
      })
    }
  }
  return commands
}

/** The URL without credentials, for messages. */
function redactUrl (url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//')
}

function clientOptions (config: ProcessorConfig['redis']) {
  return {
    url: config.url,
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    socket: {
      ...(config.tls.caFile ? { ca: [readFileSync(config.tls.caFile, 'utf8')] } : {}),
      connectTimeout: 5000,
      // Keep reconnecting: a Redis restart must pause the pipeline, not end it.
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  }
}

export class RedisSink {
  private readonly config: ProcessorConfig['redis']
  private readonly extras: readonly string[]
  private readonly metrics: ProcessorMetrics
  private readonly log: Logger
  private pool: RedisClientType[] = []
  private next = 0
  private scriptLoaded = false

  constructor (config: ProcessorConfig['redis'], extras: readonly string[], metrics: ProcessorMetrics, log: Logger) {
    this.config = config
    this.extras = extras
    this.metrics = metrics
    this.log = log
  }

  async connect (): Promise<void> {
    const size = this.config.mode === 'pooled' ? this.config.poolSize : 1
    for (let i = 0; i < size; i++) {
      const client = createClient(clientOptions(this.config)) as RedisClientType
      this.pool.push(client)
      try {
        await firstConnect(client)
      } catch (error) {
        this.pool.forEach((c) => c.destroy())
        this.pool = []
        throw await this.explain(error)
      }
      // Reconnects are quiet and endless once running.
      client.on('error', (error: Error) => this.log.warn('redis connection error', { error: error.message }))
    }
    if (this.config.password && !this.config.username && await this.opensWithoutPassword()) {
      await this.close()
      throw new SpateError('SPATE_REDIS_NO_PASSWORD', `Redis at ${redactUrl(this.config.url)} has no password, but SPATE_REDIS_PASSWORD is set; unset it, or configure requirepass on the server`)
    }
    await this.loadScript()
  }

  /**
   * Whether Redis lets a client in without the password: its default user then takes any
   * password, so a password set for it protects nothing and is probably meant for another Redis.
   */
  private async opensWithoutPassword (): Promise<boolean> {
    const bare = createClient(clientOptions({ ...this.config, password: undefined })) as RedisClientType
    try {
      await firstConnect(bare)
      return (await bare.ping()) === 'PONG'
    } catch {
      return false
    } finally {
      bare.destroy()
    }
  }

  /** The one-line reason a first connection failed, from the reply's error code (its first word). */
  private async explain (error: unknown): Promise<SpateError> {
    const url = redactUrl(this.config.url)
    const reason = (error as Error).message
    const code = error instanceof ErrorReply ? reason.split(' ')[0] : undefined
    if (code === 'WRONGPASS' || code === 'NOAUTH' || code === 'NOPERM') {
      return new SpateError('SPATE_REDIS_AUTH', `Redis at ${url} refused the credentials (${reason}); check redis.username and SPATE_REDIS_PASSWORD`)
    }
    if (UNTRUSTED_CERTIFICATE.has(String((error as { code?: unknown }).code))) {
      return new SpateError('SPATE_REDIS_TLS', `Redis at ${url} presents a TLS certificate that is not trusted (${reason}); set redis.tls.caFile (SPATE_REDIS_TLS_CA_FILE) to the PEM file of its CA`)
    }
    return new SpateError('SPATE_REDIS_UNREACHABLE', `cannot reach Redis at ${url} (${reason}); check redis.url and that Redis is running`)
  }

  /** Loads the merge script; Redis forgets scripts when it restarts, so writes call it again after an error. */
  private async loadScript (): Promise<void> {
    await (this.pool[0] as RedisClientType).scriptLoad(mergeScript)
    this.scriptLoaded = true
  }

  /** The server's run id: it changes when Redis restarts, which may have lost recent writes. */
  async runId (): Promise<string> {
    const client = this.pool[0] as RedisClientType
    const info = await client.info('server')
    const line = info.split('\n').find((l) => l.startsWith('run_id:'))
    return (line ?? '').slice('run_id:'.length).trim()
  }

  /** Whether Redis keeps an append-only file: without one a Redis crash loses what it held. */
  async appendOnly (): Promise<boolean> {
    const info = await (this.pool[0] as RedisClientType).info('persistence')
    return info.split('\n').some((l) => l.trim() === 'aof_enabled:1')
  }

  async close (): Promise<void> {
    await Promise.allSettled(this.pool.map((client) => client.close()))
    this.pool = []
  }

  /** Writes the windows; retries until Redis takes them all, so nothing is checkpointed unwritten. */
  async write (windows: readonly ClosedWindow[]): Promise<number> {
    if (windows.length === 0) return 0
    const writtenAt = Date.now()
    const { mode, pipelineSize, keyPrefix, ttl } = this.config
    // naive writes a key per connection, as the job it reproduces does.
    const keysPerCall = mode === 'naive' ? 1 : Math.min(KEYS_PER_CALL, pipelineSize)
    const commands = windowCommands(windows, keyPrefix, this.extras, writtenAt, ttl, keysPerCall)
    if (mode === 'naive') await this.writeNaive(commands)
    else await this.writePooled(commands)
    let hashes = 0
    for (const command of commands) hashes += hashesOf(command)
    this.metrics.redisWrites.inc(hashes)
    return writtenAt
  }

  /** The commands in pipelines of about redis.pipelineSize hashes, at most redis.maxInFlight at once. */
  private async writePooled (commands: Command[]): Promise<void> {
    const chunks: Command[][] = []
    let chunk: Command[] = []
    let hashes = 0
    for (const command of commands) {
      chunk.push(command)
      hashes += hashesOf(command)
      if (hashes >= this.config.pipelineSize) {
        chunks.push(chunk)
        chunk = []
        hashes = 0
      }
    }
    if (chunk.length > 0) chunks.push(chunk)
    let cursor = 0
    const worker = async (): Promise<void> => {
      while (cursor < chunks.length) {
        const next = chunks[cursor++] as Command[]
        await this.retry(() => this.sendPipeline(next))
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.config.maxInFlight, chunks.length) }, worker))
  }

  private async sendPipeline (chunk: Command[]): Promise<void> {
    const client = this.pool[this.next++ % this.pool.length] as RedisClientType
    if (!this.scriptLoaded) await this.loadScript()
    const started = performance.now()
    const pipeline = client.multi()
    for (const command of chunk) addCommand(pipeline, command, this.config.ttl)
    await pipeline.execAsPipeline()
    this.metrics.redisPipeline.observe((performance.now() - started) / 1000)
  }

  private async writeNaive (commands: Command[]): Promise<void> {
    for (const command of commands) {
      await this.retry(async () => {
        const client = createClient(clientOptions(this.config))
        client.on('error', () => {})
        const started = performance.now()
        await client.connect()
        try {
          if (!this.scriptLoaded) {
            await client.scriptLoad(mergeScript)
            this.scriptLoaded = true
          }
          const pipeline = client.multi()
          addCommand(pipeline, command, this.config.ttl)
          await pipeline.execAsPipeline()
        } finally {
          await client.close()
        }
        this.metrics.redisPipeline.observe((performance.now() - started) / 1000)
      })
    }
  }

  private retry (attempt: () => Promise<void>): Promise<void> {
    return retry(attempt, {
      baseMs: 100,
      maxMs: 5000,
      onRetry: (error, attempt, retryInMs) => {
        // A restarted Redis has forgotten the script.
        this.scriptLoaded = false
        this.metrics.redisErrors.inc()
        this.log.warn('redis write failed; retrying', { error: error.message, attempt, retryInMs })
      },
    })
  }
}

function addCommand (pipeline: { addCommand: (args: string[]) => unknown, hSet: (key: string, fields: Record<string, string>) => unknown, pExpire: (key: string, ms: number) => unknown }, command: Command, ttl: number): void {
  if (command.kind === 'shares') {
    pipeline.addCommand(['EVALSHA', mergeScriptSha, String(command.keys.length), ...command.keys, ...command.args])
    return
  }
  pipeline.hSet(command.key, command.fields)
  if (ttl > 0) pipeline.pExpire(command.key, ttl)
}

/** Connects within 10 s or fails with the first error (later reconnects are endless). */
async function firstConnect (client: RedisClientType): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000) })
  const firstError = new Promise<never>((_resolve, reject) => client.once('error', reject))
  try {
    await Promise.race([client.connect(), timeout, firstError])
  } finally {
    clearTimeout(timer)
  }
}
