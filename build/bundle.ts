// Bundles each k6 entry script (scripts/*.ts) into a sibling .js file that `k6 run` executes.
// k6 resolves neither npm packages nor the project's TypeScript imports across folders the way
// esbuild does, so every script ships as one ES module; k6's own modules stay external.
import { build } from 'esbuild'
import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')
const scriptsDir = join(root, 'scripts')

const entries = (await readdir(scriptsDir))
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .map((name) => join(scriptsDir, name))

if (entries.length === 0) {
  console.error(`[spate] error: no k6 entry scripts (*.ts) in ${relative(root, scriptsDir)}/`)
  process.exit(1)
}

const started = performance.now()
const result = await build({
  entryPoints: entries,
  outdir: scriptsDir,
  bundle: true,
  format: 'esm',
  target: 'es2020',
  platform: 'neutral',
  external: ['k6', 'k6/*'],
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
})

const outputs = Object.keys(result.metafile.outputs).map((file) => relative(root, file))
console.error(`[spate] bundled ${outputs.join(', ')} in ${Math.round(performance.now() - started)} ms`)
