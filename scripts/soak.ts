// Soak: the steady rate held for a long time, to expose leaks, lag that creeps up, and
// compaction or GC pauses that short runs never reach.
//   SPATE_RATE      messages per second (default 1000)
//   SPATE_DURATION  how long (default 30m)
import { env, iterationRate, loadOptions, produceBatch, setupRun, type SetupData } from './lib/load.ts'

const rate = iterationRate(1000)

export const options = loadOptions({
  executor: 'constant-arrival-rate',
  rate,
  timeUnit: '1s',
  duration: env.duration('SPATE_DURATION', '30m'),
  preAllocatedVUs: 1,
}, rate)

export const setup = setupRun

export default function (data: SetupData): void {
  produceBatch(data)
}
