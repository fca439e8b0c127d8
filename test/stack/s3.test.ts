// The local S3 server's conditional writes, which checkpoint fencing relies on: a create-only PUT
// (If-None-Match: *) and a compare-and-swap PUT (If-Match: <ETag>) must each be atomic per key,
// so that of many writers racing on one key exactly one wins.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AwsClient } from 'aws4fetch'
import { stack, uniqueName } from '../helpers.ts'

const racers = 20

const s3 = new AwsClient({
  accessKeyId: stack.s3AccessKeyId(),
  secretAccessKey: stack.s3SecretAccessKey(),
  region: stack.s3Region(),
  service: 's3',
})

function objectUrl (): string {
  return `${stack.s3Endpoint()}/${stack.s3Bucket()}/${uniqueName('stack-test-s3')}.json`
}

async function put (url: string, body: string, headers: Record<string, string>): Promise<{ status: number, etag: string | null, text: string }> {
  const response = await s3.fetch(url, { method: 'PUT', body, headers })
  return { status: response.status, etag: response.headers.get('etag'), text: await response.text() }
}

async function read (url: string): Promise<string> {
  const response = await s3.fetch(url)
  assert.equal(response.status, 200)
  return response.text()
}

async function remove (url: string): Promise<void> {
  const response = await s3.fetch(url, { method: 'DELETE' })
  await response.body?.cancel()
}

/** Statuses other than the single winner's: a lost race is 412, or 409 where the server saw the writes overlap. */
function assertOneWinner (statuses: number[]): number {
  const winners = statuses.flatMap((status, i) => status === 200 ? [i] : [])
  assert.equal(winners.length, 1, `exactly one of ${statuses.length} racing writers must win, got statuses ${statuses.join(',')}`)
  for (const status of statuses) assert.ok([200, 409, 412].includes(status), `a losing writer got HTTP ${status}`)
  return winners[0]!
}

test('a second create-only PUT of one key gets 412 and leaves the first body in place', async (t) => {
  const url = objectUrl()
  t.after(() => remove(url))
  const first = await put(url, '{"writer":"first"}', { 'If-None-Match': '*' })
  assert.equal(first.status, 200, first.text)
  const second = await put(url, '{"writer":"second"}', { 'If-None-Match': '*' })
  assert.equal(second.status, 412, second.text)
  assert.equal(await read(url), '{"writer":"first"}')
})

test(`of ${racers} concurrent create-only PUTs of one key exactly one gets 200, and its body is stored`, async (t) => {
  const url = objectUrl()
  t.after(() => remove(url))
  const results = await Promise.all(Array.from({ length: racers }, (_, i) =>
    put(url, `{"writer":${i}}`, { 'If-None-Match': '*' })))
  const winner = assertOneWinner(results.map((r) => r.status))
  assert.equal(await read(url), `{"writer":${winner}}`)
})

test('an If-Match PUT with the current ETag replaces the object, and one with a stale ETag gets 412', async (t) => {
  const url = objectUrl()
  t.after(() => remove(url))
  const created = await put(url, '{"version":1}', { 'If-None-Match': '*' })
  assert.equal(created.status, 200, created.text)
  assert.ok(created.etag, 'a PUT answers with an ETag')

  const wrong = await put(url, '{"version":"wrong"}', { 'If-Match': '"00000000000000000000000000000000"' })
  assert.equal(wrong.status, 412, wrong.text)
  const swapped = await put(url, '{"version":2}', { 'If-Match': created.etag })
  assert.equal(swapped.status, 200, swapped.text)
  const stale = await put(url, '{"version":"stale"}', { 'If-Match': created.etag })
  assert.equal(stale.status, 412, stale.text)
  assert.equal(await read(url), '{"version":2}')
})

test(`of ${racers} concurrent If-Match PUTs with the current ETag exactly one gets 200, and its body is stored`, async (t) => {
  const url = objectUrl()
  t.after(() => remove(url))
  const created = await put(url, '{"writer":"creator"}', { 'If-None-Match': '*' })
  assert.equal(created.status, 200, created.text)
  assert.ok(created.etag)
  const results = await Promise.all(Array.from({ length: racers }, (_, i) =>
    put(url, `{"writer":${i}}`, { 'If-Match': created.etag! })))
  const winner = assertOneWinner(results.map((r) => r.status))
  assert.equal(await read(url), `{"writer":${winner}}`)
})
