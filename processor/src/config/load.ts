// Reads the processor's configuration: defaults < YAML file < environment < flags.
// Every value is checked against config/schema.ts; the first bad one stops the start with one
// line that names the setting, where it came from, the value and what is allowed.
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { SpateError } from '../errors.ts'
import { settings, type Kind, type Setting } from './schema.ts'
import { unknownEnvWarnings } from './unknown-env.ts'
import { usableCores } from './cores.ts'
import type { ProcessorConfig } from './types.ts'

export class ConfigError extends SpateError {
  constructor (message: string) {
    super('SPATE_CONFIG', `config: ${message}`)
  }
}

export function envName (path: string): string {
  return 'SPATE_' + path.split('.').map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')
}

const byPath = new Map(settings.map((setting) => [setting.path, setting]))

type Raw = unknown
interface Source { raw: Raw, from: string }

export interface LoadInput {
  argv?: readonly string[]
  env?: NodeJS.ProcessEnv
  /** Cores for workers=auto; read from the machine when not given (tests pass one). */
  cores?: number
}

export interface Loaded {
  config: ProcessorConfig
  /** The YAML file read, if any. */
  file: string | undefined
  /** Things that do not stop the start but are probably mistakes (unknown SPATE_* variables). */
  warnings: string[]
}

/** Parses flags: --config <file>, --<setting path>=<value> or --<setting path> <value>. */
function parseFlags (argv: readonly string[]): { file: string | undefined, values: Map<string, Source> } {
  const values = new Map<string, Source>()
  let file: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"; settings are given as --<setting>=<value>, the file as --config <file>`)
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1)
    if (value === undefined) {
      value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`flag --${name} needs a value`)
      i++
    }
    if (name === 'config') {
      file = value
      continue
    }
    const setting = byPath.get(name)
    if (!setting) throw new ConfigError(`unknown flag --${name}; ${suggest(name)}`)
    if (setting.secret) throw new ConfigError(`${name} is a secret and is read from ${envName(name)} only, not from a flag`)
    values.set(name, { raw: value, from: `flag --${name}` })
  }
  return { file, values }
}

function suggest (path: string): string {
  const section = path.includes('.') ? path.slice(0, path.lastIndexOf('.') + 1) : ''
  const siblings = settings.filter((s) => section !== '' && s.path.startsWith(section)).map((s) => s.path)
  return siblings.length > 0
    ? `settings under ${section.slice(0, -1)} are: ${siblings.join(', ')}`
    : `see docs/processor.md for the settings (top level: ${[...new Set(settings.map((s) => s.path.split('.')[0]))].join(', ')})`
}

/** Flattens the YAML document into setting paths, refusing unknown keys and secrets. */
function flattenYaml (doc: unknown, file: string): Map<string, Source> {
  const values = new Map<string, Source>()
  const walk = (node: unknown, prefix: string): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw new ConfigError(`${prefix || 'the document'} in ${file} must be a mapping of settings`)
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const path = prefix ? `${prefix}.${key}` : key
      const setting = byPath.get(path)
      if (setting) {
        if (setting.secret) throw new ConfigError(`${path} is a secret and is read from ${envName(path)} only; remove it from ${file}`)
        values.set(path, { raw: value, from: file })
      } else if (settings.some((s) => s.path.startsWith(path + '.'))) {
        walk(value, path)
      } else {
        throw new ConfigError(`unknown setting "${path}" in ${file}; ${suggest(path)}`)
      }
    }
  }
  if (doc !== null && doc !== undefined) walk(doc, '')
  return values
}

function readYaml (file: string): Map<string, Source> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ConfigError(`cannot read config file ${file} (${code ?? String(error)}); pass an existing file with --config <file>`)
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (error) {
    const first = String((error as Error).message).split('\n')[0]
    throw new ConfigError(`${file} is not valid YAML: ${first}`)
  }
  return flattenYaml(doc, file)
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const BYTES = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/
const BYTES_UNIT: Record<string, number> = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 }

function formatMs (ms: number): string {
  if (ms === 0) return '0s'
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

function allowed (kind: Kind): string {
  switch (kind.type) {
    case 'string': return kind.patternHint ?? 'a string'
    case 'int': return `an integer from ${kind.min} to ${kind.max}`
    case 'int-or-auto': return `auto or an integer from ${kind.min} to ${kind.max}`
    case 'bool': return 'true or false'
    case 'duration': return `a duration from ${formatMs(kind.minMs)} to ${formatMs(kind.maxMs)}, e.g. 500ms, 10s, 2m`
    case 'bytes': return `a size from ${kind.min} to ${kind.max} bytes, e.g. 512KiB, 64MiB`
    case 'enum': return `one of ${kind.values.join(', ')}`
    case 'list': return `a comma-separated list of ${kind.patternHint ?? 'values'} with at least ${kind.minItems} item${kind.minItems === 1 ? '' : 's'}`
  }
}

/** Converts a raw value to the setting's type, or returns undefined when it does not fit. */
function coerce (kind: Kind, raw: Raw): unknown {
  switch (kind.type) {
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return undefined
      const value = String(raw)
      return kind.pattern && !kind.pattern.test(value) ? undefined : value
    }
    case 'int': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN
      return Number.isInteger(value) && value >= kind.min && value <= kind.max ? value : undefined
    }
    case 'int-or-auto': {
      if (typeof raw === 'string' && raw.trim().toLowerCase() === 'auto') return 'auto'
      return coerce({ type: 'int', min: kind.min, max: kind.max }, raw)
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw
      const value = String(raw).trim().toLowerCase()
      return ['true', '1', 'yes'].includes(value) ? true : ['false', '0', 'no'].includes(value) ? false : undefined
    }
    case 'duration': {
      let ms: number
      if (typeof raw === 'number') ms = raw
      else if (typeof raw === 'string' && raw.trim() === '0') ms = 0
      else if (typeof raw === 'string' && DURATION.test(raw.trim())) {
        const [, amount, unit] = DURATION.exec(raw.trim()) as RegExpExecArray
        ms = Number(amount) * (DURATION_MS[unit as string] as number)
      } else return undefined
      return Number.isFinite(ms) && ms >= kind.minMs && ms <= kind.maxMs ? Math.round(ms) : undefined
    }
    case 'bytes': {
      let bytes: number
      if (typeof raw === 'number') bytes = raw
      else if (typeof raw === 'string' && BYTES.test(raw.trim())) {
        const [, amount, unit] = BYTES.exec(raw.trim()) as RegExpExecArray
        bytes = Number(amount) * (BYTES_UNIT[unit ?? 'B'] as number)
      } else return undefined
      return Number.isFinite(bytes) && bytes >= kind.min && bytes <= kind.max ? Math.floor(bytes) : undefined
    }
    case 'enum':
      return typeof raw === 'string' && kind.values.includes(raw) ? raw : undefined
    case 'list': {
      const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : undefined
      if (!items || items.length < kind.minItems) return undefined
      return kind.pattern && !items.every((item) => kind.pattern?.test(item)) ? undefined : items
    }
  }
}

function resolve (setting: Setting, source: Source | undefined): unknown {
  if (source === undefined || (source.raw === '' && setting.kind.type === 'string' && setting.kind.optional)) return setting.default
  const value = coerce(setting.kind, source.raw)
  if (value === undefined) {
    const shown = setting.secret ? '<redacted>' : JSON.stringify(source.raw)
    throw new ConfigError(`${setting.path} = ${shown} (from ${source.from}) is invalid: must be ${allowed(setting.kind)}`)
  }
  return value
}

function assign (target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {}
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1] as string] = value
}

/** A CA file must be there and hold a PEM certificate, or the first TLS handshake fails obscurely. */
function readablePem (path: string, file: string, what: string): void {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: ${file}); give the PEM file of ${what}`)
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${path} (${file}) holds no PEM certificate; give the PEM file of ${what}`)
}

/** Checks that concern several settings at once. */
function crossCheck (config: ProcessorConfig): void {
  const { sasl } = config.kafka
  if (sasl.mechanism !== 'none') {
    if (!sasl.username) throw new ConfigError(`kafka.sasl.mechanism is ${sasl.mechanism} but kafka.sasl.username is not set; set it (or ${envName('kafka.sasl.username')})`)
    if (!sasl.password) throw new ConfigError(`kafka.sasl.mechanism is ${sasl.mechanism} but the password is missing; export ${envName('kafka.sasl.password')}`)
  }
  if (config.kafka.tls.caFile !== undefined) {
    if (!config.kafka.tls.enabled) throw new ConfigError(`kafka.tls.caFile is set but kafka.tls.enabled is false; set ${envName('kafka.tls.enabled')}=true, or unset ${envName('kafka.tls.caFile')}`)
    readablePem('kafka.tls.caFile', config.kafka.tls.caFile, 'the CA that signed the brokers\' certificates')
  }
  if (config.redis.tls.caFile !== undefined) {
    if (!config.redis.url.startsWith('rediss://')) throw new ConfigError(`redis.tls.caFile is set but redis.url is not a rediss:// URL; use rediss:// for TLS, or unset ${envName('redis.tls.caFile')}`)
    readablePem('redis.tls.caFile', config.redis.tls.caFile, 'the CA that signed Redis\'s certificate')
  }
  if (config.kafka.dlqTopic === config.kafka.topic) {
    throw new ConfigError(`kafka.dlqTopic must differ from kafka.topic ("${config.kafka.topic}"), or dead letters would be consumed again`)
  }
  if (config.window.allowedLateness >= config.window.size * 100) {
    throw new ConfigError(`window.allowedLateness (${formatMs(config.window.allowedLateness)}) must be under 100 windows (${formatMs(config.window.size * 100)}), or open windows pile up in memory`)
  }
  if (Boolean(config.s3.accessKeyId) !== Boolean(config.s3.secretAccessKey)) {
    throw new ConfigError(`S3 credentials are half set: export both ${envName('s3.accessKeyId')} and ${envName('s3.secretAccessKey')}`)
  }
  if (!config.s3.accessKeyId) {
    throw new ConfigError(`S3 credentials are missing: export ${envName('s3.accessKeyId')} and ${envName('s3.secretAccessKey')}`)
  }
}

export function loadConfig (input: LoadInput = {}): Loaded {
  const env = input.env ?? process.env
  const flags = parseFlags(input.argv ?? [])
  const file = flags.file ?? env.SPATE_CONFIG
  const fromFile = file ? readYaml(file) : new Map<string, Source>()
  const config: Record<string, unknown> = {}
  for (const setting of settings) {
    const name = envName(setting.path)
    const fromEnv = env[name] !== undefined ? { raw: env[name], from: name } : undefined
    const source = flags.values.get(setting.path) ?? fromEnv ?? fromFile.get(setting.path)
    assign(config, setting.path, resolve(setting, source))
  }
  const typed = config as unknown as ProcessorConfig
  if ((typed.workers as number | 'auto') === 'auto') typed.workers = input.cores ?? usableCores()
  crossCheck(typed)
  return { config: typed, file, warnings: unknownEnvWarnings(env, envName) }
}
