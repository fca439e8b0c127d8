// The Spark job of pipelines/spark/ (docs/spark.md): its streaming query's input and processing
// rates, micro-batch duration, state and watermark, its executors' tasks, memory and GC (from
// Spark's PrometheusServlet, scraped as jobs spate-spark and spate-spark-executors), next to what
// spate measured of the run from the job's output (the load engine's remote write, by testid).
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { SPARK_EXECUTORS_JOB, SPARK_JOB, sparkExecutorMetric, sparkQueryGauge } from '../../pipelines/spark/metrics.ts'
import { k6Run, k6Topic, labelVariable, query, row, spateDashboard, stat, testidVariable, timeseries } from './common.ts'

export const uid = 'spate-spark'

/** Both Spark scrape jobs: the driver's metrics and the executors'. */
const sparkTarget = 'job=~"$job", instance=~"$instance"'

/** A gauge of the streaming query `spate_windows`, set after each micro-batch. */
function queryGauge (name: string): string {
  return `${sparkQueryGauge(name)}{${sparkTarget}}`
}

/** An executor metric of /metrics/executors/prometheus/. */
function executor (name: string): string {
  return `${sparkExecutorMetric(name)}{${sparkTarget}}`
}

export function sparkDashboard (): DashboardBuilder {
  return spateDashboard('spate / Spark', uid,
    'The Spark Structured Streaming job under test: input and processing rate, micro-batch duration, state rows, watermark, executors, and spate\'s verdict of the run from the job\'s output',
    ['spark', 'kafka', 'redis'])
    .withVariable(testidVariable())
    .withVariable(labelVariable('topic', 'Topic', 'label_values(k6_kafka_writer_message_count_total{testid=~"$testid"}, topic)', 'Kafka topic the run produces to and the Spark job reads'))
    .withVariable(labelVariable('job', 'Job', `label_values(up{job=~"${SPARK_JOB}|${SPARK_EXECUTORS_JOB}"}, job)`, 'Prometheus jobs that scrape the Spark job (driver and executors)'))
    .withVariable(labelVariable('instance', 'Instance', 'label_values(up{job=~"$job"}, instance)', 'The Spark job\'s UI address (host:port of its metrics)'))
    .withRow(row('Now'))
    .withPanel(stat({ title: 'Executors', description: 'Executors reporting to the driver (in local mode the driver is the one executor)', unit: 'short', query: query(`count(${executor('totalCores')})`, 'executors'), atLeast: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Input rate', description: 'Records per second arriving from Kafka in the last micro-batch', unit: 'recps', query: query(`sum(${queryGauge('inputRate_total')})`, 'input') }))
    .withPanel(stat({ title: 'Processing rate', description: 'Records per second the last micro-batch processed: below the input rate for long, the job falls behind', unit: 'recps', query: query(`sum(${queryGauge('processingRate_total')})`, 'processing') }))
    .withPanel(stat({ title: 'Last micro-batch', description: 'Duration of the last micro-batch; the seed report\'s stability mark is 30 s', unit: 'ms', query: query(`max(${queryGauge('latency')})`, 'batch'), limit: 30_000 }))
    .withPanel(stat({ title: 'Records verified', description: 'Records spate found in the job\'s windows exactly as produced (SLO: more than 0)', unit: 'short', query: query(`sum(max_over_time(k6_spate_records_verified_total{${k6Run}}[$__range]))`, 'verified'), atLeast: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Records lost', description: 'Produced records missing from the job\'s windows (SLO: 0)', unit: 'short', query: query(`sum(max_over_time(k6_spate_records_lost_total{${k6Run}}[$__range]))`, 'lost'), limit: 1, decimals: 0 }))
    .withRow(row('Streaming query'))
    .withPanel(timeseries({ title: 'Offered, input and processing rate', description: 'Messages per second the load engine produced, and records per second the Spark query read (input) and processed per micro-batch: processing follows input when the job keeps up', unit: 'recps', queries: [
      query(`sum(rate(k6_kafka_writer_message_count_total{${k6Topic}}[$__rate_interval]))`, 'offered (load)'),
      query(`sum(${queryGauge('inputRate_total')})`, 'input (Spark)'),
      query(`sum(${queryGauge('processingRate_total')})`, 'processing (Spark)'),
    ] }))
    .withPanel(timeseries({ title: 'Micro-batch duration', description: 'Duration of each micro-batch (read, window, write to Redis, checkpoint), as the report\'s authors watched it; above 30 s the job falls behind (red line)', unit: 'ms', limit: 30_000, queries: [
      query(`max(${queryGauge('latency')})`, 'micro-batch'),
    ] }))
    .withPanel(timeseries({ title: 'State rows', description: 'Window and key rows in the query\'s state store: grows with open windows, falls as the watermark passes them', unit: 'short', queries: [
      query(`sum(${queryGauge('states_rowsTotal')})`, 'rows'),
    ] }))
    .withPanel(timeseries({ title: 'State memory', description: 'Memory the query\'s state store uses for its window and key rows', unit: 'bytes', queries: [
      query(`sum(${queryGauge('states_usedBytes')})`, 'state bytes'),
    ] }))
    .withPanel(timeseries({ title: 'Watermark delay', description: 'Wall clock minus the query\'s event-time watermark: the watermark setting plus the batch delay while records flow, climbing when none arrive', unit: 's', queries: [
      query(`time() - max(${queryGauge('eventTime_watermark')} > 0) / 1000`, 'delay'),
    ] }))
    .withPanel(timeseries({ title: 'End-to-end latency (spate)', description: 'Window end to its result visible in Redis, measured by the load engine from the job\'s output: p95 and p99 over the run', unit: 's', queries: [
      query(`max(k6_spate_end_to_end_latency_p95{${k6Run}})`, 'p95'),
      query(`max(k6_spate_end_to_end_latency_p99{${k6Run}})`, 'p99'),
    ] }))
    .withRow(row('Executors'))
    .withPanel(timeseries({ title: 'Tasks', description: 'Tasks running now, and tasks completed and failed per second, all executors', unit: 'short', w: 8, queries: [
      query(`sum(${executor('activeTasks')})`, 'active'),
      query(`sum(rate(${executor('completedTasks_total')}[$__rate_interval]))`, 'completed/s'),
      query(`sum(rate(${executor('failedTasks_total')}[$__rate_interval]))`, 'failed/s'),
    ] }))
    .withPanel(timeseries({ title: 'Executor memory', description: 'JVM heap used, and memory used for storage (cached blocks), per executor', unit: 'bytes', w: 8, queries: [
      query(`sum by (executor_id) (${executor('JVMHeapMemory_bytes')})`, 'heap {{executor_id}}'),
      query(`sum by (executor_id) (${executor('memoryUsed_bytes')})`, 'storage {{executor_id}}'),
    ] }))
    .withPanel(timeseries({ title: 'Task time and GC', description: 'Seconds per second spent in tasks and in garbage collection, all executors (1 = one core busy)', unit: 's', w: 8, queries: [
      query(`sum(rate(${executor('totalDuration_seconds_total')}[$__rate_interval]))`, 'tasks'),
      query(`sum(rate(${executor('totalGCTime_seconds_total')}[$__rate_interval]))`, 'GC'),
    ] }))
}
