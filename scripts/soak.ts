// Soak: the steady rate held for a long time, to expose leaks, lag that creeps up, and
// compaction or GC pauses that short runs never reach.
//   SPATE_RATE      messages per second (default 1000)
//   SPATE_DURATION  how long (default 30m)
import { env, iterationRate, loadOptions, monitorPipeline, produceBatch, seconds, setupRun, summaryHandler, verifyPipeline, type SetupData } from './lib/load.ts'

const duration = env.duration('SPATE_DURATION', '30m')
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

export const handleSummary = summaryHandler('soak')
