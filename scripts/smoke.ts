// Smoke: a few seconds of steady load with the lenient threshold profile, the quickest proof
// that the generator, the broker and the thresholds work.
//   SPATE_RATE      messages per second (default 500)
//   SPATE_DURATION  how long (default 10s)
import { env, iterationRate, loadOptions, monitorPipeline, produceBatch, seconds, setupRun, summaryHandler, verifyPipeline, type SetupData } from './lib/load.ts'

const duration = env.duration('SPATE_DURATION', '10s')
const rate = iterationRate(500)

export const options = loadOptions({
  executor: 'constant-arrival-rate',
  rate,
  timeUnit: '1s',
  duration,
  preAllocatedVUs: 1,
}, rate, seconds(duration), 'smoke')

export const setup = setupRun

export default function (data: SetupData): Promise<void> {
  return produceBatch(data)
}

export const verify = verifyPipeline

export const monitor = monitorPipeline

export const handleSummary = summaryHandler('smoke')
