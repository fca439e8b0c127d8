// A worker thread: one Pipeline (its own Kafka consumer in the group, Redis pool, dead-letter
// producer, checkpoints) over the partitions the group assigns to it. It is an instance of the
// processor in every respect the exactly-once argument uses: its own instance id, its own
// claims and fencing (batch/ownership.ts). The main thread (workers/supervisor.ts) starts and
// stops it, serves its metrics and exits the process when it fails.
import { parentPort, workerData } from 'node:worker_threads'
import { describeError, errorCode } from '../describe.ts'
import { createLogger } from '../log.ts'
import { ProcessorMetrics } from '../metrics/metrics.ts'
import { Pipeline } from '../pipeline.ts'
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts'

const port = parentPort
if (!port) throw new Error('workers/worker.ts runs in a worker thread (workers/supervisor.ts starts it)')
const { config, index } = workerData as WorkerInit
const send = (message: FromWorker): void => port.postMessage(message)
const log = createLogger(config.log.level, { service: 'spate-processor', worker: index })
const metrics = new ProcessorMetrics()
metrics.zero(config.kafka.topic)

// An unexpected error leaves a batch half applied to memory: the thread ends with 1 and the main
// thread exits the process, whose restart resumes every partition from its last checkpoint.
const pipeline = new Pipeline(config, log, metrics, (error) => {
  log.error('pipeline failed; exiting so that a restart resumes from the last checkpoint', { error: describeError(error, config), code: errorCode(error) })
  process.exit(1)
})

let stopping = false
port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'consume':
      if (stopping) return
      pipeline.consume().then(() => send({ type: 'ready' }), (error: unknown) => send({ type: 'fatal', message: describeError(error, config) }))
      break
    case 'metrics':
      metrics.registry.getMetricsAsJSON().then((json) => send({ type: 'metrics', id: message.id, metrics: json }), () => send({ type: 'metrics', id: message.id, metrics: [] }))
      break
    case 'totals':
      send({ type: 'totals', id: message.id, totals: { ...pipeline.totals } })
      break
    case 'stop':
      if (stopping) return
      stopping = true
      pipeline.stop().then(() => {
        send({ type: 'stopped', totals: { ...pipeline.totals } })
        // The Kafka, Redis and S3 clients are closed; whatever timer is left must not hold the thread.
        process.exit(0)
      }, (error: unknown) => {
        send({ type: 'stop-failed', message: describeError(error, config) })
        process.exit(1)
      })
      break
  }
})

try {
  await pipeline.prepare()
  send({ type: 'prepared' })
} catch (error) {
  send({ type: 'fatal', message: describeError(error, config) })
}
