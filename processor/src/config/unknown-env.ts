// Unknown SPATE_* variables that look like a processor setting: a misspelled one
// (SPATE_WINDOW_SIZ=5s) would otherwise leave the default in place without a word. The load
// scripts and the stack share the SPATE_ namespace, so their variables are known and skipped.
import { settings } from './schema.ts'

/** SPATE_* variables read by the load scripts, the stack, the build and the reports. */
const OTHERS = new Set([
  'SPATE_ACKS', 'SPATE_BATCH', 'SPATE_BATCH_BYTES', 'SPATE_BIN', 'SPATE_CACHE', 'SPATE_CHROMIUM', 'SPATE_COMPRESSION',
  'SPATE_CONFIG', 'SPATE_CONSUMER_GROUP', 'SPATE_DLQ_TOPIC', 'SPATE_DURATION', 'SPATE_GRAFANA_SCHEMA_DIR', 'SPATE_KAFKA_CONTROLLER_PORT',
  'SPATE_KAFKA_HEAP', 'SPATE_KAFKA_PORT', 'SPATE_KEYS', 'SPATE_LAG_INTERVAL', 'SPATE_LINGER_MS', 'SPATE_MAX_E2E_P95_MS',
  'SPATE_MAX_E2E_P99_MS', 'SPATE_MAX_VUS', 'SPATE_MAX_WRITE_P95_MS', 'SPATE_MAX_WRITE_P99_MS', 'SPATE_MAX_START_DELAY_P99_MS', 'SPATE_PARTITIONS',
  'SPATE_PROCESSOR_CONFIG', 'SPATE_PROCESSOR_METRICS_PORT', 'SPATE_PROCESSOR_METRICS_URL', 'SPATE_PRODUCERS', 'SPATE_PROMETHEUS_PORT',
  'SPATE_PROMETHEUS_URL', 'SPATE_RAMP_STEPS', 'SPATE_RAMP_STEP_DURATION', 'SPATE_RATE', 'SPATE_REDIS_PORT', 'SPATE_REPORT_DIR',
  'SPATE_ROOT', 'SPATE_RUN_DIR', 'SPATE_RUN_ID', 'SPATE_SCHEMA', 'SPATE_SINK_PREFIX', 'SPATE_SPIKE_BASE_DURATION', 'SPATE_SPIKE_DURATION',
  'SPATE_SPIKE_MULTIPLIER', 'SPATE_SPIKE_REPEATS', 'SPATE_THRESHOLDS', 'SPATE_TOPIC', 'SPATE_VERIFY', 'SPATE_VERIFY_TIMEOUT', 'SPATE_WARMUP',
  'SPATE_REDIS_TLS_PORT', 'SPATE_KAFKA_SASL_SSL_PORT', 'SPATE_KAFKA_TLS', 'SPATE_DEBUG', 'SPATE_TSX', 'SPATE_REDIS_ADDR', 'SPATE_VERIFY_MODE',
  'SPATE_S3_PORT', 'SPATE_VERSITYGW_PORT', 'SPATE_VERSITYGW', 'SPATE_CHAOS_SEED', 'SPATE_CHAOS_RECORDS', 'SPATE_CHAOS_KILLS', 'SPATE_CHAOS_S3_OUTAGE',
])

/** Sections whose SPATE_<SECTION>_* names belong to the processor alone. */
const OWN_SECTIONS = ['SPATE_WINDOW_', 'SPATE_BACKPRESSURE_', 'SPATE_CHECKPOINT_', 'SPATE_LOG_']

function distance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] as number
}

/** One warning per unknown variable that looks like a setting, naming the closest setting. */
export function unknownEnvWarnings (env: NodeJS.ProcessEnv, envName: (path: string) => string): string[] {
  const known = new Map(settings.map((setting) => [envName(setting.path), setting.path]))
  const warnings: string[] = []
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('SPATE_') || known.has(name) || OTHERS.has(name)) continue
    let closest = ''
    let best = Infinity
    for (const candidate of known.keys()) {
      const d = distance(name, candidate)
      if (d < best) {
        best = d
        closest = candidate
      }
    }
    const looksLikeOne = best <= (name.length > 20 ? 3 : 2) || OWN_SECTIONS.some((section) => name.startsWith(section))
    if (looksLikeOne) warnings.push(`${name} is not a processor setting and is ignored; did you mean ${closest} (${known.get(closest)})?`)
  }
  return warnings
}
