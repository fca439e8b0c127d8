// One connection to one Kafka broker for the fetch client: plaintext or TLS, SASL (PLAIN or
// SCRAM, fetch/sasl.ts) before anything else, then requests matched to their responses by
// correlation id. A request that gets no answer in time, or a socket that closes, fails every
// request in flight and leaves the connection closed: the fetcher opens a new one.
import { isIP, connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { authenticate, type SaslSettings } from './sasl.ts'
import { Reader, Writer } from './wire.ts'

export interface ConnectionSettings {
  clientId: string
  /** TLS options, or undefined for plaintext. */
  tls: ConnectionOptions | undefined
  sasl: SaslSettings | undefined
  connectTimeoutMs: number
  requestTimeoutMs: number
}

/** The broker could not be reached, or the connection broke; retrying may help. */
export class ConnectionError extends Error {
  readonly code: string | undefined
  constructor (message: string, options?: ErrorOptions & { code?: string }) {
    super(message, options)
    this.name = 'ConnectionError'
    this.code = options?.code
  }
}

interface Pending {
  resolve: (body: Reader) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

export class BrokerConnection {
  readonly host: string
  readonly port: number
  private socket: Socket | undefined
  private readonly settings: ConnectionSettings
  private readonly pending = new Map<number, Pending>()
  private correlationId = 0
  private chunks: Buffer[] = []
  private buffered = 0
  private closedWith: Error | undefined

  constructor (host: string, port: number, settings: ConnectionSettings) {
    this.host = host
    this.port = port
    this.settings = settings
  }

  get closed (): boolean {
    return this.closedWith !== undefined
  }

  async open (): Promise<void> {
    const { tls, connectTimeoutMs } = this.settings
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s: Socket = tls
        // SNI names a host, never an address (RFC 6066); the certificate is checked either way.
        ? tlsConnect({ ...tls, host: this.host, port: this.port, ...(isIP(this.host) === 0 ? { servername: tls.servername ?? this.host } : {}) })
        : tcpConnect({ host: this.host, port: this.port })
      const timer = setTimeout(() => {
        s.destroy()
        reject(new ConnectionError(`connecting to ${this.host}:${this.port} timed out after ${connectTimeoutMs} ms`))
      }, connectTimeoutMs)
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        s.removeAllListeners('error')
        resolve(s)
      })
      s.once('error', (error: Error & { code?: string }) => {
        clearTimeout(timer)
        reject(new ConnectionError(`cannot connect to ${this.host}:${this.port} (${error.message})`, { cause: error, code: error.code }))
      })
    })
    socket.setNoDelay(true)
    this.socket = socket
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('error', (error) => this.close(new ConnectionError(`the connection to ${this.host}:${this.port} failed (${error.message})`, { cause: error })))
    socket.on('close', () => this.close(new ConnectionError(`${this.host}:${this.port} closed the connection`)))
    if (this.settings.sasl) {
      try {
        await authenticate(this, this.settings.sasl)
      } catch (error) {
        this.close(error as Error)
        throw error
      }
    }
  }

  /** Sends a request (header v1) and resolves with a reader at the start of its response body. */
  request (apiKey: number, apiVersion: number, body: Buffer, timeoutMs = this.settings.requestTimeoutMs): Promise<Reader> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const socket = this.socket
    if (!socket) return Promise.reject(new ConnectionError(`the connection to ${this.host}:${this.port} is not open`))
    const correlationId = this.correlationId = (this.correlationId + 1) & 0x7fffffff
    const header = new Writer().int32(0).int16(apiKey).int16(apiVersion).int32(correlationId).string(this.settings.clientId).done()
    header.writeInt32BE(header.length - 4 + body.length, 0)
    return new Promise<Reader>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close(new ConnectionError(`${this.host}:${this.port} did not answer a request in ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(correlationId, { resolve, reject, timer })
      socket.write(header)
      socket.write(body)
    })
  }

  close (error: Error = new ConnectionError(`the connection to ${this.host}:${this.port} was closed`)): void {
    if (this.closedWith) return
    this.closedWith = error
    this.socket?.destroy()
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer)
      reject(error)
    }
    this.pending.clear()
    this.chunks = []
  }

  /** Frames responses (int32 size, int32 correlation id, body) out of the byte stream. */
  private receive (chunk: Buffer): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.buffered < 4) return
      let head = this.chunks[0] as Buffer
      if (head.length < 4) {
        head = Buffer.concat(this.chunks)
        this.chunks = [head]
      }
      const size = head.readInt32BE(0)
      if (this.buffered < 4 + size) return
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks, this.buffered)
      const frame = all.subarray(4, 4 + size)
      const rest = all.subarray(4 + size)
      this.chunks = rest.length > 0 ? [rest] : []
      this.buffered = rest.length
      const correlationId = frame.readInt32BE(0)
      const pending = this.pending.get(correlationId)
      if (!pending) {
        this.close(new ConnectionError(`${this.host}:${this.port} answered a request that was not sent (correlation id ${correlationId})`))
        return
      }
      this.pending.delete(correlationId)
      clearTimeout(pending.timer)
      pending.resolve(new Reader(frame, 4))
    }
  }
}
