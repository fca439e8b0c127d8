// `k6/x/spate`: spate's own module in its load engine (`spate run`; engine/internal/modules/spate).
declare module 'k6/x/spate' {
  /** Totals of a ledger: count and seqHash (mod 2^32) as numbers, seqSum as a decimal string (exact past 2^53). */
  export interface LedgerTotals {
    count: number
    seqSum: string
    seqHash: number
  }

  export class Ledger {
    /** One ledger per (redisUrl, prefix, runId) in the process, shared by every VU. */
    constructor (options: { redisUrl: string, prefix: string, runId: string })
    /** The hash it writes: `<prefix>:produced:<runId>`. */
    readonly key: string
    /** Records the produced sequence numbers firstSeq .. firstSeq + n - 1; no I/O (flushed about once a second). */
    add (firstSeq: number, n: number): void
    /** Writes what is pending now. */
    flush (): Promise<void>
    /** The run's produced totals, this process's pending ones included. */
    produced (): Promise<LedgerTotals>
    /** The pipeline's ledger entries (default pattern `<prefix>:ledger:<runId>:*`), summed exactly. */
    sinkTotals (pattern?: string): Promise<LedgerTotals & { entries: number, latencies: number[] }>
  }
}
