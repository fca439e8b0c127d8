// The supervisor's own flags, before `--`; the processor's settings come after it and are checked
// by the processor's own loader before any instance starts. Every problem is one line naming the
// flag, the value and what is allowed.
import { loadConfig } from '../config/load.ts'
import type { ProcessorConfig } from '../config/types.ts'
import { SpateError } from '../errors.ts'
import type { PolicyOptions } from './policy.ts'

export class OptionsError extends Error {}

export interface AutoscaleOptions extends PolicyOptions {
  /** 0 until the topic's partition count is known: then min(max, partitions). */
  initialInstances: number
  /** Set explicitly, or undefined: the topic's partition count. */
  maxInstancesSet: boolean
  pollIntervalMs: number
  stopTimeoutMs: number
  metricsHost: string
  metricsPort: number
  /** Instance n (0-based) serves its /metrics on instancePortBase + n. */
  instancePortBase: number
  processorArgs: string[]
  processor: ProcessorConfig
  help: boolean
}

interface Flag {
  name: string
  kind: 'int' | 'duration' | 'string'
  min?: number
  max?: number
  doc: string
  /** Spark's or KEDA's name for the same knob, for the help text and the docs. */
  like?: string
}

export const flags: readonly Flag[] = [
  { name: 'min-instances', kind: 'int', min: 0, max: 1000, doc: 'never fewer instances (default 1)', like: 'spark.dynamicAllocation.minExecutors; KEDA minReplicaCount' },
  { name: 'initial-instances', kind: 'int', min: 0, max: 1000, doc: 'instances started first (default: min-instances)', like: 'spark.dynamicAllocation.initialExecutors' },
  { name: 'max-instances', kind: 'int', min: 1, max: 1000, doc: 'never more instances, nor more than the topic has partitions (default: the partition count)', like: 'spark.dynamicAllocation.maxExecutors; KEDA maxReplicaCount' },
  { name: 'lag-threshold', kind: 'int', min: 1, max: 1_000_000_000, doc: 'records of lag one instance is expected to absorb: needed = ceil(lag / this) (default 5000)', like: 'KEDA kafka trigger lagThreshold' },
  { name: 'backlog-timeout', kind: 'duration', min: 0, max: 3_600_000, doc: 'add instances once lag has needed more for this long (default 10s)', like: 'spark.dynamicAllocation.schedulerBacklogTimeout' },
  { name: 'sustained-backlog-timeout', kind: 'duration', min: 0, max: 3_600_000, doc: 'while it lasts, add again (1, 2, 4, ... at a time) this often (default: backlog-timeout)', like: 'spark.dynamicAllocation.sustainedSchedulerBacklogTimeout' },
  { name: 'idle-timeout', kind: 'duration', min: 0, max: 86_400_000, doc: 'remove instances once lag has needed fewer for this long (default 60s)', like: 'spark.dynamicAllocation.executorIdleTimeout; KEDA cooldownPeriod' },
  { name: 'poll-interval', kind: 'duration', min: 100, max: 600_000, doc: 'how often the group\'s lag is read from Kafka (default 1s)', like: 'KEDA pollingInterval' },
  { name: 'stop-timeout', kind: 'duration', min: 1000, max: 3_600_000, doc: 'an instance that has not drained this long after SIGTERM gets SIGKILL (default 60s)', like: 'terminationGracePeriodSeconds' },
  { name: 'metrics-host', kind: 'string', doc: 'address of the supervisor\'s /metrics and /healthz (default 127.0.0.1)' },
  { name: 'metrics-port', kind: 'int', min: 0, max: 65535, doc: 'port of the supervisor\'s /metrics (default 19399)' },
  { name: 'instance-port-base', kind: 'int', min: 1, max: 65535, doc: 'instance n serves its /metrics on this port + n (default 19401)' },
]

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

export const usage = `usage: spate-autoscale [flags] -- [processor settings]
  e.g. task autoscale -- --max-instances=4 --idle-timeout=2m -- --config processor/config/basic.yaml

Starts processor instances (node processor/src/main.ts) and adds or removes them by the consumer
group's lag, read from Kafka. The processor's settings after -- are those of docs/processor.md;
its metrics.port is set per instance from --instance-port-base.

${flags.map((f) => `  --${f.name}=<${f.kind === 'duration' ? 'duration' : f.kind === 'int' ? 'n' : 'value'}>`.padEnd(40) + ' ' + f.doc + (f.like ? ` [${f.like}]` : '')).join('\n')}
`

function closest (name: string): string | undefined {
  let best: { name: string, d: number } | undefined
  for (const f of flags) {
    const d = distance(name, f.name)
    if (d <= 3 && (!best || d < best.d)) best = { name: f.name, d }
  }
  return best?.name
}

function distance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length] as number
}

function parseValue (flag: Flag, raw: string): number | string {
  const bad = (allowed: string): never => { throw new OptionsError(`--${flag.name}=${JSON.stringify(raw)} is invalid: must be ${allowed}`) }
  if (flag.kind === 'string') return raw === '' ? bad('a non-empty string') : raw
  if (flag.kind === 'int') {
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN
    if (!Number.isInteger(n) || n < (flag.min ?? 0) || n > (flag.max ?? Infinity)) bad(`an integer from ${flag.min} to ${flag.max}`)
    return n
  }
  const match = DURATION.exec(raw)
  const ms = raw === '0' ? 0 : match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : NaN
  if (!Number.isFinite(ms) || ms < (flag.min ?? 0) || ms > (flag.max ?? Infinity)) {
    bad(`a duration from ${flag.min === 0 ? '0s' : `${flag.min}ms`} to ${(flag.max ?? 0) / 1000}s, e.g. 500ms, 10s, 2m`)
  }
  return Math.round(ms)
}

/** Reads argv (without node and the script); throws OptionsError with one line on a problem. */
export function parseOptions (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AutoscaleOptions {
  const split = argv.indexOf('--')
  const own = split === -1 ? argv : argv.slice(0, split)
  const processorArgs = split === -1 ? [] : argv.slice(split + 1)
  const values = new Map<string, number | string>()
  let help = false
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] as string
    if (arg === '--help' || arg === '-h') { help = true; continue }
    if (!arg.startsWith('--')) throw new OptionsError(`unexpected argument "${arg}"; flags are --<flag>=<value>, and the processor's settings go after --`)
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    const flag = flags.find((f) => f.name === name)
    if (!flag) {
      const near = closest(name)
      throw new OptionsError(`unknown flag --${name}; ${near ? `did you mean --${near}? ` : ''}the processor's settings go after -- (see --help)`)
    }
    let raw = eq === -1 ? undefined : arg.slice(eq + 1)
    if (raw === undefined) {
      raw = own[i + 1]
      if (raw === undefined || raw.startsWith('--')) throw new OptionsError(`flag --${name} needs a value`)
      i++
    }
    values.set(name, parseValue(flag, raw))
  }
  const int = (name: string, fallback: number): number => (values.get(name) as number | undefined) ?? fallback
  const minInstances = int('min-instances', 1)
  const maxInstancesSet = values.has('max-instances')
  const maxInstances = int('max-instances', 1000)
  if (maxInstancesSet && minInstances > maxInstances) throw new OptionsError(`--min-instances=${minInstances} is above --max-instances=${maxInstances}; lower min or raise max`)
  const initialInstances = int('initial-instances', minInstances)
  if (initialInstances < minInstances) throw new OptionsError(`--initial-instances=${initialInstances} is below --min-instances=${minInstances}; raise it or leave it out (it defaults to min)`)
  if (maxInstancesSet && initialInstances > maxInstances) throw new OptionsError(`--initial-instances=${initialInstances} is above --max-instances=${maxInstances}; lower it or raise max`)
  const backlogTimeoutMs = int('backlog-timeout', 10_000)
  const instancePortBase = int('instance-port-base', 19401)
  const metricsPort = int('metrics-port', 19399)
  const lastPort = instancePortBase + (maxInstancesSet ? maxInstances : 1) - 1
  if (lastPort > 65535) throw new OptionsError(`--instance-port-base=${instancePortBase} leaves no port for instance ${maxInstances}: ports ${instancePortBase}-${lastPort} are needed; lower it`)
  if (metricsPort !== 0 && metricsPort >= instancePortBase && metricsPort <= instancePortBase + (maxInstancesSet ? maxInstances : 64) - 1) {
    throw new OptionsError(`--metrics-port=${metricsPort} is among the instances' ports (from --instance-port-base=${instancePortBase}); pick another`)
  }
  const owned = processorArgs.find((a) => /^--metrics\.port(=|$)/.test(a))
  if (owned) throw new OptionsError(`the processor setting ${owned.split('=')[0]} is set by the supervisor for each instance; use --instance-port-base instead`)
  let processor: ProcessorConfig
  try {
    processor = loadConfig({ argv: [...processorArgs, `--metrics.port=${instancePortBase}`], env }).config
  } catch (error) {
    if (error instanceof SpateError) throw new OptionsError(`processor settings after --: ${error.message}`)
    throw error
  }
  return {
    minInstances,
    initialInstances,
    maxInstances,
    maxInstancesSet,
    lagThreshold: int('lag-threshold', 5000),
    backlogTimeoutMs,
    sustainedBacklogTimeoutMs: int('sustained-backlog-timeout', backlogTimeoutMs),
    idleTimeoutMs: int('idle-timeout', 60_000),
    pollIntervalMs: int('poll-interval', 1000),
    stopTimeoutMs: int('stop-timeout', 60_000),
    metricsHost: (values.get('metrics-host') as string | undefined) ?? '127.0.0.1',
    metricsPort,
    instancePortBase,
    processorArgs,
    processor,
    help,
  }
}
