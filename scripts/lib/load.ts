// What every load script shares: its configuration, the producers, setup() creating the topics,
// one produce call per iteration, and the options around a script's own load shape.
import type { Options, Scenario } from 'k6/options'
import exec from 'k6/execution'
import { AdminClient, Producer } from 'k6/x/kafka'
import { Expectation, Ledger } from 'k6/x/spate'
import { batchThresholds, keepsUpThresholds, latencyTrendThresholds, thresholdsFor, type ProfileName } from '../../thresholds/profiles.ts'
import { readLoadConfig, type EnvReader, type LoadConfig } from './config.ts'
import { monitorLag, readKeepsUpConfig, reportBatchDuration } from './keeps-up.ts'
import { reports, type SummaryData } from './summary.ts'
import { readVerifyConfig, verifyRun } from './verify.ts'

const loaded = readLoadConfig(__ENV)
export const config: LoadConfig = loaded.config
/** For a script's own variables (rates, durations of its shape); problems land in the same place. */
export const env: EnvReader = loaded.reader
const verifyConfig = readVerifyConfig(env)
const keepsUp = readKeepsUpConfig(env)
const connection = { brokers: config.brokers, ...(config.sasl ? { sasl: config.sasl } : {}), ...(config.tls ? { tls: config.tls } : {}) }
let loadDuration = 0
const reportDir = env.string('SPATE_REPORT_DIR', '.', /^[^\0]+$/, 'a directory')

/** SPATE_RATE (messages per second, with the script's default) as iterations per second. */
export function iterationRate (defaultMessagesPerSecond: number): number {
  const messagesPerSecond = env.number('SPATE_RATE', defaultMessagesPerSecond, { min: 1, max: 10_000_000 })
  return Math.max(1, Math.round(messagesPerSecond / config.batch))
}

/** Seconds in a script API duration such as 1m30s. */
export function seconds (duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 }
  let total = 0
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(amount) * (units[unit as string] as number)
  return total
}

/** Options for a constant arrival rate (steady, soak, smoke): SPATE_RATE for SPATE_DURATION. */
export function constantRateOptions (defaultMessagesPerSecond: number, defaultDuration: string, defaultProfile: ProfileName = 'default'): Options {
  const duration = env.duration('SPATE_DURATION', defaultDuration)
  const rate = iterationRate(defaultMessagesPerSecond)
  return loadOptions({ executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration, preAllocatedVUs: 1 }, rate, seconds(duration), defaultProfile)
}

/**
 * Options for a load shape that runs for loadSeconds. VUs are pre-allocated for half a second of
 * the peak rate, so that a slow first produce (metadata, connections, a partition leader still
 * being elected) or a spike does not drop iterations for want of a VU; a VU of these scripts
 * costs about 0.5 MB in spate's engine. Unless SPATE_VERIFY=off, a verify scenario starts when the load ends and checks
 * the sink (scripts/lib/verify.ts).
 */
export function loadOptions (scenario: Scenario, peakIterationsPerSecond: number, loadSeconds: number, defaultProfile: ProfileName = 'default'): Options {
  // SPATE_MAX_VUS caps the generator's VUs (to bound its memory, or to see how it behaves when
  // it cannot keep up: iterations are then dropped and counted in dropped_iterations).
  const maxVUs = env.number('SPATE_MAX_VUS', 4000, { min: 1, max: 100_000, integer: true })
  const vus = Math.min(maxVUs, 1000, Math.max(50, Math.ceil(peakIterationsPerSecond * 0.5)))
  const scenarios: Record<string, Scenario> = { load: { ...scenario, preAllocatedVUs: vus, maxVUs: Math.min(maxVUs, vus * 4) } as Scenario }
  loadDuration = loadSeconds
  // Windows mode judges keeping up from the output's latency trend: pipelines that write only
  // their natural output (Spark) often commit no consumer-group offsets either.
  const monitoring = verifyConfig.enabled && verifyConfig.mode === 'ledger' && keepsUp.group !== ''
  if (monitoring) {
    scenarios.monitor = {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      maxDuration: `${Math.ceil(loadSeconds) + 60}s`,
      exec: 'monitor',
    }
  }
  if (verifyConfig.enabled) {
    scenarios.verify = {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      startTime: `${Math.ceil(loadSeconds)}s`,
      maxDuration: `${verifyConfig.timeoutSeconds + 60}s`,
      exec: 'verify',
    }
  }
  return {
    scenarios,
    thresholds: {
      ...thresholdsFor(config.thresholds ?? defaultProfile, config.thresholdOverrides, verifyConfig.enabled),
      ...(monitoring ? keepsUpThresholds() : {}),
      ...(verifyConfig.enabled && verifyConfig.mode === 'windows' ? latencyTrendThresholds() : {}),
      ...(verifyConfig.enabled && keepsUp.processorMetricsUrl ? batchThresholds() : {}),
    },
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  }
}

// Each VU uses one of config.producers shared Kafka clients: N independent producers, whatever
// the number of VUs (the Producer's `share` option in spate's engine).
const producer = new Producer({
  brokers: config.brokers,
  topic: config.topic,
  ...config.producer,
  ...(config.sasl ? { sasl: config.sasl } : {}),
  ...(config.tls ? { tls: config.tls } : {}),
  share: `producer-${__VU % config.producers}`,
})

export interface SetupData {
  runId: string
}

/** Creates the topics (idempotent); any problem stops the run here, before a message is sent. */
export function setupRun (): SetupData {
  if (env.problem) exec.test.abort(env.problem)
  try {
    const admin = new AdminClient(connection)
    try {
      admin.createTopic({ topic: config.topic, numPartitions: config.partitions, replicationFactor: 1 })
      admin.createTopic({ topic: config.dlqTopic, numPartitions: 1, replicationFactor: 1 })
    } finally {
      admin.close()
    }
  } catch (error) {
    exec.test.abort(error instanceof Error ? error.message.replace(/^GoError: /, '') : String(error))
  }
  // One run id for the whole test, shared by every VU through setup's return value.
  return { runId: config.runId || `run-${Date.now().toString(36)}` }
}

let ledger: Ledger | undefined
let expectation: Expectation | undefined

/**
 * One iteration: config.batch messages with consecutive sequence numbers, one produce call.
 * The engine builds the messages natively from what the script decides here (schema, run id,
 * sequence range, key space, event time), byte-identical to scripts/lib/messages.ts; building
 * them in JavaScript would cap the rate far below Kafka's own producer.
 */
export function produceBatch (data: SetupData): void {
  const first = exec.scenario.iterationInTest * config.batch
  const eventTime = Date.now()
  producer.produce({ generate: { schema: config.schema, runId: data.runId, firstSeq: first, count: config.batch, keys: config.keys, eventTime } })
  if (verifyConfig.enabled && verifyConfig.mode === 'windows') {
    // The engine records what each window and key must hold (k6/x/spate's Expectation).
    expectation ??= new Expectation({ runId: data.runId, schema: config.schema, keys: config.keys, windowMs: verifyConfig.windows.windowMs })
    expectation.add(first, config.batch, eventTime)
  } else if (verifyConfig.enabled) {
    // The ledger counts in the engine and reaches Redis about once a second (k6/x/spate).
    ledger ??= new Ledger({ redisUrl: verifyConfig.redisUrl, prefix: verifyConfig.prefix, runId: data.runId })
    ledger.add(first, config.batch)
  }
}

/** The verify scenario's one iteration. */
export async function verifyPipeline (data: SetupData): Promise<void> {
  if (verifyConfig.mode === 'windows') {
    expectation ??= new Expectation({ runId: data.runId, schema: config.schema, keys: config.keys, windowMs: verifyConfig.windows.windowMs })
  }
  await verifyRun(verifyConfig, data.runId, expectation)
  reportBatchDuration(keepsUp)
}

/** The monitor scenario's one iteration: lag sampled through the load (scripts/lib/keeps-up.ts). */
export function monitorPipeline (): void {
  monitorLag(keepsUp, connection, config.topic, loadDuration)
}

/** handleSummary for a script: text summary, k6-summary.json and k6-junit.xml in SPATE_REPORT_DIR. */
export function summaryHandler (script: string): (data: SummaryData) => Record<string, string> {
  return (data) => reports(data, reportDir, `spate.${script}`)
}
