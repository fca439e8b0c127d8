// Invalid options, chosen by BAD: each must stop the run with 104 and one line.
const bad = __ENV.BAD
const cases = {
  executor: { scenarios: { s: { executor: 'constant-arrival-rat', rate: 1, duration: '1s', preAllocatedVUs: 1 } } },
  rate: { scenarios: { s: { executor: 'constant-arrival-rate', rate: -5, duration: '1s', preAllocatedVUs: 1 } } },
  percentile: { thresholds: { iterations: ['p(101)<5'] } },
  aggregation: { thresholds: { iteration_duration: ['count>1'] } },
  metric: { thresholds: { iteratons: ['count>1'] } },
  option: { vuz: 3 },
}
export const options = cases[bad]

export default function () {}
