// The same test split across instances by execution segments: each iteration reports its
// iterationInTest, so the test can check the union is exact and nothing is run twice.
import exec from 'k6/execution'
import { Counter } from 'k6/metrics'

const done = new Counter('done')

export const options = {
  thresholds: { dropped_iterations: ['count==0'] },
  scenarios: {
    // VUs to spare, so that a slow shared machine drops nothing and the counts stay exact.
    rate: { executor: 'constant-arrival-rate', rate: 30, timeUnit: '1s', duration: '2s', preAllocatedVUs: 10, maxVUs: 30, exec: 'work' },
    shared: { executor: 'shared-iterations', vus: 3, iterations: 17, exec: 'work' },
    pervu: { executor: 'per-vu-iterations', vus: 5, iterations: 2, exec: 'work' },
  },
}

export function work () {
  done.add(1, { it: String(exec.scenario.iterationInTest), vu: String(exec.vu.idInTest) })
}
