// What every load script shares: its configuration, the producers, setup() creating the topics,
// one produce call per iteration, and the options around a script's own load shape.
import type { Options, Scenario } from 'k6/options'
import exec from 'k6/execution'
import { AdminClient, Producer } from 'k6/x/kafka'
import { thresholdsFor, type ProfileName } from '../../thresholds/profiles.ts'
import { readLoadConfig, type EnvReader, type LoadConfig } from './config.ts'
import { message } from './messages.ts'

const loaded = readLoadConfig(__ENV)
export const config: LoadConfig = loaded.config
/** For a script's own variables (rates, durations of its shape); problems land in the same place. */
export const env: EnvReader = loaded.reader

/** SPATE_RATE (messages per second, with the script's default) as k6 iterations per second. */
export function iterationRate (defaultMessagesPerSecond: number): number {
  const messagesPerSecond = env.number('SPATE_RATE', defaultMessagesPerSecond, { min: 1, max: 10_000_000 })
  return Math.max(1, Math.round(messagesPerSecond / config.batch))
}

/**
 * k6 options for a load shape. VUs are pre-allocated for the peak rate, so that a slow first
 * produce (metadata, connections) or a spike does not drop iterations for want of a VU.
 */
export function loadOptions (scenario: Scenario, peakIterationsPerSecond: number, defaultProfile: ProfileName = 'default'): Options {
  const vus = Math.min(1000, Math.max(10, Math.ceil(peakIterationsPerSecond * 0.05)))
  const shaped = { ...scenario, preAllocatedVUs: vus, maxVUs: vus * 4 } as Scenario
  return {
    scenarios: { load: shaped },
    thresholds: thresholdsFor(config.thresholds ?? defaultProfile, config.thresholdOverrides),
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  }
}

// Each VU uses one of config.producers shared Kafka clients: N independent producers, whatever
// the number of VUs (k6ext/kafka's `share`).
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
    const admin = new AdminClient({ brokers: config.brokers, ...(config.sasl ? { sasl: config.sasl } : {}), ...(config.tls ? { tls: config.tls } : {}) })
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

/** One iteration: config.batch messages with consecutive sequence numbers, one produce call. */
export function produceBatch (data: SetupData): void {
  const first = exec.scenario.iterationInTest * config.batch
  const now = Date.now()
  // The record timestamp is left to the client (the send time): the event time travels in the
  // body, and one conversion less per message is measurable at these rates.
  const messages = new Array(config.batch)
  for (let i = 0; i < config.batch; i++) messages[i] = message(config.schema, data.runId, first + i, config.keys, now)
  producer.produce({ messages })
}
