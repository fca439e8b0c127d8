// The committed dashboards: generated from the code, valid against Grafana's dashboard schema
// (generated from @grafana/grafana-foundation-sdk's types, grafana-schema.ts), and clean under the
// dashboard lint rules. (Their queries are proven against real Prometheus data in queries.test.ts.)
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Ajv, type ValidateFunction } from 'ajv'
import { dashboards, dashboardsDir, render } from '../../dashboards/src/index.ts'
import { lint, lintRaw, readLintConfig, type DashboardJson } from '../../dashboards/src/lint.ts'
import { root, run } from '../helpers.ts'
import { sdkSchemas } from './grafana-schema.ts'

function committed (file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Record<string, unknown>
}

/** The dashboard without the import wrapper (__inputs, __requires), as Grafana stores it. */
function stored (dashboard: Record<string, unknown>): Record<string, unknown> {
  const { __inputs: _inputs, __requires: _requires, ...rest } = dashboard
  return rest
}

interface Validators { dashboard: ValidateFunction, stat: ValidateFunction, timeseriesOptions: ValidateFunction, timeseriesField: ValidateFunction, prometheus: ValidateFunction }

/** Grafana's schemas, generated from the types of @grafana/grafana-foundation-sdk (see grafana-schema.ts). */
function validators (): Validators {
  const [dashboard, stat, timeseriesOptions, timeseriesField, prometheus] = sdkSchemas([
    { module: 'dashboard', name: 'Dashboard' },
    { module: 'stat', name: 'Options' },
    { module: 'timeseries', name: 'Options' },
    { module: 'timeseries', name: 'FieldConfig' },
    { module: 'prometheus', name: 'Dataquery' },
  ])
  const ajv = new Ajv({ allErrors: true, strict: false })
  return {
    dashboard: ajv.compile(dashboard!),
    stat: ajv.compile(stat!),
    timeseriesOptions: ajv.compile(timeseriesOptions!),
    timeseriesField: ajv.compile(timeseriesField!),
    prometheus: ajv.compile(prometheus!),
  }
}

interface PanelJson { type: string, title?: string, options?: unknown, fieldConfig?: { defaults?: { custom?: unknown } }, targets?: unknown[] }

/** Every schema problem of one dashboard, as readable lines. */
function schemaProblems (v: Validators, dashboard: Record<string, unknown>): string[] {
  const problems: string[] = []
  const report = (where: string, validate: ValidateFunction, value: unknown) => {
    if (!validate(value)) for (const error of validate.errors ?? []) problems.push(`${where}${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`)
  }
  report('dashboard', v.dashboard, stored(dashboard))
  for (const panel of (dashboard.panels ?? []) as PanelJson[]) {
    const where = `panel '${panel.title}'`
    if (panel.type === 'stat') report(`${where} options`, v.stat, panel.options)
    if (panel.type === 'timeseries') {
      report(`${where} options`, v.timeseriesOptions, panel.options)
      report(`${where} fieldConfig.defaults.custom`, v.timeseriesField, panel.fieldConfig?.defaults?.custom ?? {})
    }
    for (const [i, target] of (panel.targets ?? []).entries()) report(`${where} target ${i}`, v.prometheus, target)
  }
  return problems
}

test('the committed dashboard JSON is exactly what dashboards/src generates', async () => {
  for (const entry of dashboards) {
    assert.equal(readFileSync(join(dashboardsDir, entry.file), 'utf8'), render(entry),
      `dashboards/${entry.file} differs from the code; run \`task dashboards\` and commit the JSON`)
  }
  const check = await run(process.execPath, ['--import', 'tsx', 'dashboards/src/generate.ts', '--check'])
  assert.equal(check.code, 0, check.stderr)
})

test('each dashboard is importable: a Prometheus input, unique panel ids, a datasource variable fed by it', () => {
  for (const entry of dashboards) {
    const dashboard = committed(entry.file)
    const inputs = dashboard.__inputs as Array<{ name: string, type: string, pluginId: string }>
    assert.deepEqual(inputs.map((i) => [i.name, i.type, i.pluginId]), [['DS_PROMETHEUS', 'datasource', 'prometheus']], entry.file)
    const text = JSON.stringify(stored(dashboard))
    assert.ok(text.includes('${DS_PROMETHEUS}'), `${entry.file}: the import input is used nowhere`)
    const ids = ((dashboard.panels ?? []) as Array<{ id: number }>).map((p) => p.id)
    assert.equal(new Set(ids).size, ids.length, `${entry.file}: duplicate panel ids`)
    assert.equal(dashboard.id, null, `${entry.file}: an importable dashboard has no instance-specific id`)
    assert.ok(typeof dashboard.uid === 'string' && (dashboard.uid as string).length <= 40, `${entry.file}: uid`)
  }
  const uids = dashboards.map((d) => committed(d.file).uid)
  assert.equal(new Set(uids).size, uids.length, 'dashboard uids must differ')
})

test('each dashboard validates against Grafana\'s dashboard, panel and Prometheus query schemas', () => {
  const v = validators()
  for (const entry of dashboards) {
    assert.deepEqual(schemaProblems(v, committed(entry.file)), [], `${entry.file} breaks Grafana's schema`)
  }
})

test('the schema check rejects a broken dashboard (it is not vacuous)', () => {
  const v = validators()
  const broken = committed(dashboards[0]!.file) as { panels: Array<Record<string, unknown>>, [key: string]: unknown }
  broken.refresh = 10
  broken.panels[1]!.gridPos = { x: 0, y: 0, w: 'wide', h: 8 }
  ;(broken.panels[1]!.targets as Array<Record<string, unknown>>)[0]!.exprr = 'typo'
  const problems = schemaProblems(v, broken)
  assert.ok(problems.some((p) => p.startsWith('dashboard/refresh')), problems.join('\n'))
  assert.ok(problems.some((p) => p.includes('/gridPos/w')), problems.join('\n'))
  assert.ok(problems.some((p) => p.includes('target 0') && p.includes('exprr')), problems.join('\n'))
})

test('the dashboards pass the dashboard lint rules, and every exclusion in dashboards/.lint is still needed', () => {
  const all = dashboards.map((d) => committed(d.file) as DashboardJson)
  const { problems, unused } = lint(all, readLintConfig())
  assert.deepEqual(problems, [])
  assert.deepEqual(unused, [])
  // The exclusions cover only what the reasons in dashboards/.lint give: k6's remote-written
  // series (no job or instance label, running-total counters).
  const excluded = all.flatMap(lintRaw)
  for (const problem of excluded) {
    assert.ok(['target-job-rule', 'target-instance-rule', 'template-job-rule', 'template-instance-rule', 'target-counter-agg-rule'].includes(problem.rule), `${problem.rule} should not need an exclusion`)
    if (problem.rule.startsWith('target-')) assert.match(problem.message, /k6_/, `only k6 queries may skip ${problem.rule}`)
  }
})

test('the lint rules catch a fixed rate range, a missing description, a bad unit and invalid PromQL', () => {
  const dashboard = committed('spate-processor.json') as unknown as DashboardJson & { panels: Array<Record<string, unknown>> }
  const panel = dashboard.panels.find((p) => p.type === 'timeseries') as { description: string, fieldConfig: { defaults: { unit: string } }, targets: Array<{ expr: string }> }
  panel.description = ''
  panel.fieldConfig.defaults.unit = 'records'
  panel.targets[0]!.expr = 'sum(rate(spate_records_consumed_total{job=~"$job", instance=~"$instance"}[5m]))'
  panel.targets.push({ expr: 'sum(spate_buffered_records{job=~"$job", instance=~"$instance"}) +' })
  const rules = lintRaw(dashboard).map((p) => p.rule).sort()
  assert.deepEqual(rules, ['panel-title-description-rule', 'panel-units-rule', 'target-promql-rule', 'target-rate-interval-rule'])
})

test('the lint command exits 1 and names the problem for a bad dashboard file', async () => {
  const result = await run(process.execPath, ['--import', 'tsx', 'dashboards/src/lint.ts', join(root, 'test/dashboards/fixtures/fixed-rate-range.json')])
  assert.equal(result.code, 1)
  assert.match(result.stdout, /^target-rate-interval-rule: dashboard 'fixture', panel 'Rate', target 0: .*should use \$__rate_interval$/m)
})
