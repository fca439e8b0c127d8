// The load scripts' messages are what the processor's profiles expect (docs/messages.md).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { message } from '../../scripts/lib/messages.ts'
import { DeadLetter, decode } from '../src/decode/record.ts'
import { logics } from '../src/logic/profiles.ts'

for (const schema of ['basic', 'medium', 'complex'] as const) {
  test(`every ${schema} message from the load scripts passes the ${schema} profile`, () => {
    for (let seq = 0; seq < 2_000; seq++) {
      const m = message(schema, 'run-check', seq, 100, 1_795_000_000_000 + seq)
      const decoded = decode(Buffer.from(m.value), Buffer.from(m.key), 'value', 1024 * 1024)
      assert.ok(!(decoded instanceof DeadLetter), `seq ${seq}: ${JSON.stringify(decoded)}`)
      assert.equal(decoded.seq, seq)
      assert.equal(decoded.key, m.key)
      const contribution = logics[schema].apply(decoded)
      assert.ok(!(contribution instanceof DeadLetter), `seq ${seq}: ${JSON.stringify(contribution)}`)
      assert.equal(contribution.extras.length, logics[schema].extras.length)
    }
  })
}

test('messages are deterministic in (run id, seq) and sized per schema', () => {
  assert.equal(message('complex', 'r', 42, 10, 5).value, message('complex', 'r', 42, 10, 5).value)
  const size = (schema: 'basic' | 'medium' | 'complex') => {
    const sizes = Array.from({ length: 500 }, (_, seq) => message(schema, 'run-abcdef', seq, 1000, 1_795_000_000_000).value.length)
    return [Math.min(...sizes), Math.max(...sizes)] as const
  }
  const [basicMin, basicMax] = size('basic')
  const [, mediumMax] = size('medium')
  const [complexMin, complexMax] = size('complex')
  assert.ok(basicMin >= 100 && basicMax <= 200, `basic ${basicMin}..${basicMax} B`)
  assert.ok(mediumMax > basicMax, 'medium is larger than basic')
  assert.ok(complexMin >= 900 && complexMax <= 2048, `complex ${complexMin}..${complexMax} B`)
})
