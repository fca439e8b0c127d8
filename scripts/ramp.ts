// Ramp: the rate rises in equal steps, as when producers are added one by one, and holds each
// step long enough to see whether the pipeline keeps up at that level.
//   SPATE_RATE                messages per second added by each step (default 1000)
//   SPATE_RAMP_STEPS          number of steps (default 4): the last one runs at steps x SPATE_RATE
//   SPATE_RAMP_STEP_DURATION  how long each step holds (default 15s)
import { env, iterationRate, loadOptions, seconds, summaryHandler } from './lib/load.ts'

const step = iterationRate(1000)
const steps = env.number('SPATE_RAMP_STEPS', 4, { min: 1, max: 100, integer: true })
const hold = env.duration('SPATE_RAMP_STEP_DURATION', '15s')

const stages = []
for (let i = 1; i <= steps; i++) {
  stages.push({ target: step * i, duration: '1s' }, { target: step * i, duration: hold })
}

export const options = loadOptions({
  executor: 'ramping-arrival-rate',
  startRate: step,
  timeUnit: '1s',
  stages,
  preAllocatedVUs: 1,
}, step * steps, steps * (1 + seconds(hold)))

export const handleSummary = summaryHandler('ramp')

// setup() creates the topics, each iteration is one produce call, then the pipeline checks.
export { setupRun as setup, produceBatch as default, verifyPipeline as verify, monitorPipeline as monitor } from './lib/load.ts'
