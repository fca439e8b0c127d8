// Every panel query of a dashboard run against a real Prometheus, with the dashboard's variables
// substituted as Grafana would: the check behind test/dashboards/queries.test.ts (the dashboards
// proven by a main-job run with the processor) and test/spark/spark.test.ts (the Spark dashboard).
import type { DashboardFile } from '../../dashboards/src/index.ts'
import type { Prometheus } from '../../report/prometheus.ts'

interface Target { expr: string, refId: string }
interface Panel { type: string, title: string, targets?: Target[] }

/** As Grafana's Prometheus data source escapes a variable's value inside a =~ matcher's string. */
export const escapeRegex = (text: string): string => text.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]+?.()|]/g, '\\\\$&')

/**
 * Grafana's substitution for a range query: variables, then the built-in intervals.
 * $__rate_interval = max($__interval + scrape interval, 4 x scrape interval), with the data
 * source's scrape interval at the stack's 5 s (dashboards/provisioning).
 */
export function substitute (expr: string, variables: Record<string, string>, rangeSeconds: number): string {
  const builtins: Record<string, string> = { __rate_interval: '20s', __interval: '5s', __range: `${rangeSeconds}s` }
  return expr.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, braced?: string, bare?: string) => {
    const name = (braced ?? bare) as string
    const value = builtins[name] ?? variables[name]
    if (value === undefined) throw new Error(`query uses $${name}, which the test does not set: ${expr}`)
    return value
  })
}

export interface QueryCheck {
  /** Queries checked. */
  checked: number
  /**
   * "dashboard / panel / refId: query" of each query that returned no series with a value, or
   * that uses a variable its dashboard does not define (Grafana would leave it as it is).
   */
  empty: string[]
}

const BUILTINS = new Set(['__rate_interval', '__interval', '__range'])

/** Runs every panel query of the dashboards over [start, end] and names those without data. */
export async function checkPanelQueries (prometheus: Prometheus, entries: DashboardFile[], variables: Record<string, string>, start: number, end: number, step = 5): Promise<QueryCheck> {
  const empty: string[] = []
  let checked = 0
  for (const entry of entries) {
    const dashboard = entry.build()
    const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name))
    for (const panel of (dashboard.panels ?? []) as Panel[]) {
      for (const target of panel.targets ?? []) {
        const undefinedNames = [...target.expr.matchAll(/\$(?:\{(\w+)\}|(\w+))/g)].map((m) => (m[1] ?? m[2]) as string).filter((name) => !BUILTINS.has(name) && !defined.has(name))
        if (undefinedNames.length > 0) {
          empty.push(`${dashboard.title} / ${panel.title} / ${target.refId}: uses $${undefinedNames.join(', $')}, which the dashboard does not define: ${target.expr}`)
          continue
        }
        const expr = substitute(target.expr, variables, end - start)
        const series = await prometheus.queryRange(expr, start, end, step)
        const withValues = series.filter((s) => s.values.some(([, v]) => !Number.isNaN(Number(v))))
        checked++
        if (withValues.length === 0) empty.push(`${dashboard.title} / ${panel.title} / ${target.refId}: ${expr}`)
      }
    }
  }
  return { checked, empty }
}
