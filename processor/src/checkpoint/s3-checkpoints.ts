// Partition checkpoints on S3 (versitygw locally).
//
// Each checkpoint is a new object <prefix>/<group>/<topic>/<partition>/<seq>.json, created with
// If-None-Match: * so that the sequence number is a fencing token: of two instances that both
// believe they own a partition (a zombie after a rebalance), only the first to write seq N
// succeeds; the other gets 412 and learns it has been overtaken. The epoch in the checkpoint
// then tells which of the two is the newer owner. Old checkpoints are deleted once
// checkpoint.keep newer ones exist.
import { AwsClient } from 'aws4fetch'
import { SpateError } from '../errors.ts'
import type { ProcessorConfig } from '../config/types.ts'
import type { UnconfirmedSnapshot } from '../sink/unconfirmed.ts'
import type { PartitionSnapshot } from '../window/partition-windows.ts'

export interface Checkpoint {
  version: 1
  seq: number
  topic: string
  groupId: string
  partition: number
  /**
   * Ownership epoch of the partition: an instance that takes a partition over writes a claim
   * with the previous epoch + 1, so a higher epoch always means a newer owner.
   */
  epoch: number
  instanceId: string
  writtenAt: number
  state: PartitionSnapshot
  /** Windows written to Redis that Redis may not have made durable yet (sink/unconfirmed.ts). */
  unconfirmed?: UnconfirmedSnapshot[]
}

export class FencedError extends SpateError {
  constructor (readonly partition: number, readonly seq: number) {
    super('SPATE_CHECKPOINT_FENCED', `checkpoint ${seq} of partition ${partition} was written by another instance first`)
  }
}

export class CheckpointError extends SpateError {
  constructor (message: string, options?: ErrorOptions) {
    super('SPATE_CHECKPOINT', message, options)
  }
}

const SEQ_DIGITS = 12
const REQUEST_TIMEOUT_MS = 30_000

export class S3Checkpoints {
  private readonly s3: AwsClient
  private readonly base: string
  private readonly keyBase: string
  private readonly config: ProcessorConfig

  constructor (config: ProcessorConfig) {
    const { s3 } = config
    this.config = config
    this.s3 = new AwsClient({
      accessKeyId: s3.accessKeyId as string,
      secretAccessKey: s3.secretAccessKey as string,
      region: s3.region,
      service: 's3',
      retries: 2,
    })
    // Path-style URLs for a configured endpoint (versitygw and most S3-compatible servers),
    // virtual-hosted style for AWS itself.
    this.base = s3.endpoint ? `${s3.endpoint}/${s3.bucket}` : `https://${s3.bucket}.s3.${s3.region}.amazonaws.com`
    this.keyBase = [s3.prefix, config.kafka.groupId, config.kafka.topic].filter(Boolean).join('/')
  }

  partitionPrefix (partition: number): string {
    return `${this.keyBase}/${partition}/`
  }

  objectKey (partition: number, seq: number): string {
    return `${this.partitionPrefix(partition)}${String(seq).padStart(SEQ_DIGITS, '0')}.json`
  }

  /** Every S3 request is bounded: a hung request must not stall the pipeline forever. */
  private fetch (url: string, init: RequestInit = {}): Promise<Response> {
    return this.s3.fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  }

  private url (key: string, query = ''): string {
    return `${this.base}/${key.split('/').map(encodeURIComponent).join('/')}${query}`
  }

  /** Fails with a one-line message when the bucket cannot be reached or the credentials are wrong. */
  async check (): Promise<void> {
    let response: Response
    try {
      response = await this.fetch(`${this.base}?list-type=2&max-keys=1`)
    } catch (error) {
      throw new CheckpointError(`cannot reach S3 at ${this.config.s3.endpoint ?? 'AWS'} (${(error as Error).message}); check s3.endpoint`)
    }
    if (response.status === 403) throw new CheckpointError(`S3 refused the credentials for bucket ${this.config.s3.bucket} (HTTP 403); check SPATE_S3_ACCESS_KEY_ID and SPATE_S3_SECRET_ACCESS_KEY`)
    if (response.status === 404) throw new CheckpointError(`S3 bucket ${this.config.s3.bucket} does not exist; create it or set s3.bucket`)
    if (!response.ok) throw new CheckpointError(`S3 answered HTTP ${response.status} for bucket ${this.config.s3.bucket}: ${(await response.text()).slice(0, 200)}`)
    await response.arrayBuffer()
  }

  /** Sequence numbers of a partition's stored checkpoints, ascending. */
  async list (partition: number): Promise<number[]> {
    const seqs: number[] = []
    let token: string | undefined
    do {
      const query = `?list-type=2&prefix=${encodeURIComponent(this.partitionPrefix(partition))}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`
      const response = await this.fetch(`${this.base}${query}`)
      const body = await response.text()
      if (!response.ok) throw new CheckpointError(`listing checkpoints of partition ${partition} failed with HTTP ${response.status}: ${body.slice(0, 200)}`)
      for (const match of body.matchAll(/<Key>([^<]+)<\/Key>/g)) {
        const name = (match[1] as string).slice(this.partitionPrefix(partition).length)
        if (/^\d+\.json$/.test(name)) seqs.push(Number(name.slice(0, -5)))
      }
      token = /<IsTruncated>true<\/IsTruncated>/.test(body) ? /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(body)?.[1] : undefined
    } while (token)
    return seqs.sort((a, b) => a - b)
  }

  async read (partition: number, seq: number): Promise<Checkpoint> {
    const response = await this.fetch(this.url(this.objectKey(partition, seq)))
    const body = await response.text()
    if (!response.ok) throw new CheckpointError(`reading checkpoint ${seq} of partition ${partition} failed with HTTP ${response.status}`)
    const checkpoint = JSON.parse(body) as Checkpoint
    if (checkpoint.version !== 1 || checkpoint.partition !== partition) {
      throw new CheckpointError(`checkpoint ${this.objectKey(partition, seq)} is not a version 1 checkpoint of partition ${partition}`)
    }
    return checkpoint
  }

  /** The newest checkpoint of a partition, or undefined when it has none. */
  async latest (partition: number): Promise<Checkpoint | undefined> {
    const seqs = await this.list(partition)
    const newest = seqs[seqs.length - 1]
    return newest === undefined ? undefined : this.read(partition, newest)
  }

  /**
   * Creates checkpoint.seq; throws FencedError when that seq already exists. `body` is the
   * checkpoint as JSON when it was serialized earlier (the state moves on after a snapshot).
   */
  async write (checkpoint: Checkpoint, body = JSON.stringify(checkpoint)): Promise<void> {
    const response = await this.fetch(this.url(this.objectKey(checkpoint.partition, checkpoint.seq)), {
      method: 'PUT',
      body,
      headers: { 'If-None-Match': '*', 'Content-Type': 'application/json' },
    })
    const answer = await response.text()
    if (response.status === 412) throw new FencedError(checkpoint.partition, checkpoint.seq)
    if (!response.ok) throw new CheckpointError(`writing checkpoint ${checkpoint.seq} of partition ${checkpoint.partition} failed with HTTP ${response.status}: ${answer.slice(0, 200)}`)
  }

  /** Deletes the checkpoint that fell out of the kept range when `seq` was written. */
  async prune (partition: number, seq: number, keep: number): Promise<void> {
    const old = seq - keep
    if (old < 1) return
    const response = await this.fetch(this.url(this.objectKey(partition, old)), { method: 'DELETE' })
    await response.arrayBuffer()
  }
}
