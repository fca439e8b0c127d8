// The processor's configuration as the rest of the code sees it: durations in milliseconds,
// sizes in bytes. config/schema.ts holds the defaults and bounds of each field.
export type Profile = 'basic' | 'medium' | 'complex'

export interface ProcessorConfig {
  /** Worker threads ("auto" is resolved at load), 1 = the pipeline runs on the main thread. */
  workers: number
  profile: Profile
  kafka: {
    brokers: string[]
    topic: string
    groupId: string
    clientId: string
    dlqTopic: string
    maxRecordBytes: number
    sessionTimeout: number
    sasl: { mechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512', username?: string, password?: string }
    tls: { enabled: boolean, caFile?: string }
  }
  window: { size: number, allowedLateness: number, idleTimeout: number, valueField: string }
  batch: { maxRecords: number, maxWait: number }
  backpressure: { maxRatePerPartition: number, maxBufferedRecords: number, maxBufferedBytes: number }
  redis: {
    url: string
    tls: { caFile?: string }
    username?: string
    password?: string
    mode: 'pooled' | 'naive'
    poolSize: number
    pipelineSize: number
    maxInFlight: number
    keyPrefix: string
    confirmAfter: number
    ttl: number
  }
  s3: { endpoint?: string, region: string, bucket: string, prefix: string, accessKeyId?: string, secretAccessKey?: string }
  checkpoint: { interval: number, keep: number }
  metrics: { host: string, port: number }
  log: { level: 'debug' | 'info' | 'warn' | 'error', reportInterval: number }
}
