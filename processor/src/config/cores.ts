// The cores this process may use, for workers=auto: the CPUs it may run on (affinity, cpusets)
// capped by a cgroup CPU quota (a container's CPU limit: Kubernetes' resources.limits.cpu),
// rounded up, at least 1. Node's availableParallelism() sees the affinity but not the quota.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/** Cores from a cgroup v2 cpu.max ("<quota> <period>" or "max <period>"); undefined when unlimited. */
export function quotaCores (cpuMax: string): number | undefined {
  const [quota, period] = cpuMax.trim().split(/\s+/)
  if (quota === undefined || quota === 'max' || period === undefined) return undefined
  const q = Number(quota)
  const p = Number(period)
  if (!(q > 0) || !(p > 0)) return undefined
  return Math.max(1, Math.ceil(q / p))
}

export function usableCores (): number {
  const cpus = Math.max(1, availableParallelism())
  let limit: number | undefined
  try {
    limit = quotaCores(readFileSync('/sys/fs/cgroup/cpu.max', 'utf8'))
  } catch {
    // No cgroup v2 CPU controller here: the affinity is the bound.
  }
  return Math.min(cpus, limit ?? cpus)
}
