import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createClient } from 'redis'
import { stack, uniqueName } from '../helpers.ts'

test('Redis answers SET then GET with the value written', async (t) => {
  const client = createClient({ url: stack.redisUrl() })
  await client.connect()
  t.after(() => client.close())
  const key = uniqueName('stack-redis')
  const value = uniqueName('value')
  assert.equal(await client.set(key, value, { expiration: { type: 'EX', value: 60 } }), 'OK')
  assert.equal(await client.get(key), value)
  assert.equal(await client.del(key), 1)
  assert.equal(await client.get(key), null)
})
