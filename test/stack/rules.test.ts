// The Prometheus rules in stack/prometheus/rules: promtool accepts them, their unit tests pass
// and cover every alert, the unit tests catch a changed limit, and the local stack's Prometheus
// has loaded and evaluates them.
import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { parse } from 'yaml'
import { root, run, stack, type RunResult } from '../helpers.ts'

const rulesDir = join(root, 'stack', 'prometheus', 'rules')
const rulesFile = join(rulesDir, 'spate.rules.yml')
const testFile = join(rulesDir, 'spate.rules.test.yml')

interface Rule {
  record?: string
  alert?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

interface RuleFile { groups: Array<{ name: string, rules: Rule[] }> }

interface RuleTests {
  rule_files: string[]
  tests: Array<{ name: string, alert_rule_test?: Array<{ alertname: string, exp_alerts: unknown[] }> }>
}

async function readYaml<T> (path: string): Promise<T> {
  return parse(await readFile(path, 'utf8')) as T
}

async function rules (): Promise<Rule[]> {
  return (await readYaml<RuleFile>(rulesFile)).groups.flatMap((group) => group.rules)
}

async function promtool (args: string[], cwd?: string): Promise<RunResult> {
  try {
    return await run('promtool', args, { timeoutMs: 60_000, ...(cwd === undefined ? {} : { cwd }) })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('promtool is not installed; run build/toolchain.sh debian (or apt-get install prometheus)')
    }
    throw error
  }
}

/** A temporary copy of the rules and their tests, with `edit` applied to the rules. */
async function editedCopy (t: TestContext, edit: (rules: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spate-rules-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const original = await readFile(rulesFile, 'utf8')
  const edited = edit(original)
  assert.notEqual(edited, original, 'the edit changed nothing; the test would prove nothing')
  await writeFile(join(dir, 'spate.rules.yml'), edited)
  await copyFile(testFile, join(dir, 'spate.rules.test.yml'))
  return dir
}

test('promtool check rules accepts the rule file and counts every rule in it', async () => {
  const result = await promtool(['check', 'rules', rulesFile])
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, new RegExp(`SUCCESS: ${(await rules()).length} rules found`))
})

test('promtool test rules: the unit tests pass', async () => {
  const result = await promtool(['test', 'rules', testFile])
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /SUCCESS/)
  assert.doesNotMatch(result.stdout, /FAILED/)
})

test('promtool check rules rejects a rule file with a broken expression', async (t) => {
  const dir = await editedCopy(t, (text) => text.replace('deriv(job:spate_consumer_lag_records:sum[5m])', 'deriv(job:spate_consumer_lag_records:sum[5m]'))
  const result = await promtool(['check', 'rules', join(dir, 'spate.rules.yml')])
  assert.notEqual(result.code, 0)
  assert.match(result.stdout + result.stderr, /FAILED/)
  assert.match(result.stdout + result.stderr, /"job:spate_consumer_lag_records:deriv5m": could not parse expression/)
})

test('the unit tests fail when an alert limit changes', async (t) => {
  // The micro-batch limit is 30 s (thresholds/profiles.ts); at 60 s the 57 s p99 of the
  // "slow micro-batches" case no longer fires.
  const dir = await editedCopy(t, (text) => text.replace('job:spate_batch_duration_seconds:p99_rate5m > 30', 'job:spate_batch_duration_seconds:p99_rate5m > 60'))
  const result = await promtool(['test', 'rules', 'spate.rules.test.yml'], dir)
  assert.notEqual(result.code, 0, result.stdout)
  assert.match(result.stdout + result.stderr, /name: slow micro-batches,\s+alertname: SpateBatchDurationHigh/)
})

test('every alert has a unit test where it fires and one where it stays silent', async () => {
  const alerts = (await rules()).flatMap((rule) => rule.alert === undefined ? [] : [rule.alert])
  assert.ok(alerts.length >= 5, `only ${alerts.length} alerts`)
  const tests = await readYaml<RuleTests>(testFile)
  assert.deepEqual(tests.rule_files, ['spate.rules.yml'])
  const cases = tests.tests.flatMap((group) => group.alert_rule_test ?? [])
  for (const alert of alerts) {
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} has no test case where it fires`)
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} has no test case where it stays silent`)
  }
  for (const c of cases) assert.ok(alerts.includes(c.alertname), `the unit tests name an alert that does not exist: ${c.alertname}`)
})

test('alerts carry a severity, a summary, a description and a for duration; recording rules are named level:metric:operations', async () => {
  for (const rule of await rules()) {
    if (rule.alert !== undefined) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, `${rule.alert}: severity`)
      assert.ok((rule.annotations?.summary ?? '').length > 10, `${rule.alert}: summary`)
      assert.ok((rule.annotations?.description ?? '').length > 80, `${rule.alert}: description`)
      assert.match(rule.for ?? '', /^\d+[sm]$/, `${rule.alert}: for`)
    } else {
      assert.match(rule.record ?? '', /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/, `recording rule name ${rule.record}`)
    }
  }
})

interface RulesResponse {
  status: string
  data: {
    groups: Array<{
      name: string
      file: string
      rules: Array<{ name: string, type: string, health: string, lastError?: string, lastEvaluation: string }>
    }>
  }
}

test('the local Prometheus has loaded the rules and evaluates them without errors', async () => {
  const expected = (await rules()).map((rule) => rule.alert ?? rule.record ?? '').sort()
  // Just after a start, the first evaluation (every 5 s) may not have happened yet.
  const deadline = Date.now() + 20_000
  let loaded: RulesResponse['data']['groups'][number]['rules'] = []
  for (;;) {
    const response = await fetch(`${stack.prometheusUrl()}/api/v1/rules`)
    assert.equal(response.status, 200)
    const body = await response.json() as RulesResponse
    assert.equal(body.status, 'success')
    loaded = body.data.groups.filter((group) => group.file.endsWith('/spate.rules.yml')).flatMap((group) => group.rules)
    const evaluated = loaded.length > 0 && loaded.every((rule) => !rule.lastEvaluation.startsWith('0001-'))
    if (evaluated || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  assert.deepEqual(loaded.map((rule) => rule.name).sort(), expected,
    'the running Prometheus has other rules than stack/prometheus/rules/spate.rules.yml; restart it: stack/stack.sh down prometheus && stack/stack.sh up prometheus')
  for (const rule of loaded) {
    assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`)
    assert.equal(rule.lastError ?? '', '', rule.name)
  }
})
