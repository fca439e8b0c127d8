// Writes dashboards/*.json from the code (task dashboards), or with --check exits 1 naming every
// file that differs from what the code generates.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dashboards, dashboardsDir, render } from './index.ts'

const check = process.argv.includes('--check')
const stale: string[] = []
for (const entry of dashboards) {
  const path = join(dashboardsDir, entry.file)
  const text = render(entry)
  let current = ''
  try { current = readFileSync(path, 'utf8') } catch { /* a new dashboard */ }
  if (current === text) continue
  if (check) {
    stale.push(entry.file)
  } else {
    writeFileSync(path, text)
    process.stderr.write(`wrote dashboards/${entry.file}\n`)
  }
}
if (stale.length > 0) {
  process.stderr.write(`dashboards out of date: ${stale.join(', ')}; run \`task dashboards\` and commit the JSON\n`)
  process.exit(1)
}
