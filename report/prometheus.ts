// The few Prometheus HTTP API calls the report needs, with one-line errors that name the server
// and the fix.

/** A problem the user can fix: reported as its message alone, on one line, without a stack. */
export class ReportError extends Error {
  override name = 'ReportError'
}

export interface RangeSeries {
  metric: Record<string, string>
  /** [Unix seconds, value as Prometheus prints it ("NaN" included)]. */
  values: Array<[number, string]>
}

interface ApiAnswer {
  status?: string
  error?: string
  data?: unknown
}

export class Prometheus {
  readonly url: string

  constructor (url: string, private readonly timeoutMs = 20_000) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) {
      throw new ReportError(`the Prometheus URL ${JSON.stringify(url)} is not an http(s) URL; set SPATE_PROMETHEUS_URL (eval "$(stack/stack.sh env)") or pass --prometheus http://host:port`)
    }
    this.url = url.replace(/\/+$/, '')
  }

  private async get (path: string, params: Record<string, string>): Promise<unknown> {
    const address = `${this.url}${path}?${new URLSearchParams(params).toString()}`
    let response: Response
    try {
      response = await fetch(address, { signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (error) {
      const e = error as Error & { cause?: { code?: string, message?: string } }
      const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : e.cause?.code ?? e.cause?.message ?? e.message
      throw new ReportError(`Prometheus at ${this.url} is not reachable (${why}); start the local stack with \`task up\`, or point SPATE_PROMETHEUS_URL (or --prometheus) at a running Prometheus`)
    }
    const body = await response.json().catch(() => undefined) as ApiAnswer | undefined
    if (!response.ok || body?.status !== 'success') {
      const detail = body?.error ? `: ${body.error}` : ''
      throw new ReportError(`Prometheus at ${this.url} answered HTTP ${response.status} to ${path}${detail}; check that SPATE_PROMETHEUS_URL (or --prometheus) is a Prometheus server`)
    }
    return body.data
  }

  /** A range query: one sample per step from start to end (Unix seconds). */
  async queryRange (query: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    const data = await this.get('/api/v1/query_range', { query, start: start.toFixed(3), end: end.toFixed(3), step: `${step}s` }) as { result: RangeSeries[] }
    return data.result.map((s) => ({ metric: s.metric, values: s.values.map(([t, v]) => [Number(t), v] as [number, string]) }))
  }

  /** An instant query whose result is a matrix (a range selector): the raw samples. */
  async querySamples (query: string, time: number): Promise<RangeSeries[]> {
    const data = await this.get('/api/v1/query', { query, time: time.toFixed(3) }) as { resultType: string, result: RangeSeries[] }
    if (data.resultType !== 'matrix') throw new Error(`expected a matrix from ${query}, got ${data.resultType}`)
    return data.result.map((s) => ({ metric: s.metric, values: s.values.map(([t, v]) => [Number(t), v] as [number, string]) }))
  }

  /** An instant query whose result is a vector: [labels, value] per series. */
  async queryVector (query: string, time?: number): Promise<Array<{ metric: Record<string, string>, value: number }>> {
    const params: Record<string, string> = { query }
    if (time !== undefined) params.time = time.toFixed(3)
    const data = await this.get('/api/v1/query', params) as { resultType: string, result: Array<{ metric: Record<string, string>, value: [number, string] }> }
    if (data.resultType !== 'vector') throw new Error(`expected a vector from ${query}, got ${data.resultType}`)
    return data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }))
  }

  async labelValues (label: string): Promise<string[]> {
    return await this.get(`/api/v1/label/${encodeURIComponent(label)}/values`, {}) as string[]
  }
}

/**
 * Waits until Prometheus holds a successful scrape of `job` taken at or after `after` (Unix seconds), so
 * that a query includes the target's final state. Returns false after timeoutMs without one.
 */
export async function waitForScrape (prometheus: Prometheus, job: string, after: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // The raw samples of `up`: timestamp() of a filtered vector would be the evaluation time.
    const samples = await prometheus.querySamples(`up{job=${JSON.stringify(job)}}[1m]`, Date.now() / 1000)
    if (samples.some((s) => s.values.some(([t, v]) => t >= after && v === '1'))) return true
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}
