// The processor: what it consumes and writes, how long its micro-batches, window flushes, Redis
// pipelines and S3 checkpoints take, its lag per partition, what it dead-letters, and the Node
// process under it (memory, event-loop lag, CPU). From its /metrics, scraped by Prometheus.
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { instanceVariable, jobVariable, labelVariable, processorTarget, processorTopic, query, row, spateDashboard, stat, timeseries, type Query } from './common.ts'

export const uid = 'spate-processor'

/** p50, p95 and p99 of a processor histogram, across the selected instances. */
export function quantiles (histogram: string, selector = processorTarget): Query[] {
  return [0.5, 0.95, 0.99].map((q) => query(
    `histogram_quantile(${q}, sum by (le) (rate(${histogram}_bucket{${selector}}[$__rate_interval])))`,
    `p${Math.round(q * 100)}`))
}

export function processorDashboard (): DashboardBuilder {
  return spateDashboard('spate / Processor', uid,
    'The spate processor: throughput, micro-batches, windows, end-to-end latency, lag per partition, Redis and S3, dead letters, memory and event loop',
    ['processor', 'kafka', 'redis'])
    .withVariable(jobVariable())
    .withVariable(instanceVariable())
    .withVariable(labelVariable('topic', 'Topic', 'label_values(spate_records_consumed_total{job=~"$job", instance=~"$instance"}, topic)', 'Kafka topic the processor consumes'))
    .withRow(row('Now'))
    .withPanel(stat({ title: 'Instances up', description: 'Processor instances Prometheus scraped successfully at the last scrape', unit: 'short', query: query(`sum(up{${processorTarget}})`, 'up'), atLeast: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Records/s', description: 'Records aggregated into windows per second, all instances', unit: 'mps', query: query(`sum(rate(spate_records_processed_total{${processorTopic}}[$__rate_interval]))`, 'records/s') }))
    .withPanel(stat({ title: 'Consumer lag', description: 'Records in Kafka not yet processed, summed over the assigned partitions', unit: 'short', query: query(`sum(spate_consumer_lag_records{${processorTarget}})`, 'lag'), decimals: 0 }))
    .withPanel(stat({ title: 'Batch p99', description: 'p99 of micro-batch duration; the seed report\'s stability mark is 30 s', unit: 's', query: quantiles('spate_batch_duration_seconds')[2] as Query, limit: 30 }))
    .withPanel(stat({ title: 'End-to-end p99', description: 'p99 of event time to visible in Redis (includes the window and allowed lateness)', unit: 's', query: quantiles('spate_end_to_end_latency_seconds')[2] as Query }))
    .withPanel(stat({ title: 'Dead-lettered (range)', description: 'Records sent to the dead-letter topic in the time range, all reasons', unit: 'short', query: query(`sum(increase(spate_records_dead_lettered_total{${processorTarget}}[$__range]))`, 'dead-lettered'), limit: 1, decimals: 0 }))
    .withRow(row('Throughput and lag'))
    .withPanel(timeseries({ title: 'Records consumed and processed', description: 'Records read from Kafka and records aggregated into a window, per second and topic', unit: 'mps', queries: [
      query(`sum by (topic) (rate(spate_records_consumed_total{${processorTopic}}[$__rate_interval]))`, 'consumed {{topic}}'),
      query(`sum by (topic) (rate(spate_records_processed_total{${processorTopic}}[$__rate_interval]))`, 'processed {{topic}}'),
    ] }))
    .withPanel(timeseries({ title: 'Lag per partition', description: 'Log end offset minus the next offset to process, per assigned partition: a line that keeps climbing is a partition the processor does not keep up with', unit: 'short', stacked: true, queries: [
      query(`max by (partition) (spate_consumer_lag_records{${processorTarget}})`, 'partition {{partition}}'),
    ] }))
    .withPanel(timeseries({ title: 'Late and dead-lettered records', description: 'Records whose window had closed (late), and records sent to the dead-letter topic by reason (late, undecodable, invalid), per second', unit: 'mps', queries: [
      query(`sum by (topic) (rate(spate_records_late_total{${processorTopic}}[$__rate_interval]))`, 'late {{topic}}'),
      query(`sum by (reason) (rate(spate_records_dead_lettered_total{${processorTarget}}[$__rate_interval]))`, 'dead-lettered {{reason}}'),
    ] }))
    .withPanel(timeseries({ title: 'Backpressure', description: 'Records buffered between Kafka and the windows, and 1 while consumption is paused because Redis or S3 is slow', unit: 'short', queries: [
      query(`sum(spate_buffered_records{${processorTarget}})`, 'buffered records'),
      query(`max(spate_consumer_paused{${processorTarget}})`, 'paused'),
    ] }))
    .withRow(row('Micro-batches and windows'))
    .withPanel(timeseries({ title: 'Micro-batch duration', description: 'Decode, window, write and checkpoint one micro-batch; above 30 s the processor falls behind (red line)', unit: 's', limit: 30, queries: quantiles('spate_batch_duration_seconds') }))
    .withPanel(timeseries({ title: 'Micro-batch size', description: 'Records per micro-batch: mean, and p99', unit: 'short', queries: [
      query(`sum(rate(spate_batch_records_sum{${processorTarget}}[$__rate_interval])) / sum(rate(spate_batch_records_count{${processorTarget}}[$__rate_interval]))`, 'mean'),
      query(`histogram_quantile(0.99, sum by (le) (rate(spate_batch_records_bucket{${processorTarget}}[$__rate_interval])))`, 'p99'),
    ] }))
    .withPanel(timeseries({ title: 'Window flush', description: 'Time to write the windows closed in one micro-batch to Redis', unit: 's', queries: quantiles('spate_window_flush_seconds') }))
    .withPanel(timeseries({ title: 'Windows', description: 'Partition windows closed (and written) per second, and windows still open', unit: 'short', queries: [
      query(`sum(rate(spate_windows_closed_total{${processorTarget}}[$__rate_interval]))`, 'closed/s'),
      query(`sum(spate_open_windows{${processorTarget}})`, 'open'),
    ] }))
    .withPanel(timeseries({ title: 'End-to-end latency', description: 'Event time of a record to its window visible in Redis, per record', unit: 's', w: 24, queries: quantiles('spate_end_to_end_latency_seconds') }))
    .withRow(row('Redis and S3'))
    .withPanel(timeseries({ title: 'Redis pipeline round trip', description: 'One pipelined batch of Redis writes, sent and acknowledged', unit: 's', queries: quantiles('spate_redis_pipeline_seconds') }))
    .withPanel(timeseries({ title: 'Redis writes and errors', description: 'Redis write commands per second, and failed writes per second (retried)', unit: 'wps', queries: [
      query(`sum(rate(spate_redis_writes_total{${processorTarget}}[$__rate_interval]))`, 'writes'),
      query(`sum(rate(spate_redis_errors_total{${processorTarget}}[$__rate_interval]))`, 'errors'),
    ] }))
    .withPanel(timeseries({ title: 'S3 checkpoint duration', description: 'Writing one partition checkpoint (offsets and window state) to S3', unit: 's', queries: quantiles('spate_checkpoint_duration_seconds') }))
    .withPanel(timeseries({ title: 'Checkpoints and failures', description: 'Partition checkpoints written per second, and failed ones by reason (fenced = another instance owns the partition now)', unit: 'ops', queries: [
      query(`sum(rate(spate_checkpoints_total{${processorTarget}}[$__rate_interval]))`, 'written'),
      query(`sum by (reason) (rate(spate_checkpoint_failures_total{${processorTarget}}[$__rate_interval]))`, 'failed {{reason}}'),
    ] }))
    .withRow(row('Process'))
    .withPanel(timeseries({ title: 'Memory', description: 'Resident set size and V8 heap used, per instance', unit: 'bytes', w: 8, queries: [
      query(`spate_process_process_resident_memory_bytes{${processorTarget}}`, 'rss {{instance}}'),
      query(`sum by (instance) (spate_process_nodejs_heap_size_used_bytes{${processorTarget}})`, 'heap used {{instance}}'),
    ] }))
    .withPanel(timeseries({ title: 'Event-loop lag', description: 'Node event-loop delay p99 and max per instance: high values mean decoding or GC starve the loop', unit: 's', w: 8, queries: [
      query(`spate_process_nodejs_eventloop_lag_p99_seconds{${processorTarget}}`, 'p99 {{instance}}'),
      query(`spate_process_nodejs_eventloop_lag_max_seconds{${processorTarget}}`, 'max {{instance}}'),
    ] }))
    .withPanel(timeseries({ title: 'CPU and partitions', description: 'CPU seconds per second used by each instance (1 = one core), and the partitions it owns', unit: 'short', w: 8, queries: [
      query(`rate(spate_process_process_cpu_seconds_total{${processorTarget}}[$__rate_interval])`, 'cpu {{instance}}'),
      query(`spate_assigned_partitions{${processorTarget}}`, 'partitions {{instance}}'),
    ] }))
}
