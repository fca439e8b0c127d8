// Metrics with known values and thresholds that hold or break on purpose, one per aggregation,
// operator and selector; the test reads each verdict from the summary.
import { Counter, Gauge, Rate, Trend } from 'k6/metrics'

const c = new Counter('t_counter')
const g = new Gauge('t_gauge')
const r = new Rate('t_rate')
const t = new Trend('t_trend', true)

export const options = {
  scenarios: { once: { executor: 'shared-iterations', vus: 1, iterations: 1 } },
  thresholds: {
    t_counter: ['count==10', 'count>10', 'rate>0'],
    t_gauge: ['value===7', 'value!=7'],
    t_rate: ['rate==0.25', 'rate>=0.5'],
    t_trend: ['avg==50.5', 'min==1', 'max==100', 'med<=51', 'p(90)<95', 'p(90)>95', 'p(99) < 1000'],
    't_trend{kind:odd}': ['max<=99', 'max<99'],
  },
}

export default function () {
  for (let i = 0; i < 10; i++) c.add(1)
  g.add(3)
  g.add(7)
  for (let i = 0; i < 4; i++) r.add(i === 0)
  for (let v = 1; v <= 100; v++) t.add(v, { kind: v % 2 === 1 ? 'odd' : 'even' })
}
