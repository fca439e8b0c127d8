// One coherent /metrics for a process whose pipeline runs in several worker threads: every
// worker has its own registry (workers/worker.ts); the main thread merges them per series, so the
// names and labels stay those of a single-threaded processor (dashboards, alerts, thresholds).
//
//   - counters and histograms: summed per label set (the process' totals);
//   - gauges: summed (buffered records, open windows, assigned partitions, per-partition lag:
//     each partition belongs to one worker), except those declared otherwise on the metric
//     (spate_consumer_paused: max, "is any worker paused");
//   - spate_process_process_* (CPU, memory, file descriptors, start time) are the process',
//     whichever thread reads them: taken from the main thread only, never summed;
//   - per-thread runtime metrics (heap, GC, handles) are summed over the threads; event-loop lag
//     is the worst thread's (max), since a stalled worker is what it is read for.
import { AggregatorRegistry, type Aggregator, type Registry } from 'prom-client'
import type { MetricsJson } from '../workers/protocol.ts'

const PROCESS_WIDE = 'spate_process_process_'
const EVENT_LOOP_LAG = 'spate_process_nodejs_eventloop_lag_'

function aggregatorOf (name: string, own: Aggregator): Aggregator {
  if (name.startsWith(EVENT_LOOP_LAG)) return name.endsWith('_min_seconds') ? 'min' : 'max'
  // A metric only one thread reports (omit is prom-client's choice for a cluster of processes).
  if (own === 'omit') return 'first'
  return own ?? 'sum'
}

/** The main thread's own metrics and each worker's, merged into one registry to render. */
export function mergeThreadMetrics (main: MetricsJson, workers: readonly MetricsJson[]): Registry {
  const all: MetricsJson[] = [main, ...workers.map((metrics) => metrics.filter((metric) => !metric.name.startsWith(PROCESS_WIDE)))]
  const tuned = all.map((metrics) => metrics.map((metric) => ({ ...metric, aggregator: aggregatorOf(metric.name, metric.aggregator) })))
  return AggregatorRegistry.aggregate(tuned)
}
