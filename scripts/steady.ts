// Steady load: a constant arrival rate of messages for a fixed time.
//   SPATE_RATE      messages per second (default 1000)
//   SPATE_DURATION  how long (default 30s)
// Shared variables (brokers, topic, producers, schema, thresholds ...): docs/load-scripts.md.
import { env, iterationRate, loadOptions, monitorPipeline, produceBatch, seconds, setupRun, summaryHandler, verifyPipeline, type SetupData } from './lib/load.ts'

const duration = env.duration('SPATE_DURATION', '30s')
const rate = iterationRate(1000)

export const options = loadOptions({
  executor: 'constant-arrival-rate',
  rate,
  timeUnit: '1s',
  duration,
  preAllocatedVUs: 1,
}, rate, seconds(duration))

export const setup = setupRun

export default function (data: SetupData): Promise<void> {
  return produceBatch(data)
}

export const verify = verifyPipeline

export const monitor = monitorPipeline

export const handleSummary = summaryHandler('steady')
