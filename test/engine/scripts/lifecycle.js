// setup data is copied to every VU (each VU's mutations stay its own), teardown gets the
// original, and handleSummary receives k6's data shape. ABORT=setup|iteration|init makes the
// script abort there; THROW=init throws in init code; SLEEP=<s> makes iterations sleep.
import exec from 'k6/execution'
import { check, group, sleep } from 'k6'
import { Counter } from 'k6/metrics'

const seen = new Counter('seen')

if (__ENV.THROW === 'init') throw new Error('init code failed on purpose')
if (__ENV.ABORT === 'init') exec.test.abort('init abort on purpose')

export const options = {
  scenarios: {
    work: { executor: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: '60s' },
  },
  thresholds: { checks: ['rate==1'] },
}

export function setup () {
  if (__ENV.ABORT === 'setup') exec.test.abort('setup abort on purpose')
  return { n: 1, from: 'setup' }
}

export default function (data) {
  if (__ENV.ABORT === 'iteration') exec.test.abort('iteration abort on purpose')
  if (__ENV.SLEEP) sleep(Number(__ENV.SLEEP))
  data.n++
  seen.add(1, { vu: String(exec.vu.idInInstance), n: String(data.n) })
  group('outer', () => {
    group('inner', () => {
      check(data, { 'has n': (d) => d.n > 1 })
    })
  })
}

export function teardown (data) {
  console.log(`teardown data ${JSON.stringify(data)}`)
}

export function handleSummary (data) {
  return { [__ENV.SUMMARY_OUT || 'summary.json']: JSON.stringify(data) }
}
