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

  /** What a pipeline's natural output (one result per window and key) must hold after a run. */
  export interface WindowsVerdict {
    /** Records the run produced in this process. */
    expected: number
    /** Records accounted for in the sink (at most the expected count per window and key). */
    verified: number
    lost: number
    duplicated: number
    /** Windows whose count or sum differs from the expected ones. */
    mismatched: number
    windows: number
    /** Expected window and key entries absent from the sink. */
    missing: number
    /** Per complete window, in window order: result visible minus window end, in milliseconds. */
    latencies: number[]
    /** Least-squares growth of those latencies per millisecond of window end. */
    latencySlope: number
  }

  export interface WindowsLayout {
    redisUrl: string
    /** Redis key of one window and key, e.g. "spark:w:{window}:{key}" ({window}: start in ms). */
    keyPattern: string
    /** hash (HMGET, default) or json (GET of a JSON object). */
    format?: 'hash' | 'json'
    countField?: string
    sumField?: string
    /** Default writtenAt; '' when the pipeline writes no time. */
    writtenAtField?: string
    timeoutSeconds?: number
    pollSeconds?: number
  }

  /**
   * The run's expected windows, computed by the engine from the generator's deterministic
   * records (key = "k" + seq % keys, value from the schema, one event time per produce call);
   * shared by every VU of the process.
   */
  export class Expectation {
    constructor (options: { runId: string, schema?: 'basic' | 'medium' | 'complex', keys: number, windowMs: number })
    /** Records a produce call of [firstSeq, firstSeq + n) stamped eventTime (ms). No I/O. */
    add (firstSeq: number, n: number, eventTime: number): void
    /** Waits until every window and key is complete or the timeout passes; the verdict. */
    verifyWindows (layout: WindowsLayout): Promise<WindowsVerdict>
  }
}
