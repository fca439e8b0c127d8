// Steady load: a constant arrival rate of messages for a fixed time.
//   SPATE_RATE      messages per second (default 1000)
//   SPATE_DURATION  how long (default 30s)
// Shared variables (brokers, topic, producers, schema, thresholds ...): docs/load-scripts.md.
import { env, iterationRate, loadOptions, produceBatch, setupRun, type SetupData } from './lib/load.ts'

const rate = iterationRate(1000)

export const options = loadOptions({
  executor: 'constant-arrival-rate',
  rate,
  timeUnit: '1s',
  duration: env.duration('SPATE_DURATION', '30s'),
  preAllocatedVUs: 1,
}, rate)

export const setup = setupRun

export default function (data: SetupData): void {
  produceBatch(data)
}
