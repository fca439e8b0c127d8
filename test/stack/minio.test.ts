import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AwsClient } from 'aws4fetch'
import { stack, uniqueName } from '../helpers.ts'

test('MinIO honours If-None-Match: * (the second conditional create gets 412)', async () => {
  const s3 = new AwsClient({
    accessKeyId: stack.s3AccessKeyId(),
    secretAccessKey: stack.s3SecretAccessKey(),
    region: stack.s3Region(),
    service: 's3',
  })
  const url = `${stack.s3Endpoint()}/${stack.s3Bucket()}/${uniqueName('stack-test')}.json`
  const put = (body: string) => s3.fetch(url, { method: 'PUT', body, headers: { 'If-None-Match': '*' } })

  const first = await put('{"writer":"first"}')
  assert.equal(first.status, 200, await first.text())
  const second = await put('{"writer":"second"}')
  assert.equal(second.status, 412, await second.text())

  const stored = await s3.fetch(url)
  assert.equal(await stored.text(), '{"writer":"first"}')
  const removed = await s3.fetch(url, { method: 'DELETE' })
  assert.equal(removed.status, 204)
})
