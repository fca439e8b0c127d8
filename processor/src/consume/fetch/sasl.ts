// SASL for the fetch client's connections: SaslHandshake v1 names the mechanism, then
// SaslAuthenticate v1 carries PLAIN's one message or SCRAM's two rounds (RFC 5802, RFC 7677;
// Kafka's SCRAM-SHA-256 and SCRAM-SHA-512). The password is never logged and never part of an
// error message.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Reader } from './wire.ts'
import { Writer } from './wire.ts'

export interface SaslSettings {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'
  username: string
  password: string
}

interface Requester {
  request: (apiKey: number, apiVersion: number, body: Buffer) => Promise<Reader>
}

const SASL_HANDSHAKE = 17
const SASL_AUTHENTICATE = 36

export class SaslError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SaslError'
  }
}

export async function authenticate (connection: Requester, settings: SaslSettings): Promise<void> {
  const mechanism = settings.mechanism.toUpperCase()
  const handshake = await connection.request(SASL_HANDSHAKE, 1, new Writer().string(mechanism).done())
  const handshakeError = handshake.int16()
  const enabled = handshake.array(() => handshake.string())
  if (handshakeError !== 0) throw new SaslError(`the broker does not accept SASL mechanism ${mechanism} (it accepts ${enabled.join(', ')})`)
  if (settings.mechanism === 'plain') {
    await exchange(connection, Buffer.from(`\0${settings.username}\0${settings.password}`, 'utf8'))
    return
  }
  const hash = settings.mechanism === 'scram-sha-256' ? 'sha256' : 'sha512'
  const nonce = randomBytes(24).toString('base64')
  const clientFirstBare = `n=${saslName(settings.username)},r=${nonce}`
  const serverFirst = (await exchange(connection, Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8')
  const fields = attributes(serverFirst)
  const serverNonce = fields.get('r')
  const salt = fields.get('s')
  const iterations = Number(fields.get('i'))
  if (!serverNonce?.startsWith(nonce) || salt === undefined || !Number.isSafeInteger(iterations) || iterations < 1) {
    throw new SaslError(`the broker's SCRAM challenge is malformed (${mechanism})`)
  }
  const saltedPassword = pbkdf2Sync(settings.password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, hash === 'sha256' ? 32 : 64, hash)
  const clientKey = hmac(hash, saltedPassword, 'Client Key')
  const storedKey = createHash(hash).update(clientKey).digest()
  const clientFinalWithoutProof = `c=biws,r=${serverNonce}`
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`
  const clientSignature = hmac(hash, storedKey, authMessage)
  const proof = Buffer.alloc(clientKey.length)
  for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] as number) ^ (clientSignature[i] as number)
  const serverFinal = attributes((await exchange(connection, Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8'))
  const expected = hmac(hash, hmac(hash, saltedPassword, 'Server Key'), authMessage)
  const verifier = Buffer.from(serverFinal.get('v') ?? '', 'base64')
  if (verifier.length !== expected.length || !timingSafeEqual(verifier, expected)) {
    throw new SaslError(`the broker's SCRAM signature does not match (${mechanism}): it does not know this user's credentials`)
  }
}

async function exchange (connection: Requester, bytes: Buffer): Promise<Buffer> {
  const response = await connection.request(SASL_AUTHENTICATE, 1, new Writer().bytes(bytes).done())
  const error = response.int16()
  const message = response.string()
  const payload = response.bytes()
  if (error !== 0) throw new SaslError(`SASL authentication failed (${message ?? `error code ${error}`})`)
  return payload ?? Buffer.alloc(0)
}

function hmac (hash: string, key: Buffer, text: string): Buffer {
  return createHmac(hash, key).update(text, 'utf8').digest()
}

function saslName (name: string): string {
  return name.replaceAll('=', '=3D').replaceAll(',', '=2C')
}

function attributes (message: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const part of message.split(',')) {
    const at = part.indexOf('=')
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1))
  }
  return fields
}
