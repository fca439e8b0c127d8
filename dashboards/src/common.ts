// Building blocks shared by spate's dashboards: the data-source and filter variables, Prometheus
// queries bound to the templated data source, and the few panel shapes the dashboards use.
//
// Every dashboard reads one Prometheus data source through the `datasource` variable. Its default
// is the import input ${DS_PROMETHEUS}: "Import dashboard" asks for a Prometheus data source and
// writes its uid there; a provisioned copy falls back to the default Prometheus data source.
import * as common from '@grafana/grafana-foundation-sdk/common'
import { DashboardBuilder, DashboardLinkBuilder, DashboardLinkType, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder, ThresholdsConfigBuilder, ThresholdsMode, VariableRefresh, VariableSort, type Threshold } from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries'

export const datasourceRef = { type: 'prometheus', uid: '${datasource}' }

export function datasourceVariable (): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .current({ selected: true, text: '${DS_PROMETHEUS}', value: '${DS_PROMETHEUS}' })
}

/**
 * A label filter filled from Prometheus. Multi-select with "All" = `.+`, reloaded when the time
 * range changes so that a new run or instance shows up without reloading the dashboard.
 */
export function labelVariable (name: string, label: string, query: string, description: string, sort = VariableSort.AlphabeticalAsc): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(datasourceRef)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(sort)
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ selected: true, text: ['All'], value: ['$__all'] })
}

/** The run filter: the `testid` tag spate's main job puts on every metric of the load engine. */
export function testidVariable (): QueryVariableBuilder {
  return labelVariable('testid', 'Test run', 'label_values(k6_kafka_writer_message_count_total, testid)',
    'Test run id (spate run --tag testid=...); spate\'s main job uses its run id', VariableSort.AlphabeticalDesc)
}

/** Selector parts; every query of a dashboard filters by its variables. */
export const k6Run = 'testid=~"$testid"'
export const k6Topic = 'testid=~"$testid", topic=~"$topic"'
export const processorTarget = 'job=~"$job", instance=~"$instance"'
export const processorTopic = 'job=~"$job", instance=~"$instance", topic=~"$topic"'

export function jobVariable (): QueryVariableBuilder {
  return labelVariable('job', 'Job', 'label_values(spate_records_consumed_total, job)',
    'Prometheus job that scrapes the processor')
}

export function instanceVariable (): QueryVariableBuilder {
  return labelVariable('instance', 'Instance', 'label_values(spate_records_consumed_total{job=~"$job"}, instance)',
    'Processor instance (host:port of its /metrics)')
}

export interface Query {
  expr: string
  legend: string
}

export function query (expr: string, legend: string): Query {
  return { expr, legend }
}

function targets (queries: Query[]): DataqueryBuilder[] {
  return queries.map((q, i) => new DataqueryBuilder()
    .refId(String.fromCharCode(65 + i))
    .datasource(datasourceRef)
    .expr(q.expr)
    .legendFormat(q.legend)
    .range())
}

export interface PanelSpec {
  title: string
  description: string
  unit: string
  queries: Query[]
  /** Grid width (of 24) and height; defaults 12 x 8. */
  w?: number
  h?: number
  /** A dashed red line at an SLO limit. */
  limit?: number
  stacked?: boolean
}

/** Panel ids are unique per dashboard: spateDashboard() starts the count again. */
let nextId = 1

function thresholdSteps (limit: number | undefined, below = 'green', above = 'red'): Threshold[] {
  return limit === undefined
    ? [{ value: null as unknown as number, color: below }]
    : [{ value: null as unknown as number, color: below }, { value: limit, color: above }]
}

export function timeseries (spec: PanelSpec): TimeseriesPanel {
  const panel = new TimeseriesPanel()
    .id(nextId++)
    .title(spec.title)
    .description(spec.description)
    .datasource(datasourceRef)
    .unit(spec.unit)
    .gridPos({ x: 0, y: 0, w: spec.w ?? 12, h: spec.h ?? 8 })
    .lineWidth(1)
    .fillOpacity(spec.stacked ? 30 : 10)
    .legend(new common.VizLegendOptionsBuilder()
      .showLegend(true)
      .displayMode(common.LegendDisplayMode.Table)
      .placement(common.LegendPlacement.Bottom)
      .calcs(['mean', 'max', 'lastNotNull']))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(thresholdSteps(spec.limit)))
  if (spec.limit !== undefined) panel.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
  if (spec.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
  for (const target of targets(spec.queries)) panel.withTarget(target)
  return panel
}

export interface StatSpec {
  title: string
  description: string
  unit: string
  query: Query
  /** Red at or above this value (an SLO limit); green below it. */
  limit?: number
  /** Red below this value instead (e.g. at least one record verified). */
  atLeast?: number
  w?: number
  h?: number
  decimals?: number
}

export function stat (spec: StatSpec): StatPanel {
  const steps = spec.atLeast !== undefined
    ? [{ value: null as unknown as number, color: 'red' }, { value: spec.atLeast, color: 'green' }]
    : thresholdSteps(spec.limit)
  const panel = new StatPanel()
    .id(nextId++)
    .title(spec.title)
    .description(spec.description)
    .datasource(datasourceRef)
    .unit(spec.unit)
    .gridPos({ x: 0, y: 0, w: spec.w ?? 4, h: spec.h ?? 4 })
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps))
  if (spec.decimals !== undefined) panel.decimals(spec.decimals)
  for (const target of targets([spec.query])) panel.withTarget(target)
  return panel
}

export function row (title: string): RowBuilder {
  return new RowBuilder(title).id(nextId++)
}

/**
 * A dashboard with spate's common settings: read-only (it is code), refreshed every 10 s over the
 * last 30 minutes, the data-source variable first. Panel ids start again at 1.
 */
export function spateDashboard (title: string, uid: string, description: string, tags: string[]): DashboardBuilder {
  nextId = 1
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['spate', ...tags])
    .readonly()
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser')
    // The other spate dashboards, same time range and variables (a run, a topic, an instance).
    .link(new DashboardLinkBuilder('spate dashboards')
      .type(DashboardLinkType.Dashboards)
      .tags(['spate'])
      .asDropdown(true)
      .includeVars(true)
      .keepTime(true)
      .targetBlank(false)
      .icon('external link')
      .tooltip('')
      .url(''))
    .withVariable(datasourceVariable())
}
