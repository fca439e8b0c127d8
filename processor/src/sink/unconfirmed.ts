// Windows written to Redis that Redis may not have made durable yet.
//
// The stack's Redis appends to its AOF and fsyncs every second (appendfsync everysec), so a
// Redis kill -9 can drop the last moments of acknowledged writes, which the checkpoint already
// counts as done. So each partition keeps the windows it wrote, tagged with the Redis run id
// (which changes when Redis restarts), in memory and in its checkpoint, until Redis has kept
// running for redis.confirmAfter past the write. Before each write the processor reads the run
// id: windows tagged with another run id were written to a Redis that has since restarted, and
// are written again (idempotent). docs/processor.md states the bound.
import type { ClosedWindow, KeyAggregate, RunLedger } from '../window/partition-windows.ts'

export interface UnconfirmedWindow {
  redisRunId: string
  writtenAt: number
  window: ClosedWindow
}

export interface UnconfirmedSnapshot {
  redisRunId: string
  writtenAt: number
  window: {
    partition: number
    start: number
    end: number
    keys: Array<[string, KeyAggregate]>
    runs: Array<[string, RunLedger]>
  }
}

export function snapshotUnconfirmed (windows: readonly UnconfirmedWindow[]): UnconfirmedSnapshot[] {
  return windows.map(({ redisRunId, writtenAt, window }) => ({
    redisRunId,
    writtenAt,
    window: { partition: window.partition, start: window.start, end: window.end, keys: [...window.keys], runs: [...window.runs] },
  }))
}

export function restoreUnconfirmed (snapshots: readonly UnconfirmedSnapshot[] | undefined): UnconfirmedWindow[] {
  return (snapshots ?? []).map(({ redisRunId, writtenAt, window }) => ({
    redisRunId,
    writtenAt,
    window: { partition: window.partition, start: window.start, end: window.end, keys: new Map(window.keys), runs: new Map(window.runs) },
  }))
}

/**
 * Splits a partition's unconfirmed windows by the run id Redis reports now (read at `checkedAt`):
 * `rewrite` were written to an earlier Redis process; `keep` are still within confirmAfter;
 * the rest are confirmed and dropped.
 */
export function sortUnconfirmed (windows: readonly UnconfirmedWindow[], runId: string, checkedAt: number, confirmAfter: number): { rewrite: UnconfirmedWindow[], keep: UnconfirmedWindow[] } {
  const rewrite: UnconfirmedWindow[] = []
  const keep: UnconfirmedWindow[] = []
  for (const entry of windows) {
    if (entry.redisRunId !== runId) rewrite.push(entry)
    else if (checkedAt - entry.writtenAt < confirmAfter) keep.push(entry)
  }
  return { rewrite, keep }
}
