// When to add and remove processor instances: Spark's dynamic allocation, driven by the consumer
// group's lag instead of pending tasks. Pure (time is passed in), so its rules are tested alone.
//
//   needed      = ceil(lag / lagThreshold), within [min, max] and never above the partition count
//                 (Spark: pending and running tasks / tasks per executor; KEDA: lagThreshold)
//   backlog     = needed > target. Once it has lasted backlogTimeout, add instances; while it
//                 lasts, add again every sustainedBacklogTimeout, doubling the step each round
//                 (1, 2, 4, ...), never past needed (spark.dynamicAllocation.schedulerBacklogTimeout,
//                 sustainedSchedulerBacklogTimeout)
//   surplus     = needed < target. Once it has lasted idleTimeout, remove the instances not
//                 needed, all at once (spark.dynamicAllocation.executorIdleTimeout: a consumer of a
//                 live topic is never idle, so the group's lag decides which instances are surplus)
//
// While an instance is starting, restarting or stopping, the group rebalances and its lag is not
// the processor's: the clocks stop and start again once the group has settled.

export interface PolicyOptions {
  minInstances: number
  maxInstances: number
  lagThreshold: number
  backlogTimeoutMs: number
  sustainedBacklogTimeoutMs: number
  idleTimeoutMs: number
}

export interface Observation {
  now: number
  lag: number
  partitions: number
  /** Instances starting, restarting or stopping: the group is rebalancing. */
  settling: boolean
}

export interface Decision {
  from: number
  to: number
  direction: 'up' | 'down'
  /** One line for people: what the lag was, for how long, against which timeout. */
  reason: string
}

export class Policy {
  private readonly options: PolicyOptions
  private backlogSince: number | undefined
  private surplusSince: number | undefined
  private lastAdd: number | undefined
  private step = 1
  target: number
  needed = 0

  constructor (options: PolicyOptions, initial: number) {
    this.options = options
    this.target = initial
  }

  /** The most instances that can do work: beyond the partition count an instance gets none. */
  ceiling (partitions: number): number {
    return Math.max(this.options.minInstances, Math.min(this.options.maxInstances, partitions))
  }

  /** Instances the lag asks for, within the limits. */
  neededFor (lag: number, partitions: number): number {
    const byLag = lag <= 0 ? 0 : Math.ceil(lag / this.options.lagThreshold)
    return Math.min(this.ceiling(partitions), Math.max(this.options.minInstances, byLag))
  }

  /** Feeds one lag sample; returns a decision when the target changes. */
  observe (o: Observation): Decision | undefined {
    const o2 = this.options
    this.needed = this.neededFor(o.lag, o.partitions)
    // Partitions removed below the target (or a lower max): no instance beyond the ceiling.
    const ceiling = this.ceiling(o.partitions)
    if (this.target > ceiling) return this.change(ceiling, 'down', `the topic has ${o.partitions} partitions and max is ${o2.maxInstances}: at most ${ceiling} instances get work`)
    if (o.settling) {
      this.backlogSince = undefined
      this.surplusSince = undefined
      this.lastAdd = undefined
      return undefined
    }
    if (this.needed > this.target) {
      this.surplusSince = undefined
      this.backlogSince ??= o.now
      const first = this.lastAdd === undefined
      const waited = o.now - (first ? this.backlogSince : this.lastAdd as number)
      const timeout = first ? o2.backlogTimeoutMs : o2.sustainedBacklogTimeoutMs
      if (waited < timeout) return undefined
      const to = Math.min(this.needed, this.target + this.step)
      const reason = `lag ${o.lag} needs ${this.needed} instances at ${o2.lagThreshold} each; backlog for ${seconds(o.now - this.backlogSince)} >= ` +
        (first ? `backlog timeout ${seconds(o2.backlogTimeoutMs)}` : `sustained backlog timeout ${seconds(o2.sustainedBacklogTimeoutMs)} since the last add`)
      this.step *= 2
      this.lastAdd = o.now
      return this.change(to, 'up', reason)
    }
    this.backlogSince = undefined
    this.lastAdd = undefined
    this.step = 1
    if (this.needed < this.target) {
      this.surplusSince ??= o.now
      const idle = o.now - this.surplusSince
      if (idle < o2.idleTimeoutMs) return undefined
      this.surplusSince = undefined
      return this.change(this.needed, 'down', `lag ${o.lag} needs only ${this.needed} instance${this.needed === 1 ? '' : 's'} at ${o2.lagThreshold} each; idle for ${seconds(idle)} >= idle timeout ${seconds(o2.idleTimeoutMs)}`)
    }
    this.surplusSince = undefined
    return undefined
  }

  private change (to: number, direction: 'up' | 'down', reason: string): Decision {
    const from = this.target
    this.target = to
    return { from, to, direction, reason }
  }
}

function seconds (ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}
