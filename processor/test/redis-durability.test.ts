// A Redis crash that loses acknowledged writes (appendfsync everysec drops up to about a second)
// loses no result: windows written within redis.confirmAfter are kept in memory and in the
// checkpoint, and written again once Redis comes back with a new run id. The test makes the
// loss total and certain: Redis is killed -9 and its data directory emptied before it restarts.
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { isolatedStack, root, run } from '../../test/helpers.ts'
import { eventually, expectedTotals, isolate, ledgerTotals, produce, redisClient, startProcessor, workload } from './helpers.ts'

const flags = ['--redis.confirmAfter=2m', '--window.idleTimeout=1s', '--window.allowedLateness=1s', '--checkpoint.interval=300ms', '--kafka.sessionTimeout=6s']

for (const processorAlsoCrashes of [false, true]) {
  const name = processorAlsoCrashes
    ? 'Redis loses every write and the processor is killed -9 too: the restarted processor rewrites the windows from its checkpoint'
    : 'Redis loses every write: the running processor sees the new Redis and rewrites the windows it had not confirmed'
  test(name, { timeout: 180_000 }, async (t) => {
    const { env, runDir } = await isolatedStack(t)
    const stackScript = join(root, 'stack/stack.sh')
    assert.equal((await run(stackScript, ['up', 'redis'], { env })).code, 0)
    const url = `redis://127.0.0.1:${env.SPATE_REDIS_PORT}`
    const iso = await isolate(t, 2)
    const runId = 'lost-writes'
    const records = workload(20_000, 2)
    await produce(iso.topic, records, runId)
    const expected = expectedTotals(records)

    let processor = await startProcessor(t, iso, [...flags, `--redis.url=${url}`])
    const redis = await redisClient(t, url)
    await eventually(async () => (await ledgerTotals(redis, iso.prefix, runId)).count === expected.count, 90_000, () => processor.output())

    // Redis dies and comes back without any of it.
    const pid = Number((await readFile(join(runDir, 'pids/redis.pid'), 'utf8')).split(' ')[0])
    process.kill(pid, 'SIGKILL')
    await eventually(async () => { try { process.kill(pid, 0); return false } catch { return true } }, 10_000, () => 'redis did not exit')
    await rm(join(runDir, 'redis/data'), { recursive: true, force: true })
    if (processorAlsoCrashes) {
      processor.child.kill('SIGKILL')
      await processor.exited
    }
    assert.equal((await run(stackScript, ['up', 'redis'], { env })).code, 0)
    if (processorAlsoCrashes) processor = await startProcessor(t, iso, [...flags, `--redis.url=${url}`])

    const fresh = await redisClient(t, url)
    await eventually(async () => (await ledgerTotals(fresh, iso.prefix, runId)).count === expected.count, 90_000,
      async () => `ledger ${JSON.stringify(await ledgerTotals(fresh, iso.prefix, runId))}, expected ${JSON.stringify(expected)}\n${processor.output()}`)
    assert.deepEqual(await ledgerTotals(fresh, iso.prefix, runId), expected)
    // Counted once the whole rewrite has landed, a moment after the ledger is complete.
    await eventually(async () => (await processor.metric('spate_windows_rewritten_total')) > 0, 10_000, () => `no window counted as rewritten:\n${processor.output()}`)
  })
}
