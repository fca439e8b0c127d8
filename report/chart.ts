// Line charts as inline SVG, rendered on the server: the report opens in any browser without
// network access or scripts. Every chart carries its own title, axes with units, time labels in
// UTC and a legend; a series without samples is named in the legend as "no data", and a chart
// whose series are all empty says so across its plot area instead of staying blank.

/** One sample: time in Unix seconds, value in the chart's unit (NaN where the query had none). */
export interface Point { t: number, v: number }

export type Unit = 'records/s' | 'records' | 'seconds'

export interface Series {
  name: string
  points: Point[]
  color: string
  /** Stroke width in pixels (default 2). */
  width?: number
  /** 'reference': one value for the whole run, drawn as a dashed horizontal line. */
  kind?: 'line' | 'reference'
}

export interface Chart {
  id: string
  title: string
  /** One sentence under the chart: what is plotted and from which metric. */
  caption: string
  unit: Unit
  series: Series[]
  /** Unix seconds. */
  from: number
  to: number
  /** Query resolution in seconds: a gap wider than about two steps breaks a line. */
  step: number
  /** Shown when every series is empty: the likely reason. */
  emptyHint: string
  /** The PromQL behind each series, for the report's appendix. */
  queries: Array<{ series: string, query: string }>
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']

const WIDTH = 920
const PLOT = { left: 78, right: 24, top: 44, height: 230 }
const LEGEND_ROW = 20
const CHAR = 7 // approximate width of one 12px character

export function escapeHtml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** A step of 1, 2, 2.5 or 5 times a power of ten, giving about `count` intervals over span. */
export function niceStep (span: number, count = 5): number {
  if (!(span > 0)) return 1
  const raw = span / count
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * power) return m * power
  return 10 * power
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400]

/** Time ticks at round UTC seconds, at most about eight of them. */
export function timeTicks (from: number, to: number): { ticks: number[], step: number } {
  const span = to - from
  const step = TIME_STEPS.find((s) => span / s <= 8) ?? Math.ceil(span / 8 / 86_400) * 86_400
  const ticks: number[] = []
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t)
  return { ticks, step }
}

export function formatTime (t: number, withSeconds = true): string {
  const iso = new Date(t * 1000).toISOString()
  return withSeconds ? iso.slice(11, 19) : iso.slice(11, 16)
}

/** A number for an axis or a label: 12, 1.5, 12.3k, 4.56M. */
export function formatNumber (value: number): string {
  const abs = Math.abs(value)
  const trim = (text: string) => text.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1')
  if (abs >= 1e9) return trim((value / 1e9).toFixed(2)) + 'G'
  if (abs >= 1e6) return trim((value / 1e6).toFixed(2)) + 'M'
  if (abs >= 1e4) return trim((value / 1e3).toFixed(1)) + 'k'
  if (abs >= 100 || Number.isInteger(value)) return String(Math.round(value))
  if (abs >= 1) return trim(value.toFixed(2))
  return trim(value.toPrecision(2))
}

/** How values of a unit are shown: durations under a second switch to milliseconds. */
export function displayScale (unit: Unit, max: number): { factor: number, label: string, suffix: string } {
  if (unit === 'seconds') return max < 1 ? { factor: 1000, label: 'milliseconds', suffix: ' ms' } : { factor: 1, label: 'seconds', suffix: ' s' }
  return { factor: 1, label: unit, suffix: unit === 'records/s' ? ' records/s' : ' records' }
}

function finite (series: Series): Point[] {
  return series.points.filter((p) => Number.isFinite(p.v))
}

/** Runs of consecutive finite samples, split where a sample is missing or a gap is too wide. */
export function segments (points: Point[], step: number): Point[][] {
  const out: Point[][] = []
  let current: Point[] = []
  let last: Point | undefined
  for (const p of points) {
    if (!Number.isFinite(p.v)) {
      if (current.length) out.push(current)
      current = []
      last = undefined
      continue
    }
    if (last && p.t - last.t > step * 2.5) {
      out.push(current)
      current = []
    }
    current.push(p)
    last = p
  }
  if (current.length) out.push(current)
  return out
}

/** Words into lines of at most `width` characters. */
export function wrap (text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  if (line) lines.push(line)
  return lines
}

interface LegendItem { label: string, color: string, dashed: boolean, empty: boolean, name: string }

function layoutLegend (items: LegendItem[]): Array<LegendItem & { x: number, row: number }> {
  const placed: Array<LegendItem & { x: number, row: number }> = []
  const maxX = WIDTH - PLOT.right
  let x = PLOT.left
  let row = 0
  for (const item of items) {
    const width = 26 + item.label.length * CHAR + 18
    if (x + width > maxX && x > PLOT.left) {
      row++
      x = PLOT.left
    }
    placed.push({ ...item, x, row })
    x += width
  }
  return placed
}

/** The chart as an SVG element (a string), sized to its legend. */
export function renderChart (chart: Chart): string {
  const { from, to } = chart
  const span = Math.max(1, to - from)
  const values = chart.series.flatMap((s) => finite(s).map((p) => p.v))
  const empty = values.length === 0
  const rawMax = empty ? 0 : Math.max(...values)
  const scale = displayScale(chart.unit, rawMax)
  const shownMax = rawMax * scale.factor
  // Records come in whole numbers: no tick between 0 and 1 of them.
  const yStep = chart.unit === 'seconds' ? niceStep(shownMax > 0 ? shownMax : 1) : Math.max(1, niceStep(shownMax))
  const yMax = Math.max(yStep, Math.ceil((shownMax * 1.05) / yStep) * yStep)
  const plotWidth = WIDTH - PLOT.left - PLOT.right
  const x = (t: number) => PLOT.left + ((t - from) / span) * plotWidth
  const y = (v: number) => PLOT.top + PLOT.height - ((v * scale.factor) / yMax) * PLOT.height
  const fmt = (v: number) => v.toFixed(1).replace(/\.0$/, '')

  const legend = layoutLegend(chart.series.map((s) => {
    const hasData = finite(s).length > 0
    const latest = finite(s).at(-1)
    const label = !hasData
      ? `${s.name}: no data`
      : s.kind === 'reference' && latest ? `${s.name} = ${formatNumber(latest.v * scale.factor)}${scale.suffix}` : s.name
    return { label, color: s.color, dashed: s.kind === 'reference', empty: !hasData, name: s.name }
  }))
  const legendTop = PLOT.top + PLOT.height + 60
  const rows = legend.length ? Math.max(...legend.map((item) => item.row)) + 1 : 0
  const height = legendTop + rows * LEGEND_ROW + 6

  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(chart.title)}" font-family="system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif" font-size="12">`)
  parts.push(`<text class="chart-title" x="${PLOT.left}" y="22" font-size="16" font-weight="600" fill="#111">${escapeHtml(chart.title)}</text>`)
  parts.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${plotWidth}" height="${PLOT.height}" fill="#fcfcfd" stroke="#d0d4da"/>`)

  // Y axis: grid lines, tick labels, unit.
  for (let v = 0; v <= yMax + yStep / 1e6; v += yStep) {
    const py = PLOT.top + PLOT.height - (v / yMax) * PLOT.height
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.left + plotWidth}" y1="${fmt(py)}" y2="${fmt(py)}" stroke="#e6e8ec"/>`)
    parts.push(`<text class="y-tick" x="${PLOT.left - 8}" y="${fmt(py + 4)}" text-anchor="end" fill="#444">${formatNumber(v)}</text>`)
  }
  const midY = PLOT.top + PLOT.height / 2
  parts.push(`<text class="y-unit" x="18" y="${midY}" transform="rotate(-90 18 ${midY})" text-anchor="middle" fill="#333">${escapeHtml(scale.label)}</text>`)

  // X axis: time ticks in UTC.
  const { ticks, step: tickStep } = timeTicks(from, to)
  for (const t of ticks) {
    const px = x(t)
    parts.push(`<line x1="${fmt(px)}" x2="${fmt(px)}" y1="${PLOT.top}" y2="${PLOT.top + PLOT.height}" stroke="#eef0f3"/>`)
    parts.push(`<line x1="${fmt(px)}" x2="${fmt(px)}" y1="${PLOT.top + PLOT.height}" y2="${PLOT.top + PLOT.height + 5}" stroke="#888"/>`)
    parts.push(`<text class="x-tick" x="${fmt(px)}" y="${PLOT.top + PLOT.height + 18}" text-anchor="middle" fill="#444">${formatTime(t, tickStep < 60)}</text>`)
  }
  parts.push(`<text class="x-unit" x="${PLOT.left + plotWidth / 2}" y="${PLOT.top + PLOT.height + 36}" text-anchor="middle" fill="#333">time (UTC)</text>`)

  // Series.
  for (const s of chart.series) {
    const pts = finite(s)
    const width = s.width ?? 2
    const max = pts.length ? String(Math.max(...pts.map((p) => p.v))) : ''
    parts.push(`<g class="series" data-series="${escapeHtml(s.name)}" data-kind="${s.kind ?? 'line'}" data-samples="${pts.length}" data-max="${max}">`)
    if (s.kind === 'reference') {
      const latest = pts.at(-1)
      if (latest) {
        const py = fmt(y(latest.v))
        parts.push(`<line class="reference" x1="${PLOT.left}" x2="${PLOT.left + plotWidth}" y1="${py}" y2="${py}" stroke="${s.color}" stroke-width="${width}" stroke-dasharray="7 5"><title>${escapeHtml(`${s.name}: ${formatNumber(latest.v * scale.factor)}${scale.suffix}`)}</title></line>`)
      }
    } else {
      for (const run of segments(s.points, chart.step)) {
        if (run.length === 1) {
          const p = run[0] as Point
          parts.push(`<circle cx="${fmt(x(p.t))}" cy="${fmt(y(p.v))}" r="${width + 1}" fill="${s.color}"/>`)
        } else {
          parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="${width}" stroke-linejoin="round" points="${run.map((p) => `${fmt(x(p.t))},${fmt(y(p.v))}`).join(' ')}"/>`)
        }
      }
      // Hover labels on every sample of the main series (not on per-partition detail lines).
      if (width >= 2) {
        for (const p of pts) {
          parts.push(`<circle class="hover" cx="${fmt(x(p.t))}" cy="${fmt(y(p.v))}" r="4" fill="transparent"><title>${escapeHtml(`${s.name} at ${formatTime(p.t)} UTC: ${formatNumber(p.v * scale.factor)}${scale.suffix}`)}</title></circle>`)
        }
      }
    }
    parts.push('</g>')
  }

  if (empty) {
    parts.push(`<g class="no-data" data-no-data="chart"><text x="${PLOT.left + plotWidth / 2}" y="${midY - 6}" text-anchor="middle" font-size="22" font-weight="600" fill="#b42318">no data</text>`)
    const lines = wrap(chart.emptyHint, Math.floor((plotWidth - 40) / CHAR))
    parts.push(`<text x="${PLOT.left + plotWidth / 2}" y="${midY + 18}" text-anchor="middle" fill="#555">${lines.map((line, i) => `<tspan x="${PLOT.left + plotWidth / 2}" dy="${i === 0 ? 0 : 16}">${escapeHtml(line)}</tspan>`).join('')}</text></g>`)
  }

  // Legend, under the axis.
  for (const item of legend) {
    const ly = legendTop + item.row * LEGEND_ROW
    const cls = item.empty ? 'legend-item no-data' : 'legend-item'
    parts.push(`<g class="${cls}" data-series="${escapeHtml(item.name)}"${item.empty ? ' data-no-data="series"' : ''}>`)
    parts.push(item.empty
      ? `<rect x="${item.x}" y="${ly - 6}" width="20" height="8" fill="none" stroke="#999" stroke-dasharray="3 2"/>`
      : `<line x1="${item.x}" x2="${item.x + 20}" y1="${ly - 2}" y2="${ly - 2}" stroke="${item.color}" stroke-width="3"${item.dashed ? ' stroke-dasharray="6 3"' : ''}/>`)
    parts.push(`<text x="${item.x + 26}" y="${ly + 2}" fill="${item.empty ? '#b42318' : '#222'}"${item.empty ? ' font-style="italic"' : ''}>${escapeHtml(item.label)}</text></g>`)
  }
  parts.push('</svg>')
  return parts.join('\n')
}
