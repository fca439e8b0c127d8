// The load generator: spate's load engine and its Kafka producer, from the engine's Prometheus
// remote write (spate run -o experimental-prometheus-rw --tag testid=<run>; trend stats
// p(50),p(95),p(99),max), under k6's metric names.
// Is the generator healthy - did it send what it was asked to, without errors, in time?
// The engine's counters are pushed as running totals from 0 for each run, so a run's total is the last
// value (max_over_time), which increase() would undercount by the first push.
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { k6Run, k6Topic, labelVariable, query, row, spateDashboard, stat, testidVariable, timeseries } from './common.ts'

export const uid = 'spate-load-generator'

export function loadGeneratorDashboard (): DashboardBuilder {
  return spateDashboard('spate / Load generator', uid,
    'The load engine and its Kafka producer: message rate, bytes, errors, produce latency, VUs and dropped iterations, by test run and topic',
    ['load', 'kafka'])
    .withVariable(testidVariable())
    .withVariable(labelVariable('topic', 'Topic', 'label_values(k6_kafka_writer_message_count_total{testid=~"$testid"}, topic)', 'Kafka topic the run produces to'))
    .withRow(row('Totals over the time range'))
    .withPanel(stat({ title: 'Messages produced', description: 'Messages acknowledged by Kafka in the time range', unit: 'short', query: query(`sum(max_over_time(k6_kafka_writer_message_count_total{${k6Topic}}[$__range]))`, 'messages'), decimals: 0 }))
    .withPanel(stat({ title: 'Bytes produced', description: 'Message bytes (keys, values, headers) acknowledged in the time range', unit: 'bytes', query: query(`sum(max_over_time(k6_kafka_writer_message_bytes_total{${k6Topic}}[$__range]))`, 'bytes') }))
    .withPanel(stat({ title: 'Produce errors', description: 'Failed produce calls: with acks=all each one is lost data (threshold kafka_writer_error_count == 0)', unit: 'short', query: query(`sum(max_over_time(k6_kafka_writer_error_count_total{${k6Topic}}[$__range]))`, 'errors'), limit: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Dropped iterations', description: 'Iterations the load engine could not start for want of a free VU: the generator fell behind its arrival rate (threshold dropped_iterations == 0)', unit: 'short', query: query(`sum(max_over_time(k6_dropped_iterations_total{${k6Run}}[$__range]))`, 'dropped'), limit: 1, decimals: 0 }))
    .withPanel(stat({ title: 'Produce p99 (worst)', description: 'Highest p99 of produce-call latency reported during the range', unit: 's', query: query(`max(max_over_time(k6_kafka_writer_write_seconds_p99{${k6Topic}}[$__range]))`, 'p99') }))
    .withPanel(stat({ title: 'Peak VUs', description: 'Most virtual users busy at once', unit: 'short', query: query(`max(max_over_time(k6_vus{${k6Run}}[$__range]))`, 'VUs'), decimals: 0 }))
    .withRow(row('Throughput'))
    .withPanel(timeseries({ title: 'Message rate', description: 'Messages per second acknowledged by Kafka, per topic', unit: 'mps', queries: [query(`sum by (testid, topic) (rate(k6_kafka_writer_message_count_total{${k6Topic}}[$__rate_interval]))`, '{{testid}} {{topic}}')] }))
    .withPanel(timeseries({ title: 'Byte rate', description: 'Message bytes per second acknowledged by Kafka, per topic', unit: 'Bps', queries: [query(`sum by (testid, topic) (rate(k6_kafka_writer_message_bytes_total{${k6Topic}}[$__rate_interval]))`, '{{testid}} {{topic}}')] }))
    .withPanel(timeseries({ title: 'Produce calls and errors', description: 'Produce calls per second and failed calls per second (each call sends a batch of messages)', unit: 'ops', queries: [
      query(`sum by (testid, topic) (rate(k6_kafka_writer_write_count_total{${k6Topic}}[$__rate_interval]))`, 'calls {{testid}} {{topic}}'),
      query(`sum by (testid, topic) (rate(k6_kafka_writer_error_count_total{${k6Topic}}[$__rate_interval]))`, 'errors {{testid}} {{topic}}'),
    ] }))
    .withPanel(timeseries({ title: 'Iterations and dropped iterations', description: 'Iterations started per second, and iterations dropped because every VU was busy (the generator, not the pipeline, is the bottleneck then)', unit: 'ops', queries: [
      query(`sum by (testid) (rate(k6_iterations_total{${k6Run}}[$__rate_interval]))`, 'iterations {{testid}}'),
      query(`sum by (testid) (rate(k6_dropped_iterations_total{${k6Run}}[$__rate_interval]))`, 'dropped {{testid}}'),
    ] }))
    .withRow(row('Latency and VUs'))
    .withPanel(timeseries({ title: 'Produce latency', description: 'Time from produce call to acknowledgement (acks=all by default): p50, p95, p99 and max per remote-write push interval', unit: 's', queries: [
      query(`max by (testid) (k6_kafka_writer_write_seconds_p50{${k6Topic}})`, 'p50 {{testid}}'),
      query(`max by (testid) (k6_kafka_writer_write_seconds_p95{${k6Topic}})`, 'p95 {{testid}}'),
      query(`max by (testid) (k6_kafka_writer_write_seconds_p99{${k6Topic}})`, 'p99 {{testid}}'),
      query(`max by (testid) (k6_kafka_writer_write_seconds_max{${k6Topic}})`, 'max {{testid}}'),
    ] }))
    .withPanel(timeseries({ title: 'Virtual users', description: 'VUs running, and the VUs the load engine allocated (an arrival-rate scenario adds VUs up to its maximum when produce calls slow down)', unit: 'short', queries: [
      query(`sum by (testid) (k6_vus{${k6Run}})`, 'running {{testid}}'),
      query(`sum by (testid) (k6_vus_max{${k6Run}})`, 'allocated {{testid}}'),
    ] }))
}
