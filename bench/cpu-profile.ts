// Summarises `node --cpu-prof` profiles (one .cpuprofile per thread) as BENCHMARKS.md quotes
// them: per thread the share of samples idle, in GC and in code, and the functions with the most
// self time across the threads that did the work.
//
//   node --import tsx bench/cpu-profile.ts <dir> [top=15]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

const dir = process.argv[2]
if (!dir) {
  process.stderr.write('usage: bench/cpu-profile.ts <dir with .cpuprofile files> [top]\n')
  process.exit(2)
}
const top = Number(process.argv[3] ?? 15)

const selfByFunction = new Map<string, number>()
let busyTotal = 0
const rows: string[] = []
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const time = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number
    time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  let idle = 0
  let gc = 0
  let total = 0
  const own = new Map<string, number>()
  for (const [id, us] of time) {
    const node = byId.get(id) as Node
    total += us
    const name = node.callFrame.functionName
    if (name === '(idle)') { idle += us; continue }
    if (name === '(garbage collector)') gc += us
    const where = node.callFrame.url ? node.callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(processor|contract)\//, '$1/') : ''
    const key = `${name || '(anonymous)'}${where ? ` ${where}:${node.callFrame.lineNumber + 1}` : ''}`
    own.set(key, (own.get(key) ?? 0) + us)
  }
  const busy = total - idle
  rows.push(`| ${file} | ${(total / 1e6).toFixed(1)} s | ${pct(idle, total)} | ${pct(gc, total)} | ${pct(busy - gc, total)} |`)
  // Threads that merely supervise (mostly idle) would drown nothing, but keep the list about the work.
  if (busy / total > 0.2) {
    busyTotal += busy
    for (const [key, us] of own) selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us)
  }
}

function pct (part: number, whole: number): string {
  return `${(100 * part / Math.max(whole, 1)).toFixed(1)}%`
}

process.stdout.write('| profile (thread) | sampled | idle | GC | code |\n|---|---|---|---|---|\n' + rows.join('\n') + '\n\n')
process.stdout.write('| self time, busy threads | share of busy samples |\n|---|---|\n')
for (const [key, us] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`| \`${key.replaceAll('|', '\\|')}\` | ${pct(us, busyTotal)} |\n`)
}
