// The processor warns about SPATE_* variables that look like a misspelled setting; the rest of
// the project reads SPATE_* variables too (load scripts, stack, build, benchmarks, reports), and
// every one of those must stay quiet, or users get a warning for a variable that is right. This
// reads every name the tree mentions, so a new variable elsewhere cannot drift past the list.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { envName } from '../src/config/load.ts'
import { unknownEnvWarnings } from '../src/config/unknown-env.ts'
import { errorCodes } from '../src/errors.ts'

const root = join(import.meta.dirname, '../..')

test('no SPATE_* variable the project reads is warned about as a misspelled processor setting', async () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0')
    .filter((f) => /\.(ts|js|sh|py|go|ya?ml|md)$/.test(f) || f === 'Taskfile.yml' || f.startsWith('.ci/'))
  const names = new Set<string>()
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8').catch(() => '')
    for (const m of text.matchAll(/\bSPATE_[A-Z0-9]+(?:_[A-Z0-9]+)*\b/g)) names.add(m[0])
  }
  assert.ok(names.size > 50, `found only ${names.size} SPATE_* names; is this a git checkout?`)
  // Error codes share the prefix but are no variables; the two misspellings are config.test.ts's
  // own, there to prove the warning.
  const deliberate = new Set([...Object.keys(errorCodes), 'SPATE_WINDOW_SIZ', 'SPATE_CHECKPOINT_EVERY'])
  const env = Object.fromEntries([...names].filter((n) => !deliberate.has(n)).map((n) => [n, 'x']))
  assert.deepEqual(unknownEnvWarnings(env, envName), [], 'add these to OTHERS in processor/src/config/unknown-env.ts, or rename them')
})
