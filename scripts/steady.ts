// Steady load: a constant arrival rate of messages for a fixed time.
//   SPATE_RATE      messages per second (default 1000)
//   SPATE_DURATION  how long (default 30s)
// Shared variables (brokers, topic, producers, schema, thresholds ...): docs/load-scripts.md.
import { constantRateOptions, summaryHandler } from './lib/load.ts'

export const options = constantRateOptions(1000, '30s')

export const handleSummary = summaryHandler('steady')

// setup() creates the topics, each iteration is one produce call, then the pipeline checks.
export { setupRun as setup, produceBatch as default, verifyPipeline as verify, monitorPipeline as monitor } from './lib/load.ts'
