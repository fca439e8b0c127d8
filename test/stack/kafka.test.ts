import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Admin, Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import { stack, uniqueName } from '../helpers.ts'

test('a record produced with acks=all is consumed back with its key, value and headers', { timeout: 30_000 }, async (t) => {
  const bootstrapBrokers = stack.kafkaBrokers()
  const topic = uniqueName('stack-kafka')
  const admin = new Admin({ clientId: 'spate-test', bootstrapBrokers })
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.close()
  })
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 })

  const producer = new Producer({ clientId: 'spate-test', bootstrapBrokers, serializers: stringSerializers, acks: ProduceAcks.ALL })
  t.after(() => producer.close())
  const value = uniqueName('value')
  await producer.send({ messages: [{ topic, key: 'k1', value, headers: { origin: 'stack-test' } }] })

  const consumer = new Consumer({
    clientId: 'spate-test',
    groupId: uniqueName('stack-kafka-group'),
    bootstrapBrokers,
    deserializers: stringDeserializers,
    maxWaitTime: 500,
  })
  t.after(() => consumer.close(true))
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  let received
  for await (const message of stream) {
    received = message
    break
  }
  assert.ok(received, 'the stream ended without a record')
  assert.equal(received.topic, topic)
  assert.equal(received.key, 'k1')
  assert.equal(received.value, value)
  assert.equal(received.headers.get('origin'), 'stack-test')
})

test('topics are not created on first use: producing to an unknown topic fails', async (t) => {
  const producer = new Producer({
    clientId: 'spate-test',
    bootstrapBrokers: stack.kafkaBrokers(),
    serializers: stringSerializers,
    acks: ProduceAcks.ALL,
    retries: 1,
  })
  t.after(() => producer.close())
  const topic = uniqueName('never-created')
  await assert.rejects(producer.send({ messages: [{ topic, value: 'x' }] }), { message: `Unknown topic ${topic}.` })
})
