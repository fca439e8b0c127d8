// One scenario per executor, each short; every iteration start is a sample of `starts` tagged
// with its scenario, so the test reads the start schedule from the JSON output.
import exec from 'k6/execution'
import { sleep } from 'k6'
import { Counter } from 'k6/metrics'

const starts = new Counter('starts')
const only = __ENV.ONLY || ''

const all = {
  cvus: { executor: 'constant-vus', vus: 2, duration: '2s', exec: 'slow' },
  rvus: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 4 }, { duration: '1s', target: 4 }, { duration: '1s', target: 0 }], gracefulRampDown: '0s', exec: 'slow' },
  pvi: { executor: 'per-vu-iterations', vus: 3, iterations: 4, exec: 'fast' },
  shared: { executor: 'shared-iterations', vus: 3, iterations: 10, exec: 'fast' },
  car: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '3s', preAllocatedVUs: 2, maxVUs: 10, exec: 'fast' },
  rar: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', stages: [{ duration: '2s', target: 20 }, { duration: '1s', target: 20 }], preAllocatedVUs: 2, maxVUs: 10, exec: 'fast' },
}

export const options = {
  scenarios: only ? { [only]: all[only] } : all,
}

function mark () {
  starts.add(1, { vu: String(exec.vu.idInInstance), it: String(exec.scenario.iterationInTest) })
}

export function slow () {
  mark()
  sleep(0.5)
}

export function fast () {
  mark()
}
