// `npm start` and `npm test` end with the exit code of the command that failed inside the task
// (the load engine's 99 on a breached threshold, 104, 107, 108...), not go-task's own 201.
// The real build/run.sh runs here from a scratch copy of build/ next to a Taskfile whose task
// exits with a chosen code, one level down as `task main` calls its steps.
import assert from 'node:assert/strict'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { root, run } from '../helpers.ts'

const taskfile = `version: '3'
tasks:
  probe:
    cmds:
      - task: step
  step:
    cmds:
      - 'true'
      - exit "$PROBE_EXIT_CODE"
`

async function scratchClone (t: import('node:test').TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spate-exit-code-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  for (const file of ['run.sh', 'lib.sh', 'toolchain.sh', 'versions.env']) {
    await cp(join(root, 'build', file), join(dir, 'build', file))
  }
  await writeFile(join(dir, 'Taskfile.yml'), taskfile)
  // npm's script for the probe task, written the way package.json writes `start` and `test`.
  const scripts = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  assert.equal(scripts.start, 'build/run.sh main')
  assert.equal(scripts.test, 'build/run.sh test')
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'probe', private: true, scripts: { start: 'build/run.sh probe' } }))
  return dir
}

for (const code of [0, 99, 104, 107, 108]) {
  test(`npm start exits ${code} when the command inside the task exits ${code}`, async (t) => {
    const dir = await scratchClone(t)
    const result = await run('npm', ['start', '--silent'], { cwd: dir, env: { PROBE_EXIT_CODE: String(code) } })
    assert.equal(result.code, code, result.stderr)
  })
}

test('build/run.sh passes the exit code through with arguments after the task name too', async (t) => {
  const dir = await scratchClone(t)
  const result = await run(join(dir, 'build', 'run.sh'), ['probe', 'some-argument'], { cwd: dir, env: { PROBE_EXIT_CODE: '99' } })
  assert.equal(result.code, 99, result.stderr)
})
