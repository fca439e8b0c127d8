import assert from 'node:assert/strict'
import { test } from 'node:test'
import { run, stack } from '../helpers.ts'

interface QueryResponse {
  status: string
  data: { resultType: string, result: Array<{ metric: Record<string, string>, value: [number, string] }> }
}

test('Prometheus answers a PromQL query about its own scrape', async () => {
  // Prometheus scrapes itself every 5 s; the first scrape may still be on its way.
  const deadline = Date.now() + 20_000
  let body: QueryResponse | undefined
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.prometheusUrl()}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}`)
    assert.equal(response.status, 200)
    body = await response.json() as QueryResponse
    if (body.data.result.length > 0) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  assert.ok(body, 'no answer from Prometheus')
  assert.equal(body.status, 'success')
  assert.equal(body.data.resultType, 'vector')
  assert.equal(body.data.result[0]?.value[1], '1')
})

test('Prometheus accepts remote write and has native histograms on', async () => {
  const response = await fetch(`${stack.prometheusUrl()}/api/v1/status/flags`)
  const flags = (await response.json() as { data: Record<string, string> }).data
  assert.equal(flags['web.enable-remote-write-receiver'], 'true')
  assert.match(flags['enable-feature'] ?? '', /native-histograms/)
  // A remote-write endpoint that is off answers 404; on, an empty body is a bad request.
  const write = await fetch(`${stack.prometheusUrl()}/api/v1/write`, { method: 'POST', body: '' })
  assert.notEqual(write.status, 404)
})

test('up on a running Prometheus reloads the config and rules of this checkout', async () => {
  // The reload time comes from Prometheus itself (its own metrics, read through /metrics).
  const reloadedAt = async (): Promise<number> => {
    const text = await (await fetch(`${stack.prometheusUrl()}/metrics`)).text()
    const line = /^prometheus_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(text)
    assert.ok(line, 'Prometheus reports its last config reload')
    return Number(line[1])
  }
  const before = await reloadedAt()
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const result = await run('stack/stack.sh', ['up', 'prometheus'])
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stderr + result.stdout, /prometheus already running .*reused/)
  assert.ok(await reloadedAt() > before, 'the reused Prometheus reloaded its configuration')
})
