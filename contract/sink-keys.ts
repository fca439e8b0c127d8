// The Redis key layout (docs/sink.md) shared by the processor, which writes it, and the load
// scripts' verify step, which reads it. No Node or k6 APIs: both runtimes import this module.

/** The result hash of one key in one window (merged over partitions, docs/sink.md). */
export function windowKey (prefix: string, start: number, key: string): string {
  return `${prefix}:w:${start}:${key}`
}

/** The ledger entry of one run in one window of one partition. */
export function ledgerKey (prefix: string, runId: string, start: number, partition: number): string {
  return `${prefix}:ledger:${runId}:${start}:${partition}`
}

/** SCAN pattern of every ledger entry of a run. */
export function ledgerPattern (prefix: string, runId: string): string {
  return `${prefix}:ledger:${runId}:*`
}

/** The load scripts' count of what they produced in a run. */
export function producedKey (prefix: string, runId: string): string {
  return `${prefix}:produced:${runId}`
}

/** Field of a result hash that holds one partition's share: `part:<partition>`. */
export function partField (partition: number): string {
  return `part:${partition}`
}
