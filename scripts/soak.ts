// Soak: the steady rate held for a long time, to expose leaks, lag that creeps up, and
// compaction or GC pauses that short runs never reach.
//   SPATE_RATE      messages per second (default 1000)
//   SPATE_DURATION  how long (default 30m)
import { constantRateOptions, summaryHandler } from './lib/load.ts'

export const options = constantRateOptions(1000, '30m')

export const handleSummary = summaryHandler('soak')

// setup() creates the topics, each iteration is one produce call, then the pipeline checks.
export { setupRun as setup, produceBatch as default, verifyPipeline as verify, monitorPipeline as monitor } from './lib/load.ts'
