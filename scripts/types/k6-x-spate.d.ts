// `k6/x/spate`: spate's own pieces of a load run, built into the engine (engine/internal/modules/spate).
declare module 'k6/x/spate' {
  /** Sums as the engine reads them: counts are numbers while exact, seqSum a decimal string. */
  export interface LedgerTotals {
    count: number | string
    seqSum: string
    seqHash: number
  }

  export interface SinkTotals extends LedgerTotals {
    /** Ledger entries (hashes) summed. */
    entries: number
    /** Per entry: written-at minus the entry's mean event time, in milliseconds. */
    latencies: number[]
  }

  /**
   * The run's produced-records ledger in the Redis under test (<prefix>:produced:<runId>, see
   * docs/sink.md), shared by every VU of the process: add() only counts, in Go with exact
   * integers; the engine writes the totals in one MULTI/EXEC about once a second and when the
   * test ends.
   */
  export class Ledger {
    constructor (options: { redisUrl: string, prefix: string, runId: string })
    readonly key: string
    /** Records the produced batch of sequence numbers [firstSeq, firstSeq + n). No I/O. */
    add (firstSeq: number, n: number): void
    /** Writes what is pending now. */
    flush (): Promise<void>
    /** The run's produced totals, after writing this process's pending ones. */
    produced (): Promise<LedgerTotals>
    /** The pipeline's ledger entries (default pattern <prefix>:ledger:<runId>:*), summed exactly. */
    sinkTotals (pattern?: string): Promise<SinkTotals>
  }
}
