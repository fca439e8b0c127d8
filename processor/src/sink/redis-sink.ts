// Writes closed windows to Redis. Every write overwrites a whole hash (HSET of all fields), so
// writing the same window twice, as a replay after a crash does, leaves the same result:
// that idempotence is half of the processor's exactly-once guarantee (the other half is the
// checkpoint). The key layout is docs/sink.md.
//
// pooled: a few long-lived connections, commands sent as pipelines of redis.pipelineSize, at most
//         redis.maxInFlight pipelines in flight.
// naive:  a new connection per key, as a job that opens Redis inside its per-record loop does;
//         it exists to reproduce that bottleneck on demand.
import { createClient, type RedisClientType } from 'redis'
import type { ProcessorConfig } from '../config/types.ts'
import { SpateError } from '../errors.ts'
import { retry } from '../retry.ts'
import type { Logger } from '../log.ts'
import type { ProcessorMetrics } from '../metrics/metrics.ts'
import type { ClosedWindow } from '../window/partition-windows.ts'

type Command = [key: string, fields: Record<string, string>]

export function windowKey (prefix: string, start: number, key: string): string {
  return `${prefix}:w:${start}:${key}`
}

export function ledgerKey (prefix: string, runId: string, start: number, partition: number): string {
  return `${prefix}:ledger:${runId}:${start}:${partition}`
}

/** The commands that write a set of closed windows, and the per-record latency they carry. */
export function windowCommands (windows: readonly ClosedWindow[], prefix: string, extras: readonly string[], writtenAt: number): Command[] {
  const commands: Command[] = []
  const at = String(writtenAt)
  for (const window of windows) {
    const start = String(window.start)
    const end = String(window.end)
    for (const [key, agg] of window.keys) {
      const fields: Record<string, string> = {
        count: String(agg.count),
        sum: String(agg.sum),
        min: String(agg.min),
        max: String(agg.max),
        start,
        end,
        writtenAt: at,
      }
      for (let i = 0; i < extras.length; i++) fields[extras[i] as string] = String(agg.extras[i])
      commands.push([windowKey(prefix, window.start, key), fields])
    }
    for (const [runId, ledger] of window.runs) {
      commands.push([ledgerKey(prefix, runId, window.start, window.partition), {
        count: String(ledger.count),
        seqSum: String(ledger.seqSum),
        seqHash: String(ledger.seqHash),
        minEventTime: String(ledger.minEventTime),
        maxEventTime: String(ledger.maxEventTime),
        eventTimeOffsetSum: String(ledger.eventTimeOffsetSum),
        start,
        end,
        partition: String(window.partition),
        writtenAt: at,
      }])
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
      // Reconnects are quiet and endless once running; the first connection must succeed in time.
      let connected = false
      client.on('error', (error: Error) => { if (connected) this.log.warn('redis connection error', { error: error.message }) })
      const timeout = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref())
      const firstError = new Promise<never>((_resolve, reject) => client.once('error', reject))
      try {
        await Promise.race([client.connect(), timeout, firstError])
      } catch (error) {
        this.pool.forEach((c) => c.destroy())
        this.pool = []
        const reason = (error as Error).message
        if (/^(WRONGPASS|NOAUTH|NOPERM)/.test(reason)) {
          throw new SpateError('SPATE_REDIS_AUTH', `Redis at ${redactUrl(this.config.url)} refused the credentials (${reason}); check redis.username and SPATE_REDIS_PASSWORD`)
        }
        throw new SpateError('SPATE_REDIS_UNREACHABLE', `cannot reach Redis at ${redactUrl(this.config.url)} (${reason}); check redis.url and that Redis is running`)
      }
      connected = true
    }
  }

  async close (): Promise<void> {
    await Promise.allSettled(this.pool.map((client) => client.close()))
    this.pool = []
  }

  /** Writes the windows; retries until Redis takes them all, so nothing is checkpointed unwritten. */
  async write (windows: readonly ClosedWindow[]): Promise<number> {
    if (windows.length === 0) return 0
    const writtenAt = Date.now()
    const commands = windowCommands(windows, this.config.keyPrefix, this.extras, writtenAt)
    if (this.config.mode === 'naive') await this.writeNaive(commands)
    else await this.writePooled(commands)
    this.metrics.redisWrites.inc(commands.length)
    return writtenAt
  }

  private async writePooled (commands: Command[]): Promise<void> {
    const chunks: Command[][] = []
    for (let i = 0; i < commands.length; i += this.config.pipelineSize) chunks.push(commands.slice(i, i + this.config.pipelineSize))
    let cursor = 0
    const worker = async (): Promise<void> => {
      while (cursor < chunks.length) {
        const chunk = chunks[cursor++] as Command[]
        await this.retry(() => this.sendPipeline(chunk))
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.config.maxInFlight, chunks.length) }, worker))
  }

  private async sendPipeline (chunk: Command[]): Promise<void> {
    const client = this.pool[this.next++ % this.pool.length] as RedisClientType
    const started = performance.now()
    const pipeline = client.multi()
    const ttl = this.config.ttl
    for (const [key, fields] of chunk) {
      pipeline.hSet(key, fields)
      if (ttl > 0) pipeline.pExpire(key, ttl)
    }
    await pipeline.execAsPipeline()
    this.metrics.redisPipeline.observe((performance.now() - started) / 1000)
  }

  private async writeNaive (commands: Command[]): Promise<void> {
    for (const [key, fields] of commands) {
      await this.retry(async () => {
        const client = createClient(clientOptions(this.config))
        client.on('error', () => {})
        const started = performance.now()
        await client.connect()
        try {
          await client.hSet(key, fields)
          if (this.config.ttl > 0) await client.pExpire(key, this.config.ttl)
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
        this.metrics.redisErrors.inc()
        this.log.warn('redis write failed; retrying', { error: error.message, attempt, retryInMs })
      },
    })
  }
}
