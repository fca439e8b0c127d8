// Kafka connection settings shared by the consumer and the dead-letter producer.
import { readFileSync } from 'node:fs'
import type { ProcessorConfig } from '../config/types.ts'

export function connectionOptions (config: ProcessorConfig) {
  const { kafka } = config
  return {
    clientId: kafka.clientId,
    bootstrapBrokers: kafka.brokers,
    ...(kafka.sasl.mechanism !== 'none'
      ? {
          sasl: {
            mechanism: kafka.sasl.mechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
            username: kafka.sasl.username as string,
            password: kafka.sasl.password as string,
          },
        }
      : {}),
    ...(kafka.tls.enabled
      ? { tls: kafka.tls.caFile ? { ca: readFileSync(kafka.tls.caFile) } : {} }
      : {}),
  }
}
