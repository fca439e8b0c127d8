// A short steady load into Kafka, gated by the producer-side thresholds.
// The main job runs it against the local stack; env vars size it:
//   SPATE_KAFKA_BROKERS  comma-separated brokers   (default 127.0.0.1:19092)
//   SPATE_TOPIC          topic to produce to       (default spate-smoke)
//   SPATE_RATE           batches per second        (default 50)
//   SPATE_BATCH          messages per batch        (default 10)
//   SPATE_DURATION       k6 duration               (default 10s)
import exec from 'k6/execution'
import { AdminClient, Producer } from 'k6/x/kafka'
import { producerThresholds } from '../thresholds/producer.ts'

const env = (name: string, fallback: string): string => __ENV[name] || fallback
const brokers = env('SPATE_KAFKA_BROKERS', '127.0.0.1:19092').split(',')
const topic = env('SPATE_TOPIC', 'spate-smoke')
const batch = Number(env('SPATE_BATCH', '10'))

export const options = {
  scenarios: {
    smoke: {
      executor: 'constant-arrival-rate',
      rate: Number(env('SPATE_RATE', '50')),
      timeUnit: '1s',
      duration: env('SPATE_DURATION', '10s'),
      // Enough VUs up front that the first, slower produce calls (metadata, connections) drop nothing.
      preAllocatedVUs: 20,
      maxVUs: 50,
    },
  },
  thresholds: producerThresholds({ maxWriteP99Ms: Number(env('SPATE_MAX_WRITE_P99_MS', '1000')) }),
}

const producer = new Producer({ brokers, topic, requiredAcks: -1, share: `smoke-${__VU % 2}` })

interface SetupData {
  runId: string
}

export function setup(): SetupData {
  try {
    const admin = new AdminClient({ brokers })
    try {
      admin.createTopic({ topic, numPartitions: 3, replicationFactor: 1 })
    } finally {
      admin.close()
    }
  } catch (error) {
    // One line that names the problem instead of a JavaScript stack trace; nothing was produced.
    exec.test.abort(error instanceof Error ? error.message.replace(/^GoError: /, '') : String(error))
  }
  // One run id for the whole test, shared by every VU through setup's return value.
  return { runId: env('SPATE_RUN_ID', `smoke-${Date.now()}`) }
}

export default function ({ runId }: SetupData): void {
  const first = exec.scenario.iterationInTest * batch
  const now = Date.now()
  const messages = []
  for (let i = 0; i < batch; i++) {
    const seq = first + i
    const key = `k${seq % 1000}`
    messages.push({ key, value: JSON.stringify({ runId, seq, key, eventTime: now, value: seq % 100 }), time: now })
  }
  producer.produce({ messages })
}

export function teardown(): void {
  producer.close()
}
