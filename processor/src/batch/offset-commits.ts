// Offsets committed to the consumer group after each checkpoint. Resumption does not rely on
// them (the checkpoint does); they let any Kafka tool see the group's lag. So a commit never
// holds up a micro-batch: one is in flight at a time, and a later one carries newer offsets.
import type { GroupConsumer } from '../consume/group-consumer.ts'
import type { Logger } from '../log.ts'

export class OffsetCommits {
  private readonly pending = new Map<number, bigint>()
  private committing: Promise<void> | undefined
  private closed = false
  private readonly consumer: GroupConsumer
  private readonly log: Logger

  constructor (consumer: GroupConsumer, log: Logger) {
    this.consumer = consumer
    this.log = log
  }

  commit (offsets: ReadonlyArray<{ partition: number, offset: bigint }>): void {
    for (const { partition, offset } of offsets) this.pending.set(partition, offset)
    if (this.committing || this.pending.size === 0) return
    const next = [...this.pending].map(([partition, offset]) => ({ partition, offset }))
    this.pending.clear()
    this.committing = this.consumer.commit(next)
      .catch((error: Error) => this.log.warn('offset commit failed; the next checkpoint commits again', { error: error.message }))
      .finally(() => {
        this.committing = undefined
        if (!this.closed) this.commit([])
      })
  }

  /** Waits for the commit in flight, then commits what is left (at shutdown). */
  async flush (): Promise<void> {
    this.closed = true
    await this.committing
    if (this.pending.size === 0) return
    const rest = [...this.pending].map(([partition, offset]) => ({ partition, offset }))
    this.pending.clear()
    await this.consumer.commit(rest).catch((error: Error) => this.log.warn('final offset commit failed', { error: error.message }))
  }
}
