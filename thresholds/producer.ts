// Producer-side SLOs shared by every load script: the generator itself must be healthy before
// any verdict about the pipeline means something.
//   kafka_writer_error_count  no produce call failed (acks=all, so a failure is a lost record)
//   dropped_iterations        the generator kept up with the arrival rate it was asked for
//   kafka_writer_write_seconds  p99 time for a batch to be acknowledged (milliseconds)
export interface ProducerSLO {
  maxWriteP99Ms: number
}

export const defaultProducerSLO: ProducerSLO = { maxWriteP99Ms: 1000 }

export function producerThresholds (slo: ProducerSLO = defaultProducerSLO): Record<string, string[]> {
  return {
    kafka_writer_error_count: ['count==0'],
    dropped_iterations: ['count==0'],
    kafka_writer_write_seconds: [`p(99)<${slo.maxWriteP99Ms}`],
  }
}
