// Messages between the main thread and the worker threads (workers/supervisor.ts,
// workers/worker.ts): one module both import, so the two sides cannot drift apart.
import type { Registry } from 'prom-client'
import type { BatchTotals } from '../batch/batch-step.ts'
import type { ProcessorConfig } from '../config/types.ts'

export interface WorkerInit {
  /** The configuration this worker runs with (workers/supervisor.ts derives it per worker). */
  config: ProcessorConfig
  /** 0-based; tags the worker's log lines. */
  index: number
}

/** A registry's metrics as getMetricsAsJSON() gives them: structured-cloneable. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>

export type ToWorker =
  /** Every worker has prepared: join the group now, all together. */
  | { type: 'consume' }
  | { type: 'stop' }
  | { type: 'metrics', id: number }
  | { type: 'totals', id: number }

export type FromWorker =
  /** Connected and checked, not yet in the group: waits for consume. */
  | { type: 'prepared' }
  /** In the group and consuming. */
  | { type: 'ready' }
  /** The start failed: the one line the process exits with. */
  | { type: 'fatal', message: string }
  | { type: 'metrics', id: number, metrics: MetricsJson }
  | { type: 'totals', id: number, totals: BatchTotals }
  /** Stopped cleanly after a stop message: fetched records processed, partitions checkpointed. */
  | { type: 'stopped', totals: BatchTotals }
  /** The clean stop failed; the last checkpoints stand. */
  | { type: 'stop-failed', message: string }
