// Runs for a minute unless stopped: for SIGTERM/SIGINT tests.
import { sleep } from 'k6'
import { Counter } from 'k6/metrics'

const ticks = new Counter('ticks')

export const options = { scenarios: { long: { executor: 'constant-vus', vus: 2, duration: '60s' } } }

export default function () {
  ticks.add(1)
  sleep(0.1)
}

export function teardown () {
  console.log('teardown ran')
}

export function handleSummary (data) {
  return { [__ENV.SUMMARY_OUT]: JSON.stringify(data) }
}
