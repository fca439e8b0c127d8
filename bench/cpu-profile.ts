// Summarises `node --cpu-prof` profiles (one .cpuprofile per thread) as BENCHMARKS.md quotes
// them: per thread the share of samples idle, in GC and in code; across the threads that did the
// work, the share of each component (a sample counts for the nearest caller that belongs to one:
// the Kafka client, decoding, windowing, ...) and the functions with the most self time.
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

/** The component a frame belongs to, or undefined for Node's internals (attributed to the caller). */
function component (frame: Node['callFrame']): string | undefined {
  const { functionName: name, url } = frame
  if (name === '(garbage collector)') return 'garbage collection'
  if (name === '(program)') return 'V8 (program)'
  if (url.includes('/node_modules/kafkajs/')) return 'Kafka client (kafkajs: group membership, commits)'
  if (url.includes('processor/src/consume/')) return 'Kafka client (fetch client: fetches, record batches)'
  if (url.includes('/node_modules/@redis/') || url.includes('processor/src/sink/')) return 'Redis writes'
  if (url.includes('/node_modules/aws4fetch/') || url.includes('processor/src/checkpoint/') || url.includes('undici')) return 'S3 checkpoints'
  if (url.includes('processor/src/decode/') || url.includes('processor/src/logic/')) return 'record decoding and logic (JSON)'
  if (url.includes('processor/src/window/')) return 'windowing'
  if (url.includes('processor/src/')) return 'batching, intake, ownership (processor/src)'
  if (url.includes('/node_modules/prom-client/')) return 'metrics'
  if (url.includes('/node_modules/tsx/') || url.includes('internal/modules/')) return 'module loading (start)'
  return undefined
}

const byComponent = new Map<string, number>()
const selfByFunction = new Map<string, number>()
let busyTotal = 0
const rows: string[] = []
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const componentOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const found = component((byId.get(at) as Node).callFrame)
      if (found) return found
    }
    return 'other (Node internals, timers, sockets)'
  }
  const mine = new Map<string, number>()
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
    const part = componentOf(id)
    mine.set(part, (mine.get(part) ?? 0) + us)
  }
  const busy = total - idle
  rows.push(`| ${file} | ${(total / 1e6).toFixed(1)} s | ${pct(idle, total)} | ${pct(gc, total)} | ${pct(busy - gc, total)} |`)
  // Threads that merely supervise (mostly idle) would drown nothing, but keep the list about the work.
  if (busy / total > 0.2) {
    busyTotal += busy
    for (const [key, us] of own) selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us)
    for (const [part, us] of mine) byComponent.set(part, (byComponent.get(part) ?? 0) + us)
  }
}

function pct (part: number, whole: number): string {
  return `${(100 * part / Math.max(whole, 1)).toFixed(1)}%`
}

process.stdout.write('| profile (thread) | sampled | idle | GC | code |\n|---|---|---|---|---|\n' + rows.join('\n') + '\n\n')
process.stdout.write('| component, busy threads | share of busy samples |\n|---|---|\n')
for (const [part, us] of [...byComponent].sort((a, b) => b[1] - a[1])) process.stdout.write(`| ${part} | ${pct(us, busyTotal)} |\n`)
process.stdout.write('\n| self time, busy threads | share of busy samples |\n|---|---|\n')
for (const [key, us] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`| \`${key.replaceAll('|', '\\|')}\` | ${pct(us, busyTotal)} |\n`)
}
