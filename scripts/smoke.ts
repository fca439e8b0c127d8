// Smoke: a few seconds of steady load with the lenient threshold profile, the quickest proof
// that the generator, the broker, the pipeline and the thresholds work.
//   SPATE_RATE      messages per second (default 500)
//   SPATE_DURATION  how long (default 10s)
import { constantRateOptions, summaryHandler } from './lib/load.ts'

export const options = constantRateOptions(500, '10s', 'smoke')

export const handleSummary = summaryHandler('smoke')

// setup() creates the topics, each iteration is one produce call, then the pipeline checks.
export { setupRun as setup, produceBatch as default, verifyPipeline as verify, monitorPipeline as monitor } from './lib/load.ts'
