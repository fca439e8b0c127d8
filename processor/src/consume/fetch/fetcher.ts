// The processor's fetch client: reads the assigned partitions of one topic from their leaders
// with Fetch v11 (read committed) and hands each response over as record runs
// (consume/records.ts), positions into the bytes Kafka sent instead of an object per record.
// Group membership, offset commits and the admin requests stay with kafkajs
// (consume/group-consumer.ts); this module only fetches, which is where the processor spends
// its client time.
//
// One loop per leader broker, each with one fetch in flight; a partition's position moves on
// only when its records have been handed over. Leader changes (NOT_LEADER_OR_FOLLOWER and the
// like) refresh the metadata and fetch from the new leader; an offset out of range (retention
// deleted the records) restarts the partition at its earliest offset, with a warning; a broker
// that cannot be reached is retried with backoff for `giveUpMs`, after which the consumer stops.
import type { Logger } from '../../log.ts'
import { UNTRUSTED_CERTIFICATE } from '../../tls.ts'
import type { RecordRun } from '../records.ts'
import { BrokerConnection, type ConnectionSettings } from './connection.ts'
import { readRecordBatches, type AbortedTransaction } from './record-batches.ts'
import { Writer, type Reader } from './wire.ts'

const FETCH = 1
const LIST_OFFSETS = 2
const METADATA = 3

/** Fetch positions that are not offsets yet: the partition's earliest offset. */
export const EARLIEST = -2

/** Partition error codes after which the leader is looked up again. */
const STALE_LEADER = new Set([3, 5, 6, 74, 75, 78, 79])
const OFFSET_OUT_OF_RANGE = 1

export interface FetcherSettings {
  brokers: readonly string[]
  topic: string
  connection: ConnectionSettings
  maxWaitMs: number
  maxBytes: number
  partitionMaxBytes: number
  /** How long fetching may fail without a break before the consumer gives up. */
  giveUpMs: number
}

export interface FetchHandler {
  /** Takes one response's records; resolving lets the fetch loop send the next fetch. */
  onRuns: (runs: RecordRun[], isStale: () => boolean) => Promise<void>
  onHighWatermark: (partition: number, highWatermark: bigint) => void
  /** Fetching cannot go on (credentials refused, unreadable records, brokers gone for too long). */
  onStopped: (error: Error) => void
}

interface Position {
  offset: number
  /** Changes with every seek, so a fetch sent before it is not delivered. */
  version: number
}

export class Fetcher {
  private readonly settings: FetcherSettings
  private readonly handler: FetchHandler
  private readonly log: Logger
  private readonly positions = new Map<number, Position>()
  private readonly leaders = new Map<number, number>()
  private readonly nodes = new Map<number, { host: string, port: number }>()
  private readonly connections = new Map<number, BrokerConnection>()
  private readonly loops = new Set<number>()
  private metadataConnection: BrokerConnection | undefined
  private metadataRefresh: Promise<void> | undefined
  private lookingUp = false
  private bootstrapIndex = 0
  private versions = 0
  private paused = false
  private closed = false
  private failingSince: number | undefined
  private failures = 0
  private turn = 0

  constructor (settings: FetcherSettings, handler: FetchHandler, log: Logger) {
    this.settings = settings
    this.handler = handler
    this.log = log
  }

  /** The partitions to fetch from now on, each from its offset (or EARLIEST); others are dropped. */
  assign (positions: ReadonlyMap<number, number>): void {
    for (const partition of [...this.positions.keys()]) {
      if (!positions.has(partition)) this.positions.delete(partition)
    }
    for (const [partition, offset] of positions) this.moveTo(partition, offset)
  }

  /** The partitions fetched now and where each stands. */
  get assigned (): ReadonlyMap<number, number> {
    return new Map([...this.positions].map(([partition, position]) => [partition, position.offset]))
  }

  /**
   * The partition's next fetch starts at offset; responses to fetches sent before are dropped.
   * A partition not assigned (assign()) is left alone.
   */
  seek (partition: number, offset: number): void {
    if (this.positions.has(partition)) this.moveTo(partition, offset)
  }

  private moveTo (partition: number, offset: number): void {
    this.positions.set(partition, { offset, version: ++this.versions })
    this.wake()
  }

  pause (): void {
    this.paused = true
  }

  resume (): void {
    this.paused = false
  }

  close (): void {
    this.closed = true
    for (const connection of this.connections.values()) connection.close()
    this.metadataConnection?.close()
  }

  /** Starts a fetch loop for every leader that has partitions to fetch. */
  private wake (): void {
    if (this.closed) return
    let unknown = false
    for (const partition of this.positions.keys()) {
      const leader = this.leaders.get(partition)
      if (leader === undefined) {
        unknown = true
        continue
      }
      if (this.loops.has(leader)) continue
      this.loops.add(leader)
      this.fetchLoop(leader).finally(() => {
        this.loops.delete(leader)
        this.wake()
      })
    }
    if (unknown && !this.lookingUp) {
      this.lookingUp = true
      this.lookUpLeaders().finally(() => {
        this.lookingUp = false
        this.wake()
      })
    }
  }

  /** Reads the metadata until every assigned partition has a leader (or fetching stops). */
  private async lookUpLeaders (): Promise<void> {
    while (!this.closed && [...this.positions.keys()].some((partition) => !this.leaders.has(partition))) {
      try {
        await this.refreshMetadata()
        const leaderless = [...this.positions.keys()].filter((partition) => !this.leaders.has(partition))
        // A topic deleted or a partition without a leader for too long stops the consumer too.
        if (leaderless.length > 0) throw new Error(`Kafka names no leader for partition${leaderless.length > 1 ? 's' : ''} ${leaderless.join(', ')} of ${this.settings.topic}`)
      } catch (error) {
        this.metadataConnection?.close()
        if (!this.failed(error as Error)) return
        await sleep(this.backoff())
      }
    }
  }

  private backoff (): number {
    return Math.min(5000, 100 * 2 ** Math.min(this.failures, 6))
  }

  private async fetchLoop (node: number): Promise<void> {
    while (!this.closed) {
      const partitions = [...this.positions.keys()].filter((partition) => this.leaders.get(partition) === node)
      if (partitions.length === 0) return
      if (this.paused) {
        await sleep(10)
        continue
      }
      try {
        await this.fetchFrom(node, partitions)
        this.failingSince = undefined
        this.failures = 0
      } catch (error) {
        if (this.closed) return
        if (!this.failed(error as Error)) return
        this.connections.get(node)?.close()
        this.connections.delete(node)
        // The leaders may have moved to other brokers: looked up again, they get their own loops.
        for (const partition of partitions) this.leaders.delete(partition)
        await sleep(this.backoff())
        this.wake()
      }
    }
  }

  /** Counts a failure; false (and onStopped) when fetching must stop. */
  private failed (error: Error): boolean {
    const now = Date.now()
    this.failingSince ??= now
    this.failures++
    // Credentials, certificates and records that cannot be read do not get better by retrying.
    const fatal = error.name === 'SaslError' || error.name === 'RecordBatchError' || UNTRUSTED_CERTIFICATE.has(String((error as Error & { code?: unknown }).code))
    if (fatal || now - this.failingSince > this.settings.giveUpMs) {
      if (!this.closed) {
        this.closed = true
        this.handler.onStopped(error)
      }
      return false
    }
    if (this.failures === 1 || this.failures % 10 === 0) this.log.warn('fetching from Kafka failed; retrying', { error: error.message, attempt: this.failures })
    return true
  }

  private async fetchFrom (node: number, partitions: number[]): Promise<void> {
    const connection = await this.connection(node)
    for (const partition of partitions) {
      const position = this.positions.get(partition)
      if (position?.offset === EARLIEST) this.seekIfCurrent(partition, position, await this.earliest(connection, partition))
    }
    const sent = new Map<number, Position>()
    // A batch larger than partitionMaxBytes is returned whole only for the first partition of a
    // response: the order turns with every fetch, so no partition waits behind the others.
    const turn = this.turn++ % partitions.length
    for (const partition of [...partitions.slice(turn), ...partitions.slice(0, turn)]) {
      const position = this.positions.get(partition)
      if (position && position.offset >= 0) sent.set(partition, position)
    }
    if (sent.size === 0) return
    const { topic, maxWaitMs, maxBytes, partitionMaxBytes } = this.settings
    const body = new Writer()
    body.int32(-1) // replica id
      .int32(maxWaitMs)
      .int32(1) // min bytes
      .int32(maxBytes)
      .int8(1) // read committed
      .int32(0) // no fetch session
      .int32(-1)
      .array([topic], (name) => {
        body.string(name).array([...sent], ([partition, position]) => {
          body.int32(partition).int32(-1).int64(BigInt(position.offset)).int64(-1n).int32(partitionMaxBytes)
        })
      })
      .array([], () => {})
      .string('')
    const response = await connection.request(FETCH, 11, body.done(), this.settings.connection.requestTimeoutMs + maxWaitMs)
    response.int32() // throttle time
    const error = response.int16()
    response.int32() // session id
    if (error !== 0) throw new Error(`Kafka refused a fetch (error code ${error})`)
    // Read the whole response before anything moves: an error half way must not leave a
    // position past records that were never handed over.
    const runs: RecordRun[] = []
    const advanced: Array<[number, Position]> = []
    const highWatermarks: Array<[number, bigint]> = []
    const outOfRange: Array<[number, Position]> = []
    let staleLeader = false
    response.array(() => {
      response.string()
      response.array(() => {
        const partition = response.int32()
        const code = response.int16()
        const highWatermark = response.int64()
        response.int64() // last stable offset
        response.int64() // log start offset
        const aborted = readAborted(response)
        response.int32() // preferred read replica
        const records = response.bytes()
        const position = sent.get(partition)
        if (position === undefined || this.positions.get(partition) !== position) return
        if (code === OFFSET_OUT_OF_RANGE) {
          outOfRange.push([partition, position])
          return
        }
        if (STALE_LEADER.has(code)) {
          staleLeader = true
          return
        }
        if (code !== 0) throw new Error(`Kafka refused to fetch partition ${partition} (error code ${code})`)
        highWatermarks.push([partition, highWatermark])
        if (records === null || records.length === 0) return
        const { runs: read, next } = readRecordBatches(records, partition, position.offset, aborted)
        runs.push(...read)
        if (next > position.offset) advanced.push([partition, { offset: next, version: position.version }])
      })
    })
    for (const [partition, position] of outOfRange) {
      this.log.warn('the fetch offset is out of range (retention deleted those records); reading from the earliest offset', { partition, offset: position.offset })
      this.seekIfCurrent(partition, position, EARLIEST)
    }
    for (const [partition, highWatermark] of highWatermarks) this.handler.onHighWatermark(partition, highWatermark)
    for (const [partition, position] of advanced) this.positions.set(partition, position)
    if (runs.length > 0) {
      const delivered = new Map(advanced)
      await this.handler.onRuns(runs, () => runs.some((run) => this.positions.get(run.partition) !== delivered.get(run.partition)))
    }
    if (staleLeader) {
      for (const partition of partitions) this.leaders.delete(partition)
      await this.refreshMetadata()
    }
  }

  private seekIfCurrent (partition: number, position: Position, offset: number): void {
    if (this.positions.get(partition) === position) this.positions.set(partition, { offset, version: position.version })
  }

  /** ListOffsets v1 for the earliest offset of a partition, from its leader. */
  private async earliest (connection: BrokerConnection, partition: number): Promise<number> {
    const body = new Writer()
    body.int32(-1).array([this.settings.topic], (name) => {
      body.string(name).array([partition], (p) => { body.int32(p).int64(-2n) })
    })
    const response = await connection.request(LIST_OFFSETS, 1, body.done())
    let earliest = EARLIEST
    response.array(() => {
      response.string()
      response.array(() => {
        response.int32()
        const code = response.int16()
        response.int64() // timestamp
        const offset = response.int64Number()
        if (code !== 0) throw new Error(`Kafka refused to list the earliest offset of partition ${partition} (error code ${code})`)
        earliest = offset
      })
    })
    return earliest
  }

  private async connection (node: number): Promise<BrokerConnection> {
    const open = this.connections.get(node)
    if (open && !open.closed) return open
    const address = this.nodes.get(node)
    if (!address) throw new Error(`broker ${node} is not in the cluster metadata`)
    const connection = new BrokerConnection(address.host, address.port, this.settings.connection)
    this.connections.set(node, connection)
    try {
      await connection.open()
    } catch (error) {
      connection.close()
      this.connections.delete(node)
      throw error
    }
    return connection
  }

  /** Metadata v4 for the topic: its partitions' leaders and the brokers' addresses. */
  private async refreshMetadata (): Promise<void> {
    this.metadataRefresh ??= this.readMetadata().finally(() => { this.metadataRefresh = undefined })
    return this.metadataRefresh
  }

  private async readMetadata (): Promise<void> {
    const { brokers, topic } = this.settings
    let connection = this.metadataConnection
    if (!connection || connection.closed) {
      const [host, port] = splitAddress(brokers[this.bootstrapIndex++ % brokers.length] as string)
      connection = new BrokerConnection(host, port, this.settings.connection)
      this.metadataConnection = connection
      await connection.open()
    }
    const body = new Writer()
    body.array([topic], (name) => { body.string(name) }).int8(0)
    const response = await connection.request(METADATA, 4, body.done())
    response.int32() // throttle time
    const nodes = response.array(() => {
      const id = response.int32()
      const host = response.string() as string
      const port = response.int32()
      response.string() // rack
      return { id, host, port }
    })
    response.string() // cluster id
    response.int32() // controller
    for (const node of nodes) this.nodes.set(node.id, { host: node.host, port: node.port })
    response.array(() => {
      const code = response.int16()
      response.string()
      response.int8() // internal
      response.array(() => {
        response.int16()
        const partition = response.int32()
        const leader = response.int32()
        response.array(() => response.int32())
        response.array(() => response.int32())
        if (code === 0 && leader >= 0) this.leaders.set(partition, leader)
      })
    })
  }
}

function readAborted (response: Reader): AbortedTransaction[] {
  const count = response.int32()
  const aborted: AbortedTransaction[] = []
  for (let i = 0; i < count; i++) aborted.push({ producerId: response.int64(), firstOffset: response.int64Number() })
  return aborted
}

function splitAddress (address: string): [string, number] {
  const at = address.lastIndexOf(':')
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))]
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
