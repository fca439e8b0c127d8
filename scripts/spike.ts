// Spike: a base rate, then a sudden jump to a multiple of it, then back, repeated: does the
// pipeline absorb the burst, and how long does it take to drain the backlog afterwards?
//   SPATE_RATE                  base rate, messages per second (default 1000)
//   SPATE_SPIKE_MULTIPLIER      spike rate = multiplier x base (default 5)
//   SPATE_SPIKE_BASE_DURATION   time at the base rate before and after each spike (default 10s)
//   SPATE_SPIKE_DURATION        time at the spike rate (default 10s)
//   SPATE_SPIKE_REPEATS         number of spikes (default 1)
import { env, iterationRate, loadOptions, seconds, summaryHandler } from './lib/load.ts'

const base = iterationRate(1000)
const multiplier = env.number('SPATE_SPIKE_MULTIPLIER', 5, { min: 1, max: 1000 })
const calm = env.duration('SPATE_SPIKE_BASE_DURATION', '10s')
const burst = env.duration('SPATE_SPIKE_DURATION', '10s')
const repeats = env.number('SPATE_SPIKE_REPEATS', 1, { min: 1, max: 100, integer: true })
const peak = Math.round(base * multiplier)

const stages = [{ target: base, duration: calm }]
for (let i = 0; i < repeats; i++) {
  // A sudden rise: one second to the peak, held, one second back down, held.
  stages.push({ target: peak, duration: '1s' }, { target: peak, duration: burst }, { target: base, duration: '1s' }, { target: base, duration: calm })
}

export const options = loadOptions({
  executor: 'ramping-arrival-rate',
  startRate: base,
  timeUnit: '1s',
  stages,
  preAllocatedVUs: 1,
}, peak, seconds(calm) + repeats * (2 + seconds(burst) + seconds(calm)))

export const handleSummary = summaryHandler('spike')

// setup() creates the topics, each iteration is one produce call, then the pipeline checks.
export { setupRun as setup, produceBatch as default, verifyPipeline as verify, monitorPipeline as monitor } from './lib/load.ts'
