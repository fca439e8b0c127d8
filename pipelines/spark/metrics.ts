// The Spark job's Prometheus metrics, as pipelines/spark/job.py names them (metrics namespace
// `spate`, streaming query `spate_windows`) and stack/prometheus/prometheus.yml scrapes them (jobs
// spate-spark and spate-spark-executors). The Spark dashboard, the run report and the Spark tests
// build their queries from these names.

/** The scrape job of the driver's metrics (the streaming query's gauges). */
export const SPARK_JOB = 'spate-spark'
/** The scrape job of /metrics/executors/prometheus/. */
export const SPARK_EXECUTORS_JOB = 'spate-spark-executors'

/**
 * A gauge of the streaming query, set after every micro-batch: `latency` (the batch's duration,
 * ms), `inputRate_total` and `processingRate_total` (records/s), `states_rowsTotal`,
 * `states_usedBytes`, `eventTime_watermark` (ms since the epoch).
 */
export function sparkQueryGauge (name: string): string {
  return `metrics_spate_driver_spark_streaming_spate_windows_${name}_Value`
}

/** An executor metric (`totalCores`, `activeTasks`, `completedTasks_total`, `JVMHeapMemory_bytes` ...). */
export function sparkExecutorMetric (name: string): string {
  return `metrics_executor_${name}`
}
