// Retrying writes whose target is down for a while (Redis restarting, S3 slow, a broker
// failing over). The pipeline waits instead of dropping data: nothing is checkpointed until every
// write of the batch succeeded, so waiting here is the backpressure that pauses consumption.
export interface RetryOptions {
  /** First delay; doubles per failure up to maxMs. */
  baseMs: number
  maxMs: number
  /** Errors that retrying cannot fix are rethrown at once. */
  giveUp?: (error: unknown) => boolean
  onRetry: (error: Error, attempt: number, delayMs: number) => void
}

export async function retry<T> (attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt()
    } catch (error) {
      if (options.giveUp?.(error)) throw error
      const delay = Math.min(options.baseMs * 2 ** failures, options.maxMs)
      options.onRetry(error as Error, failures + 1, delay)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}
