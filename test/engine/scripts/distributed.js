// One test for one instance or split across several (execution segments): exact iteration
// counts, a trend, a check, and a whole-test threshold that no half reaches alone. The
// summary goes to __ENV.SUMMARY (or SPATE_REPORT_DIR/k6-summary.json, as the load scripts
// write it) so that `spate merge` can combine the instances' summaries.
import { check } from 'k6'
import { Counter, Trend } from 'k6/metrics'

const done = new Counter('done')
const work = new Trend('work', true)

export const options = {
  thresholds: {
    dropped_iterations: ['count==0'],
    // 41 + 17 + 10 = 68 iterations in the whole test; half of them is not enough.
    done: ['count>=60'],
    work: ['p(99)<1000'],
    checks: ['rate==1'],
  },
  scenarios: {
    rate: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '2s', preAllocatedVUs: 10, maxVUs: 30, exec: 'step' },
    shared: { executor: 'shared-iterations', vus: 3, iterations: 17, exec: 'step' },
    pervu: { executor: 'per-vu-iterations', vus: 5, iterations: 2, exec: 'step' },
  },
}

export function step () {
  const started = Date.now()
  done.add(1)
  check(started, { 'clock is set': (t) => t > 0 })
  work.add(Date.now() - started + (__ITER % 5))
}

export function handleSummary (data) {
  return { [__ENV.SUMMARY || `${__ENV.SPATE_REPORT_DIR}/k6-summary.json`]: JSON.stringify(data) }
}
