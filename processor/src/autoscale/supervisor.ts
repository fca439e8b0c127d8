// Processor instances as child processes, each known by its PID and its slot (slot n serves its
// /metrics on portBase + n). Started in their own process group, so a Ctrl-C at the terminal
// reaches only the supervisor, which then stops each instance once, gracefully: SIGTERM (the
// processor finishes its batch, checkpoints, commits and leaves the group), SIGKILL after the
// stop timeout. An instance that exits on its own is logged and started again, with a growing
// delay when it keeps failing.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Logger } from '../log.ts'

export type InstanceState = 'starting' | 'ready' | 'stopping' | 'restarting'

export interface Instance {
  slot: number
  pid: number | undefined
  port: number
  state: InstanceState
  child: ChildProcess | undefined
  startedAt: number
  /** Consecutive unexpected exits, for the restart delay. */
  failures: number
  exited: Promise<void>
}

export interface SupervisorOptions {
  /** The program and the arguments of instance `slot` (its port included). */
  command: (slot: number, port: number) => { file: string, args: string[] }
  cwd: string
  env: NodeJS.ProcessEnv
  portBase: number
  /** Where the instances' /readyz answers (their metrics.host). */
  readyHost: string
  stopTimeoutMs: number
  log: Logger
  /** Counts a restart after an unexpected exit. */
  onRestart?: (instance: Instance, code: number | null, signal: NodeJS.Signals | null) => void
  /** How long a restarted instance must have run before its failures are forgotten. */
  stableAfterMs?: number
  /** Where the instances' own log lines go (default stdout). */
  out?: (line: string) => void
}

const MAX_RESTART_DELAY_MS = 30_000

export class Supervisor {
  private readonly options: SupervisorOptions
  private readonly instances = new Map<number, Instance>()
  private shuttingDown = false
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor (options: SupervisorOptions) {
    this.options = options
  }

  /** Instances that are or will be consuming: every one not being stopped. */
  get target (): number {
    return [...this.instances.values()].filter((i) => i.state !== 'stopping').length
  }

  /** Live processes, whatever their state. */
  get running (): number {
    return [...this.instances.values()].filter((i) => i.child !== undefined && i.child.exitCode === null && i.child.signalCode === null).length
  }

  get ready (): number {
    return [...this.instances.values()].filter((i) => i.state === 'ready').length
  }

  /** Some instance is starting, restarting or stopping: its group is rebalancing. */
  get settling (): boolean {
    return [...this.instances.values()].some((i) => i.state !== 'ready')
  }

  get pids (): number[] {
    return [...this.instances.values()].flatMap((i) => i.pid === undefined || i.state === 'restarting' ? [] : [i.pid])
  }

  list (): Instance[] {
    return [...this.instances.values()].sort((a, b) => a.slot - b.slot)
  }

  /** Starts instances in the lowest free slots, or stops the highest (the newest) ones. */
  scaleTo (n: number): void {
    if (this.shuttingDown) return
    while (this.target < n) {
      let slot = 0
      while (this.instances.has(slot)) slot++
      this.start(slot)
    }
    const active = this.list().filter((i) => i.state !== 'stopping')
    for (const instance of active.slice(n).reverse()) void this.stop(instance)
  }

  private start (slot: number, previous?: Instance): Instance {
    const port = this.options.portBase + slot
    const { file, args } = this.options.command(slot, port)
    const child = spawn(file, args, { cwd: this.options.cwd, env: this.options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let resolveExit: () => void = () => {}
    const instance: Instance = {
      slot,
      pid: child.pid,
      port,
      state: 'starting',
      child,
      startedAt: Date.now(),
      failures: previous?.failures ?? 0,
      exited: new Promise<void>((resolve) => { resolveExit = resolve }),
    }
    this.instances.set(slot, instance)
    this.relay(instance, child)
    child.on('error', (error) => this.options.log.error('instance could not be started', { instance: slot, error: error.message }))
    child.on('exit', (code, signal) => {
      resolveExit()
      this.exited(instance, code, signal)
    })
    this.options.log.info('instance started', { instance: slot, pid: child.pid, port, ...(previous ? { restart: instance.failures } : {}) })
    return instance
  }

  /** The instance's JSON log lines gain its slot and PID; other lines are wrapped in one. */
  private relay (instance: Instance, child: ChildProcess): void {
    const out = this.options.out ?? ((text: string) => { process.stdout.write(text) })
    const prefix = `{"instance":${instance.slot},"pid":${child.pid ?? 0},`
    for (const [stream, level] of [[child.stdout, 'info'], [child.stderr, 'warn']] as const) {
      if (!stream) continue
      createInterface({ input: stream }).on('line', (line) => {
        if (line.startsWith('{"') && line.endsWith('}')) out(prefix + line.slice(1) + '\n')
        else if (line.trim() !== '') this.options.log[level](line, { instance: instance.slot, pid: child.pid, source: 'processor' })
      })
    }
  }

  private exited (instance: Instance, code: number | null, signal: NodeJS.Signals | null): void {
    const log = this.options.log
    if (instance.state === 'stopping' || this.shuttingDown) {
      log.info('instance stopped', { instance: instance.slot, pid: instance.pid, code, signal, drainMs: Date.now() - (stopRequested.get(instance) ?? Date.now()) })
      if (this.instances.get(instance.slot) === instance) this.instances.delete(instance.slot)
      return
    }
    const ranMs = Date.now() - instance.startedAt
    const failures = ranMs >= (this.options.stableAfterMs ?? 30_000) ? 1 : instance.failures + 1
    const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (failures - 1))
    log.warn('instance exited unexpectedly; restarting it', { instance: instance.slot, pid: instance.pid, code, signal, ranMs, restartInMs: delay })
    instance.state = 'restarting'
    instance.child = undefined
    instance.failures = failures
    this.options.onRestart?.(instance, code, signal)
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.shuttingDown || this.instances.get(instance.slot) !== instance || instance.state !== 'restarting') return
      this.start(instance.slot, instance)
    }, delay)
    this.timers.add(timer)
  }

  /** SIGTERM, then SIGKILL after the stop timeout; resolves once the process is gone. */
  async stop (instance: Instance): Promise<void> {
    if (instance.state === 'restarting' || instance.child === undefined) {
      // Nothing runs in the slot: cancel the pending restart.
      instance.state = 'stopping'
      if (this.instances.get(instance.slot) === instance) this.instances.delete(instance.slot)
      return
    }
    if (instance.state === 'stopping') return await instance.exited
    instance.state = 'stopping'
    stopRequested.set(instance, Date.now())
    const child = instance.child
    this.options.log.info('stopping instance: SIGTERM, it drains and leaves the group', { instance: instance.slot, pid: instance.pid, killAfterMs: this.options.stopTimeoutMs })
    signalPid(instance.pid, 'SIGTERM')
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) {
        this.options.log.warn('instance did not stop within the stop timeout; SIGKILL', { instance: instance.slot, pid: instance.pid, stopTimeoutMs: this.options.stopTimeoutMs })
        signalPid(instance.pid, 'SIGKILL')
      }
    }, this.options.stopTimeoutMs)
    await instance.exited
    clearTimeout(timer)
  }

  /** Stops every instance by its PID, in parallel; nothing is restarted afterwards. */
  async stopAll (): Promise<void> {
    this.shuttingDown = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await Promise.all(this.list().map((i) => this.stop(i)))
  }

  /** A second signal: SIGKILL every instance now (their last checkpoints stand). */
  killAll (): void {
    this.shuttingDown = true
    for (const instance of this.instances.values()) signalPid(instance.pid, 'SIGKILL')
  }

  /** Asks each starting or ready instance's /readyz; a ready one that stops answering is starting again. */
  async checkReadiness (): Promise<void> {
    await Promise.all(this.list().map(async (instance) => {
      if (instance.state !== 'starting' && instance.state !== 'ready') return
      const ok = await fetch(`http://${this.options.readyHost}:${instance.port}/readyz`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200, () => false)
      // The state may have changed while the request was out.
      const now = instance.state as InstanceState
      if (now === 'stopping' || now === 'restarting') return
      if (ok && now === 'starting') {
        instance.state = 'ready'
        this.options.log.info('instance ready', { instance: instance.slot, pid: instance.pid, startMs: Date.now() - instance.startedAt })
      } else if (!ok && now === 'ready') {
        instance.state = 'starting'
      }
    }))
  }
}

const stopRequested = new WeakMap<Instance, number>()

function signalPid (pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone.
  }
}
