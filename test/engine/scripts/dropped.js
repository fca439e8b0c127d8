// An arrival rate one VU cannot serve: each iteration takes 200 ms, five are due every 100 ms.
import { sleep } from 'k6'

export const options = {
  scenarios: {
    load: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '2s', preAllocatedVUs: 1, maxVUs: 1 },
  },
  thresholds: { dropped_iterations: ['count==0'] },
}

export default function () {
  sleep(0.2)
}
