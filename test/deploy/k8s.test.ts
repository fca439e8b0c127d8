// The Kubernetes manifests of distributed load (deploy/k8s/load) and of the processor scaled by
// KEDA (deploy/k8s/processor): decoded strictly into the Kubernetes API's Go types, or against
// KEDA's CRD schema, by deploy/k8s/validate, and the shell steps of their ConfigMap run
// here as the Indexed Job's pods would run them: two instances meet at the start barrier, run
// their segments, and the merge step gives the whole test's verdict.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse } from 'yaml'
import { root, run } from '../helpers.ts'

test('the Kubernetes manifests decode strictly into the API types and reference each other', { timeout: 600_000 }, async () => {
  // The first build of the Kubernetes API types takes a minute or two on a 2-core machine.
  const result = await run('bash', ['-c', '. build/lib.sh && cd deploy/k8s/validate && go test -count=1 ./... && go run . ../load ../processor'], { timeoutMs: 590_000 })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  for (const object of ['Job/spate-load', 'Job/spate-load-merge', 'ConfigMap/spate-load-script', 'PersistentVolumeClaim/spate-load-results',
    'Deployment/spate-processor', 'ConfigMap/spate-processor-config', 'ScaledObject/spate-processor', 'TriggerAuthentication/spate-processor-kafka']) {
    assert.ok(result.stdout.includes(object), `validated ${object}: ${result.stdout}`)
  }
})

test('the processor\'s KEDA manifests are held to KEDA\'s CRD schema: a misspelled field fails the validator', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spate-k8s-keda-'))
  for (const name of ['config.yaml', 'deployment.yaml', 'scaledobject.yaml']) {
    let text = await readFile(join(root, 'deploy', 'k8s', 'processor', name), 'utf8')
    if (name === 'scaledobject.yaml') {
      assert.match(text, /cooldownPeriod: 60\n/)
      text = text.replace('cooldownPeriod: 60\n', 'cooldownPeriods: 60\n')
    }
    await writeFile(join(dir, name), text)
  }
  const result = await run('bash', ['-c', `. build/lib.sh && cd deploy/k8s/validate && go run . ${dir}`], { timeoutMs: 590_000 })
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.match(result.stderr, /^validate: scaledobject\.yaml \(document 1\): ScaledObject: \.spec\.cooldownPeriods: unknown field "cooldownPeriods"$/m)
  // The other objects still decode; only the broken one is refused.
  assert.match(result.stdout, /ok {2}deployment\.yaml \(document 1\) Deployment\/spate-processor/)
})

test('the load Job\'s instances meet at the barrier, run their segments and merge into one verdict', { timeout: 120_000 }, async () => {
  const configMap = parse(await readFile(join(root, 'deploy', 'k8s', 'load', 'script.yaml'), 'utf8')) as { data: Record<string, string> }
  const dir = await mkdtemp(join(tmpdir(), 'spate-k8s-'))
  for (const name of ['instance.sh', 'merge.sh']) await writeFile(join(dir, name), configMap.data[name] ?? '')
  const env = {
    INSTANCES: '2',
    SPATE_RUN_ID: 'run-k8s-test',
    RESULTS_DIR: join(dir, 'results'),
    START_DELAY_MS: '3000',
    SCRIPT: join(root, 'test', 'engine', 'scripts', 'distributed.js'),
  }
  const before = Date.now()
  // The merge pod starts with the instances and waits for their summaries.
  const [first, second, merge] = await Promise.all([
    run('sh', [join(dir, 'instance.sh')], { env: { ...env, JOB_COMPLETION_INDEX: '0' } }),
    run('sh', [join(dir, 'instance.sh')], { env: { ...env, JOB_COMPLETION_INDEX: '1' } }),
    run('sh', [join(dir, 'merge.sh')], { env }),
  ])
  // Each half alone breaches the whole-test count (99), which an instance does not report.
  for (const r of [first, second]) {
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /instance \d of 2 runs segment (0\/2:1\/2|1\/2:2\/2), scenarios start at \d+/)
  }
  const startAt = (r: typeof first) => Number(/scenarios start at (\d+)/.exec(r.stderr)?.[1])
  assert.equal(startAt(first), startAt(second), 'both instances start at the same instant')
  assert.ok(startAt(first) >= before + 3000, 'the start is after both arrived, plus the delay')
  assert.equal(merge.code, 0, merge.stderr)
  const results = join(dir, 'results', 'run-k8s-test')
  const merged = JSON.parse(await readFile(join(results, 'k6-summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }
  assert.equal(merged.metrics.done?.values.count, 68)
  assert.match(await readFile(join(results, 'k6-junit.xml'), 'utf8'), /<testsuite name="spate.run-k8s-test" tests="4" failures="0"/)
})

test('the merge step fails the Job when a threshold of the whole test is breached', { timeout: 60_000 }, async () => {
  const configMap = parse(await readFile(join(root, 'deploy', 'k8s', 'load', 'script.yaml'), 'utf8')) as { data: Record<string, string> }
  const dir = await mkdtemp(join(tmpdir(), 'spate-k8s-'))
  await writeFile(join(dir, 'merge.sh'), configMap.data['merge.sh'] ?? '')
  // One instance of one ran half of the test: its summary alone misses the count.
  const env = { INSTANCES: '1', SPATE_RUN_ID: 'run-k8s-fail', RESULTS_DIR: join(dir, 'results') }
  const half = await run('spate', ['run', '--quiet', '--execution-segment', '0:1/2', join(root, 'test', 'engine', 'scripts', 'distributed.js')],
    { env: { SUMMARY: join(dir, 'results', 'run-k8s-fail', 'part-0', 'k6-summary.json') } })
  assert.equal(half.code, 99, half.stderr)
  const merge = await run('sh', [join(dir, 'merge.sh')], { env })
  assert.equal(merge.code, 99, merge.stderr)
  assert.match(merge.stderr, /thresholds on metrics 'done' have been crossed in the merged run/)
})
