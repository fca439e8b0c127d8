// spate's dashboards and their importable JSON. `task dashboards` writes the files from the code;
// a test fails when the committed files differ from what the code generates.
import { join } from 'node:path'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { loadGeneratorDashboard } from './load-generator.ts'
import { pipelineOverviewDashboard } from './pipeline-overview.ts'
import { processorDashboard } from './processor.ts'
import { sparkDashboard } from './spark.ts'

export const dashboardsDir = join(import.meta.dirname, '..')

export interface DashboardFile {
  /** Path relative to dashboards/ */
  file: string
  build: () => Dashboard
  /**
   * The real run whose data proves every panel query: the main job with spate's processor
   * (test/dashboards/queries.test.ts) or a run against the Spark job (test/spark/spark.test.ts).
   */
  provenBy: 'processor' | 'spark'
}

export const dashboards: DashboardFile[] = [
  { file: 'spate-pipeline-overview.json', build: () => pipelineOverviewDashboard().build(), provenBy: 'processor' },
  { file: 'spate-load-generator.json', build: () => loadGeneratorDashboard().build(), provenBy: 'processor' },
  { file: 'spate-processor.json', build: () => processorDashboard().build(), provenBy: 'processor' },
  { file: 'spate-spark.json', build: () => sparkDashboard().build(), provenBy: 'spark' },
]

/** The Grafana version the dashboards are written for (schemaVersion of the SDK). */
const grafanaVersion = '11.0.0'

/**
 * A dashboard in Grafana's "export for sharing" form: `__inputs` makes "Import dashboard" ask for
 * a Prometheus data source and put its uid wherever ${DS_PROMETHEUS} appears; `__requires` names
 * the plugins used.
 */
export function importable (dashboard: Dashboard): Record<string, unknown> {
  const panelTypes = [...new Set((dashboard.panels ?? []).map((p) => p.type).filter((t) => t !== 'row'))].sort()
  return {
    __inputs: [{
      name: 'DS_PROMETHEUS',
      label: 'Prometheus',
      description: 'The Prometheus that scrapes the processor (or the Spark job) and receives the load engine\'s remote write',
      type: 'datasource',
      pluginId: 'prometheus',
      pluginName: 'Prometheus',
    }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: grafanaVersion },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...panelTypes.map((id) => ({ type: 'panel', id, name: id === 'timeseries' ? 'Time series' : id === 'stat' ? 'Stat' : id, version: '' })),
    ],
    id: null,
    ...dashboard,
  }
}

/** The exact text of a dashboard's committed file. */
export function render (entry: DashboardFile): string {
  return JSON.stringify(importable(entry.build()), null, 2) + '\n'
}
