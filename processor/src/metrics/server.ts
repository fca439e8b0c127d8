// /metrics for Prometheus, /healthz (the process is alive), /readyz (consuming).
import { createServer, type Server } from 'node:http'
import { prometheusContentType } from 'prom-client'

export function startMetricsServer (options: { host: string, port: number, metrics: () => Promise<string>, ready: () => boolean }): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    if (path === '/metrics') {
      options.metrics().then(
        (body) => response.writeHead(200, { 'Content-Type': prometheusContentType }).end(body),
        (error: Error) => response.writeHead(500).end(error.message),
      )
    } else if (path === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n')
    } else if (path === '/readyz') {
      const ready = options.ready()
      response.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n')
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('try /metrics, /healthz or /readyz\n')
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve(server))
  })
}
