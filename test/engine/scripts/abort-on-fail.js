// A threshold with abortOnFail that breaks at once: the run must stop long before its 60 s.
import { Counter } from 'k6/metrics'

const bad = new Counter('bad_things')

export const options = {
  scenarios: { load: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '60s', preAllocatedVUs: 2 } },
  thresholds: { bad_things: [{ threshold: 'count<1', abortOnFail: true, delayAbortEval: '1s' }] },
}

export default function () {
  bad.add(1)
}
