// Renders the HTML report of a finished run (report/report.ts) and prints its path on stdout;
// progress goes to stderr.
// Usage: node --import tsx report/cli.ts <run id> [--from T --to T] [--summary PATH] [--out PATH]
//                                        [--script NAME] [--prometheus URL]
// (after eval "$(stack/stack.sh env)"; `task report -- <run id>` does both).
import { readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { ReportError } from './prometheus.ts'
import { writeReport } from './report.ts'

const root = join(import.meta.dirname, '..')

const USAGE = `usage: task report -- <run id> [options]   (or: node --import tsx report/cli.ts <run id> [options])

  <run id>             the run's testid tag (the main job prints it: "run id main-...")
  --from, --to TIME    the time range to chart, ISO 8601 or Unix seconds
                       (default: the run's first and last load sample, padded for the processor's drain)
  --summary PATH       the run's k6-summary.json (default: $SPATE_REPORT_DIR or reports/, k6-summary.json)
  --out PATH           the HTML file to write (default: $SPATE_REPORT_DIR or reports/, run-<run id>.html)
  --script NAME        the load script, for the header (default: from k6-junit.xml next to the summary)
  --prometheus URL     Prometheus (default: $SPATE_PROMETHEUS_URL)
`

const say = (text: string) => process.stderr.write(`[spate ${new Date().toISOString().slice(11, 19)}] report: ${text}\n`)

function fail (message: string): never {
  process.stderr.write(`[spate] error: ${message}\n`)
  process.exit(1)
}

function parseTime (flag: string, raw: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw) / 1000
  if (!Number.isFinite(seconds)) fail(`${flag} ${JSON.stringify(raw)} is not a time; use ISO 8601 (2026-01-31T12:00:00Z) or Unix seconds`)
  return seconds
}

/** The script's name from the JUnit file that handleSummary wrote with the summary (suite spate.<script>). */
function scriptFromJunit (summaryPath: string): string | undefined {
  try {
    const junit = join(dirname(summaryPath), 'k6-junit.xml')
    if (Math.abs(statSync(junit).mtimeMs - statSync(summaryPath).mtimeMs) > 10_000) return undefined
    const name = /<testsuite name="spate\.([A-Za-z0-9_-]+)"/.exec(readFileSync(junit, 'utf8'))?.[1]
    return name ? `scripts/${name}.js` : undefined
  } catch {
    return undefined
  }
}

function parse () {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        from: { type: 'string' }, to: { type: 'string' }, summary: { type: 'string' }, out: { type: 'string' },
        script: { type: 'string' }, prometheus: { type: 'string' }, help: { type: 'boolean' },
      },
    })
  } catch (error) {
    return fail(`${(error as Error).message.split(/\.\s/)[0]}; see --help`)
  }
}

const args = parse()
if (args.values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const [runId, ...extra] = args.positionals
if (!runId) fail('no run id given; pass the testid of the run: task report -- <run id> (the main job prints "run id main-..."; `curl $SPATE_PROMETHEUS_URL/api/v1/label/testid/values` lists them)')
if (extra.length) fail(`one run id at a time, got ${args.positionals.join(' ')}`)
const prometheusUrl = args.values.prometheus ?? process.env.SPATE_PROMETHEUS_URL
if (!prometheusUrl) fail('SPATE_PROMETHEUS_URL is not set; eval "$(stack/stack.sh env)" first (task report does), or pass --prometheus http://host:port')
const reportDir = process.env.SPATE_REPORT_DIR ?? join(root, 'reports')
const summaryPath = args.values.summary ?? join(reportDir, 'k6-summary.json')
const from = args.values.from === undefined ? undefined : parseTime('--from', args.values.from)
const to = args.values.to === undefined ? undefined : parseTime('--to', args.values.to)

try {
  const written = await writeReport({
    prometheusUrl,
    runId,
    summaryPath,
    outPath: args.values.out ?? join(reportDir, `run-${runId}.html`),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    script: args.values.script ?? scriptFromJunit(summaryPath),
    log: say,
  })
  process.stdout.write(`${written.path}\n`)
} catch (error) {
  fail(error instanceof ReportError ? error.message : `the report failed: ${(error as Error).message}`)
}
