import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PartitionWindows, type ClosedWindow } from '../src/window/partition-windows.ts'
import { mixSeq } from '../../contract/seq-hash.ts'

const options = { size: 10_000, lateness: 2_000, extraCount: 1 }

function feed (state: PartitionWindows, records: Array<[eventTime: number, key: string, value: number, seq: number]>): number[] {
  const late: number[] = []
  for (const [eventTime, key, value, seq] of records) {
    if (!state.add(key, eventTime, 'run-1', seq, { value, extras: [value * 10] })) late.push(seq)
  }
  return late
}

function summary (windows: ClosedWindow[]) {
  return windows.map((w) => ({
    start: w.start,
    end: w.end,
    keys: Object.fromEntries([...w.keys].map(([k, a]) => [k, [a.count, a.sum, a.min, a.max, a.extras[0]]])),
    run: w.runs.get('run-1')?.count,
  }))
}

test('tumbling windows aggregate per key, accept out-of-order records and reject late ones', () => {
  const state = new PartitionWindows(0, options)
  const late = feed(state, [
    [1_000, 'a', 1, 0],
    [3_000, 'b', 2, 1],
    [2_000, 'a', 3, 2], // out of order, window still open
    [12_000, 'a', 4, 3], // watermark 10 000: window [0, 10 000) may close
    [9_000, 'b', 5, 4], // its window has closed: late
    [11_000, 'b', 6, 5],
    [8_500, 'c', 7, 6], // late as well
  ])
  assert.deepEqual(late, [4, 6])
  assert.deepEqual(summary(state.takeClosed()), [
    { start: 0, end: 10_000, keys: { a: [2, 4, 1, 3, 40], b: [1, 2, 2, 2, 20] }, run: 3 },
  ])
  assert.deepEqual(feed(state, [[25_000, 'a', 8, 7]]), [])
  assert.deepEqual(summary(state.takeClosed()), [
    { start: 10_000, end: 20_000, keys: { a: [1, 4, 4, 4, 40], b: [1, 6, 6, 6, 60] }, run: 2 },
  ])
  assert.equal(state.openWindows, 1)
  assert.equal(state.watermark, 23_000)
})

test('a record exactly at the allowed lateness is still on time', () => {
  const state = new PartitionWindows(0, options)
  feed(state, [[11_999, 'a', 1, 0]]) // watermark 9 999 < 10 000
  assert.deepEqual(feed(state, [[9_999, 'a', 1, 1]]), [])
  feed(state, [[12_000, 'a', 1, 2]]) // watermark 10 000: [0, 10 000) closes
  assert.deepEqual(feed(state, [[9_999, 'a', 1, 3]]), [3])
})

test('a snapshot restores to a state that produces the same windows as the original', () => {
  const records: Array<[number, string, number, number]> = Array.from({ length: 200 }, (_, i) => [i * 137 % 30_000 + Math.floor(i / 50) * 5_000, `k${i % 7}`, i % 13, i])
  const original = new PartitionWindows(3, options)
  feed(original, records.slice(0, 120))
  original.nextOffset = 120n
  const restored = PartitionWindows.restore(JSON.parse(JSON.stringify(original.snapshot())), options)
  assert.equal(restored.nextOffset, 120n)
  const lateA = feed(original, records.slice(120))
  const lateB = feed(restored, records.slice(120))
  assert.deepEqual(lateB, lateA)
  feed(original, [[1_000_000, 'z', 0, 999]])
  feed(restored, [[1_000_000, 'z', 0, 999]])
  assert.deepEqual(summary(restored.takeClosed()), summary(original.takeClosed()))
})

test('a caught-up idle partition closes its windows once the clock has passed them', () => {
  const state = new PartitionWindows(0, options)
  const now = 1_000_000
  feed(state, [[now - 30_000, 'a', 1, 0], [now - 15_000, 'a', 1, 1]])
  state.lastRecordAt = now - 1_000
  assert.equal(state.advanceIfIdle(now, 5_000, true), false, 'not idle for long enough yet')
  state.lastRecordAt = now - 6_000
  assert.equal(state.advanceIfIdle(now, 5_000, false), false, 'records are still waiting to be read: not idle')
  assert.equal(state.advanceIfIdle(now, 5_000, true), true)
  assert.deepEqual(state.takeClosed().map((w) => w.start), [now - 30_000, now - 20_000])
  assert.equal(state.openWindows, 0)
})

test('the ledger hash tells a lost record masked by a duplicate from the real set', () => {
  const sum = (seqs: number[]) => seqs.reduce((h, s) => (h + mixSeq(s)) >>> 0, 0)
  // Same count and same seq sum: 1 + 4 == 2 + 3.
  assert.notEqual(sum([1, 4, 7]), sum([2, 3, 7]))
  assert.notEqual(sum([0, 1, 2]), sum([0, 1, 1]))
  assert.equal(sum([5, 9, 2]), sum([2, 5, 9]))
})
