// The pipeline at a glance: the SLOs a spate run is gated on (thresholds/profiles.ts, default
// profile), coloured red past their limit, and the offered load against what the pipeline
// processed. The verdict panels read what the load engine measured from the sink (any pipeline); the
// processor panels add spate's own processor metrics where it is the pipeline under test.
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { batchThresholds, keepsUpThresholds, profiles } from '../../thresholds/profiles.ts'
import { instanceVariable, jobVariable, k6Run, k6Topic, labelVariable, processorTarget, processorTopic, query, row, spateDashboard, stat, testidVariable, timeseries } from './common.ts'
import { quantiles } from './processor.ts'

export const uid = 'spate-pipeline-overview'

/** The number in a threshold expression such as 'max<0.01'. */
function limitOf (expression: string | undefined): number {
  const value = Number(/[<>=]+\s*([\d.]+)/.exec(expression ?? '')?.[1])
  if (!Number.isFinite(value)) throw new Error(`cannot read a limit from the threshold '${expression}'`)
  return value
}

const slo = profiles.default
const maxLagSlope = limitOf(keepsUpThresholds().spate_lag_slope_ratio?.[0])
const maxBatchSeconds = limitOf(batchThresholds().spate_batch_duration_p99?.[0]) / 1000

/** A load engine counter's total for the run: pushed as a running total, so its last value. */
function runTotal (metric: string): string {
  return `sum(max_over_time(${metric}{${k6Run}}[$__range]))`
}

/** The worst value a load engine trend stat reached during the run. */
function runWorst (metric: string, selector = k6Run): string {
  return `max(max_over_time(${metric}{${selector}}[$__range]))`
}

export function pipelineOverviewDashboard (): DashboardBuilder {
  return spateDashboard('spate / Pipeline overview', uid,
    'The SLOs a spate run is gated on (no loss, latency, keeps up, generator health), and offered load against processed load',
    ['slo', 'kafka', 'redis'])
    .withVariable(testidVariable())
    .withVariable(labelVariable('topic', 'Topic', 'label_values(k6_kafka_writer_message_count_total{testid=~"$testid"}, topic)', 'Kafka topic the run produces to and the pipeline reads'))
    .withVariable(jobVariable())
    .withVariable(instanceVariable())
    .withRow(row('No loss: verified from the sink after the run'))
    .withPanel(stat({ title: 'Records lost', description: 'Produced records that never reached the sink (SLO: 0)', unit: 'short', query: query(runTotal('k6_spate_records_lost_total'), 'lost'), limit: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Records duplicated', description: 'Records counted more than once in the sink (SLO: 0)', unit: 'short', query: query(runTotal('k6_spate_records_duplicated_total'), 'duplicated'), limit: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Records mismatched', description: 'Records in the sink whose content differs from what was produced (SLO: 0)', unit: 'short', query: query(runTotal('k6_spate_records_mismatched_total'), 'mismatched'), limit: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Records verified', description: 'Records found in the sink exactly as produced (SLO: more than 0; an empty sink is no pass)', unit: 'short', query: query(runTotal('k6_spate_records_verified_total'), 'verified'), atLeast: 1, decimals: 0 }))
    .withPanel(stat({ title: 'End-to-end p95', description: `Event time to visible in the sink, measured by the load engine from the sink (SLO: p95 < ${slo.maxEndToEndP95Ms / 1000} s)`, unit: 's', query: query(runWorst('k6_spate_end_to_end_latency_p95'), 'p95'), limit: slo.maxEndToEndP95Ms / 1000 }))
    .withPanel(stat({ title: 'End-to-end p99', description: `Event time to visible in the sink, measured by the load engine from the sink (SLO: p99 < ${slo.maxEndToEndP99Ms / 1000} s)`, unit: 's', query: query(runWorst('k6_spate_end_to_end_latency_p99'), 'p99'), limit: slo.maxEndToEndP99Ms / 1000 }))
    .withRow(row('Keeps up, and a healthy generator'))
    .withPanel(stat({ title: 'Lag slope / offered rate', description: `Growth of the consumer group's lag after the warm-up, as a share of the offered rate (SLO: < ${maxLagSlope * 100} %)`, unit: 'percentunit', query: query(runWorst('k6_spate_lag_slope_ratio_max'), 'slope'), limit: maxLagSlope }))
    .withPanel(stat({ title: 'Micro-batch p99', description: `p99 of the processor's micro-batch duration over the time range (SLO: < ${maxBatchSeconds} s)`, unit: 's', query: query(`histogram_quantile(0.99, sum by (le) (increase(spate_batch_duration_seconds_bucket{${processorTarget}}[$__range])))`, 'p99'), limit: maxBatchSeconds }))
    .withPanel(stat({ title: 'Produce p95', description: `Produce call to acknowledgement, worst p95 during the run (SLO: < ${slo.maxWriteP95Ms} ms)`, unit: 's', query: query(runWorst('k6_kafka_writer_write_seconds_p95', k6Topic), 'p95'), limit: slo.maxWriteP95Ms / 1000 }))
    .withPanel(stat({ title: 'Produce p99', description: `Produce call to acknowledgement, worst p99 during the run (SLO: < ${slo.maxWriteP99Ms} ms)`, unit: 's', query: query(runWorst('k6_kafka_writer_write_seconds_p99', k6Topic), 'p99'), limit: slo.maxWriteP99Ms / 1000 }))
    .withPanel(stat({ title: 'Produce errors', description: 'Failed produce calls (SLO: 0)', unit: 'short', query: query(`sum(max_over_time(k6_kafka_writer_error_count_total{${k6Topic}}[$__range]))`, 'errors'), limit: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Dropped iterations', description: 'Iterations the load engine dropped for want of a VU: the generator, not the pipeline, fell behind (SLO: 0)', unit: 'short', query: query(runTotal('k6_dropped_iterations_total'), 'dropped'), limit: 1, decimals: 0 }))
    .withRow(row('Offered and processed'))
    .withPanel(timeseries({ title: 'Offered vs processed', description: 'Messages per second the load engine produced, and records per second the processor aggregated: the second follows the first when the pipeline keeps up', unit: 'mps', queries: [
      query(`sum(rate(k6_kafka_writer_message_count_total{${k6Topic}}[$__rate_interval]))`, 'offered (load)'),
      query(`sum(rate(spate_records_processed_total{${processorTopic}}[$__rate_interval]))`, 'processed (processor)'),
    ] }))
    .withPanel(timeseries({ title: 'Consumer lag', description: 'Records in Kafka not yet processed, all partitions: flat or falling keeps up, climbing does not', unit: 'short', queries: [
      query(`sum(spate_consumer_lag_records{${processorTarget}})`, 'lag'),
    ] }))
    .withPanel(timeseries({ title: 'End-to-end latency (processor)', description: `Event time to written in Redis, per record, from the processor (red: the p99 SLO, ${slo.maxEndToEndP99Ms / 1000} s)`, unit: 's', limit: slo.maxEndToEndP99Ms / 1000, queries: quantiles('spate_end_to_end_latency_seconds') }))
    .withPanel(timeseries({ title: 'Micro-batch duration', description: `Processor micro-batch duration (red: ${maxBatchSeconds} s)`, unit: 's', limit: maxBatchSeconds, queries: quantiles('spate_batch_duration_seconds') }))
}
