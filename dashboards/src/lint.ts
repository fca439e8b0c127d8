// Dashboard lint: the rules of Grafana's dashboard-linter (same names, same exclusion file,
// dashboards/.lint), with PromQL parsed by Prometheus' own grammar (@prometheus-io/lezer-promql).
// `node --import tsx dashboards/src/lint.ts [file.json ...]` prints one line per problem and
// exits 1 when there is any; the dashboards test runs it on every committed dashboard.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser } from '@prometheus-io/lezer-promql'
import type { SyntaxNode } from '@lezer/common'
import { parse as parseYaml } from 'yaml'

export interface Problem {
  rule: string
  dashboard: string
  panel?: string
  targetIdx?: number
  message: string
}

interface Target { expr?: string, refId?: string, datasource?: { uid?: string } }
interface Panel { type: string, title?: string, description?: string, datasource?: { uid?: string }, targets?: Target[], fieldConfig?: { defaults?: { unit?: string, mappings?: unknown[] } }, panels?: Panel[] }
interface Variable { type: string, name: string, label?: string, query?: unknown, datasource?: { uid?: string }, multi?: boolean, allValue?: string, refresh?: number }
export interface DashboardJson { title?: string, editable?: boolean, panels?: Panel[], templating?: { list?: Variable[] } }

// Grafana's built-in range variables stand in as durations no query would choose, so that a
// rule can tell $__rate_interval from a fixed range after parsing.
const RATE_INTERVAL = '7777777ms'
const builtins: Record<string, string> = { __rate_interval: RATE_INTERVAL, __interval: '5555555ms', __range: '3333333ms', __range_s: '3333', __range_ms: '3333333', __interval_ms: '5555555' }

/** The expression with $__rate_interval and friends replaced; $var inside label values stays. */
export function expandBuiltins (expr: string): string {
  return expr.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, braced?: string, bare?: string) => builtins[(braced ?? bare) as string] ?? whole)
}

export interface ParsedQuery {
  text: string
  top: SyntaxNode
  error?: string
}

export function parsePromQL (expr: string): ParsedQuery {
  const text = expandBuiltins(expr)
  const tree = parser.parse(text)
  let error: string | undefined
  tree.iterate({
    enter: (node) => {
      if (error === undefined && node.type.isError) error = `syntax error at offset ${node.from}: '${text.slice(Math.max(0, node.from - 10), node.to + 10)}'`
    },
  })
  if (text.trim() === '') error = 'empty query'
  return { text, top: tree.topNode, ...(error ? { error } : {}) }
}

function nodesNamed (top: SyntaxNode, name: string): SyntaxNode[] {
  const found: SyntaxNode[] = []
  const cursor = top.cursor()
  do { if (cursor.name === name) found.push(cursor.node) } while (cursor.next())
  return found
}

/** The function a range selector is the argument of (rate, increase, max_over_time...), if any. */
function enclosingFunction (query: ParsedQuery, matrix: SyntaxNode): string | undefined {
  let node: SyntaxNode | null = matrix.parent
  while (node && node.name === 'FunctionCallBody') node = node.parent
  if (!node || node.name !== 'FunctionCall') return undefined
  const identifier = node.getChild('FunctionIdentifier')
  return identifier ? query.text.slice(identifier.from, identifier.to) : undefined
}

function metricName (query: ParsedQuery, selector: SyntaxNode): string {
  const identifier = selector.getChild('Identifier')
  return identifier ? query.text.slice(identifier.from, identifier.to) : ''
}

/** label -> [operator, value] of a vector selector's matchers. */
function matchers (query: ParsedQuery, selector: SyntaxNode): Map<string, [string, string]> {
  const found = new Map<string, [string, string]>()
  for (const matcher of nodesNamed(selector, 'UnquotedLabelMatcher')) {
    const name = matcher.getChild('LabelName')
    const op = matcher.getChild('MatchOp')
    const value = matcher.getChild('StringLiteral')
    if (name && op && value) found.set(query.text.slice(name.from, name.to), [query.text.slice(op.from, op.to), query.text.slice(value.from + 1, value.to - 1)])
  }
  return found
}

// Grafana's unit ids (packages/grafana-data valueFormats) that dashboards commonly use.
const units = new Set([
  'none', 'short', 'percent', 'percentunit', 'humidity', 'dB', 'hex0x', 'hex', 'sci', 'locale', 'string',
  'bytes', 'decbytes', 'bits', 'decbits', 'kbytes', 'deckbytes', 'mbytes', 'decmbytes', 'gbytes', 'decgbytes',
  'bps', 'Bps', 'binBps', 'binbps', 'KBs', 'Kbits', 'KiBs', 'Kibits', 'MBs', 'Mbits', 'MiBs', 'Mibits', 'GBs', 'Gbits', 'GiBs', 'Gibits', 'pps',
  'ns', 'µs', 'ms', 's', 'm', 'h', 'd', 'dtdurationms', 'dtdurations', 'dthms', 'dtdhms', 'timeticks', 'clockms', 'clocks',
  'hertz', 'cps', 'ops', 'reqps', 'rps', 'wps', 'iops', 'eps', 'mps', 'recps', 'rowsps', 'cpm', 'opm', 'rpm', 'wpm', 'epm', 'mpm', 'recpm', 'rowspm',
  'dateTimeAsIso', 'dateTimeAsUS', 'dateTimeFromNow', 'bool', 'bool_yes_no', 'bool_on_off',
])

const checkedPanelTypes = new Set(['stat', 'singlestat', 'graph', 'table', 'timeseries', 'gauge'])

function allPanels (dashboard: DashboardJson): Panel[] {
  return (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row')
}

function templatedDatasource (uid: string | undefined, names: string[]): boolean {
  return names.some((name) => uid === `$${name}` || uid === `\${${name}}`)
}

/** Every rule on one dashboard, before exclusions. */
export function lintRaw (dashboard: DashboardJson): Problem[] {
  const title = dashboard.title ?? '(untitled)'
  const problems: Problem[] = []
  const add = (rule: string, message: string, panel?: Panel, targetIdx?: number) => problems.push({
    rule, dashboard: title, message, ...(panel?.title !== undefined ? { panel: panel.title } : {}), ...(targetIdx !== undefined ? { targetIdx } : {}),
  })
  const variables = dashboard.templating?.list ?? []
  const datasources = variables.filter((v) => v.type === 'datasource')

  if (datasources.length === 0) add('template-datasource-rule', 'does not have a templated data source')
  for (const ds of datasources) {
    const specific = `${String(ds.query).toLowerCase()}_datasource`
    if (ds.name !== specific && !(datasources.length === 1 && ds.name === 'datasource')) add('template-datasource-rule', `templated data source variable named '${ds.name}', should be named '${specific}' or 'datasource'`)
  }
  const dsNames = datasources.map((d) => d.name)

  for (const name of ['job', 'instance']) {
    const rule = `template-${name}-rule`
    const variable = variables.find((v) => v.name === name)
    if (!variable) { add(rule, `is missing the ${name} template`); continue }
    const label = name[0]?.toUpperCase() + name.slice(1)
    if (variable.label !== label) add(rule, `${name} template should be labeled '${label}', is '${variable.label}'`)
    if (variable.type !== 'query') add(rule, `${name} template should be a Prometheus query, is '${variable.type}'`)
    if (!templatedDatasource(variable.datasource?.uid, dsNames)) add(rule, `${name} template should use the templated data source, uses '${variable.datasource?.uid}'`)
    if (variable.multi !== true) add(rule, `${name} template should be a multi select`)
    if (variable.allValue !== '.+') add(rule, `${name} template allValue should be '.+', is '${variable.allValue}'`)
  }

  for (const variable of variables.filter((v) => v.type === 'query')) {
    const text = typeof variable.query === 'string' ? variable.query : (variable.query as { query?: string } | undefined)?.query ?? ''
    const inner = /^label_values\((.*),\s*\w+\)$/.exec(text.trim())?.[1] ?? /^query_result\((.*)\)$/.exec(text.trim())?.[1]
    if (inner !== undefined) {
      const parsed = parsePromQL(inner)
      if (parsed.error) add('template-label-promql-rule', `template '${variable.name}' invalid PromQL query '${text}': ${parsed.error}`)
    } else if (!/^label_values\(\w+\)$|^label_names\(\)$|^metrics\(.*\)$/.test(text.trim())) {
      add('template-label-promql-rule', `template '${variable.name}' has no Prometheus template query: '${text}'`)
    }
    if (variable.refresh !== 2) add('template-on-time-change-reload-rule', `template '${variable.name}' should refresh on time range change (refresh: 2), is ${variable.refresh}`)
  }

  if (dashboard.editable !== false) add('template-uneditable-rule', 'is editable, it should be set to \'editable: false\'')

  for (const panel of allPanels(dashboard)) {
    if (['singlestat', 'graph', 'table', 'timeseries'].includes(panel.type) && !templatedDatasource(panel.datasource?.uid, dsNames)) {
      add('panel-datasource-rule', `does not use a templated datasource, uses '${panel.datasource?.uid}'`, panel)
    }
    if (checkedPanelTypes.has(panel.type)) {
      if (!panel.title) add('panel-title-description-rule', 'has missing title', panel)
      if (!panel.description) add('panel-title-description-rule', 'has missing description', panel)
      const unit = panel.fieldConfig?.defaults?.unit
      if (!(panel.fieldConfig?.defaults?.mappings?.length) && (unit === undefined || !units.has(unit))) add('panel-units-rule', `has no or invalid units defined: '${unit ?? ''}'`, panel)
    }
    const targets = panel.targets ?? []
    if (targets.length === 0) add('panel-no-targets-rule', 'has no targets', panel)
    targets.forEach((target, idx) => {
      if (target.expr === undefined) return
      const query = parsePromQL(target.expr)
      if (query.error) { add('target-promql-rule', `invalid PromQL query '${target.expr}': ${query.error}`, panel, idx); return }
      for (const matrix of nodesNamed(query.top, 'MatrixSelector')) {
        const fn = enclosingFunction(query, matrix)
        const range = query.text.slice(matrix.from, matrix.to).replace(/^.*\[|\]$/g, '')
        if ((fn === 'rate' || fn === 'irate') && range !== RATE_INTERVAL) add('target-rate-interval-rule', `invalid PromQL query '${target.expr}': should use $__rate_interval`, panel, idx)
        if (range === RATE_INTERVAL && fn !== 'rate' && fn !== 'irate' && fn !== 'increase') add('target-rate-interval-rule', `invalid PromQL query '${target.expr}': $__rate_interval used in ${fn ?? 'no'} function`, panel, idx)
      }
      for (const selector of nodesNamed(query.top, 'VectorSelector')) {
        const name = metricName(query, selector)
        if (name.endsWith('_total')) {
          const parent = selector.parent
          const fn = parent?.name === 'MatrixSelector' ? enclosingFunction(query, parent) : undefined
          if (fn !== 'rate' && fn !== 'irate' && fn !== 'increase') add('target-counter-agg-rule', `counter metric '${name}' is not aggregated with rate, irate, or increase`, panel, idx)
        }
        const found = matchers(query, selector)
        for (const label of ['job', 'instance']) {
          const matcher = found.get(label)
          if (!matcher || matcher[0] !== '=~' || matcher[1] !== `$${label}`) add(`target-${label}-rule`, `invalid PromQL query '${target.expr}': ${label} selector not found`, panel, idx)
        }
      }
    })
  }
  return problems
}

interface Entry { dashboard?: string, panel?: string, targetIdx?: string | number }
export interface LintConfig { exclusions?: Record<string, { reason?: string, entries?: Entry[] } | null> }

export function readLintConfig (path = join(import.meta.dirname, '..', '.lint')): LintConfig {
  return (parseYaml(readFileSync(path, 'utf8')) ?? {}) as LintConfig
}

function matches (entry: Entry, problem: Problem): boolean {
  if (entry.dashboard && entry.dashboard !== problem.dashboard) return false
  if (entry.panel && problem.panel !== undefined && entry.panel !== problem.panel) return false
  if (entry.targetIdx !== undefined && problem.targetIdx !== undefined && Number(entry.targetIdx) !== problem.targetIdx) return false
  return true
}

/** Problems left after the exclusions, and exclusion entries that excluded nothing (stale). */
export function lint (dashboards: DashboardJson[], config: LintConfig): { problems: Problem[], unused: string[] } {
  const raw = dashboards.flatMap(lintRaw)
  const used = new Set<Entry>()
  const problems = raw.filter((problem) => {
    if (!config.exclusions || !(problem.rule in config.exclusions)) return true
    const entries = config.exclusions[problem.rule]?.entries ?? []
    if (entries.length === 0) return false
    const hits = entries.filter((entry) => matches(entry, problem))
    for (const hit of hits) used.add(hit)
    return hits.length === 0
  })
  const unused: string[] = []
  for (const [rule, exclusion] of Object.entries(config.exclusions ?? {})) {
    for (const entry of exclusion?.entries ?? []) {
      if (!used.has(entry)) unused.push(`${rule}: ${JSON.stringify(entry)}`)
    }
  }
  return { problems, unused }
}

export function describe (problem: Problem): string {
  const where = [`dashboard '${problem.dashboard}'`, problem.panel !== undefined ? `panel '${problem.panel}'` : '', problem.targetIdx !== undefined ? `target ${problem.targetIdx}` : ''].filter(Boolean).join(', ')
  return `${problem.rule}: ${where}: ${problem.message}`
}

if (process.argv[1] === import.meta.filename) {
  const files = process.argv.slice(2)
  const { dashboards, dashboardsDir } = await import('./index.ts')
  const paths = files.length > 0 ? files : dashboards.map((d) => join(dashboardsDir, d.file))
  const { problems, unused } = lint(paths.map((p) => JSON.parse(readFileSync(p, 'utf8')) as DashboardJson), readLintConfig())
  for (const problem of problems) process.stdout.write(describe(problem) + '\n')
  // Exclusions are checked for staleness only against the whole set they were written for.
  const stale = files.length > 0 ? [] : unused
  for (const entry of stale) process.stdout.write(`stale exclusion in dashboards/.lint (matches nothing): ${entry}\n`)
  process.stderr.write(`${paths.length} dashboards, ${problems.length} problems${files.length > 0 ? '' : `, ${stale.length} stale exclusions`}\n`)
  process.exit(problems.length + stale.length > 0 ? 1 : 0)
}
