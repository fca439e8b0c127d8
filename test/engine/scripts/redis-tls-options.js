// k6/x/redis through TLS with the options object: the CA handed over as PEM text read by
// open() in the init context, the ACL user and password from the environment.
import { check } from 'k6'
import { Client } from 'k6/x/redis'

export const options = {
  iterations: 5,
  thresholds: { checks: ['rate==1'] },
}

const client = new Client({
  socket: {
    host: __ENV.REDIS_HOST,
    port: Number(__ENV.REDIS_PORT),
    tls: __ENV.REDIS_CA_FILE ? { ca: [open(__ENV.REDIS_CA_FILE)] } : {},
  },
  username: __ENV.REDIS_USERNAME,
  password: __ENV.REDIS_PASSWORD,
  clientName: 'spate-tls-options',
})

export default async function () {
  const key = `spate-test:tls-options:${__ENV.RUN}:${__ITER}`
  await client.set(key, 'through TLS', 60)
  check(await client.get(key), { 'value read back over TLS': (v) => v === 'through TLS' })
  check(await client.sendCommand('CLIENT', 'GETNAME'), { 'client name set': (v) => v === 'spate-tls-options' })
  await client.del(key)
}
