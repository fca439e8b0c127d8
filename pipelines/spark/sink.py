"""The job's Redis sink, run from foreachBatch on every micro-batch's updated windows.

Update output mode gives each changed (window, key) with its full aggregates, so a write is an
HSET of absolute values: replaying a batch after a restart writes the same values again
(idempotent). pooled: a connection pool per Python worker and one pipeline per partition, as the
report's final job; naive: a new connection per record, as the report's first job.
"""
import time

import redis

_pools = {}


def _pool(url, size):
    pool = _pools.get(url)
    if pool is None:
        pool = redis.ConnectionPool.from_url(url, max_connections=size)
        _pools[url] = pool
    return pool


def _fields(row, written_at):
    return {
        "count": row["count"], "sum": repr(float(row["sum"])), "min": repr(float(row["min"])),
        "max": repr(float(row["max"])), "start": row["start"], "end": row["end"], "writtenAt": written_at,
    }


def write_partition(rows, url, pattern, mode, size, fault):
    written = 0
    # The rows first, so the clock measures the Redis writes only (the sink's own rate, the
    # report's keys/s), not Spark computing the partition.
    rows = list(rows)
    started = time.monotonic()
    if mode == "naive":
        for row in rows:
            key = pattern.replace("{window}", str(row["start"])).replace("{key}", row["key"])
            client = redis.Redis.from_url(url)
            client.hset(key, mapping=_fields(row, int(time.time() * 1000)))
            client.close()
            written += 1
    else:
        client = redis.Redis(connection_pool=_pool(url, size))
        pipe = client.pipeline(transaction=False)
        for row in rows:
            key = pattern.replace("{window}", str(row["start"])).replace("{key}", row["key"])
            fields = _fields(row, int(time.time() * 1000))
            if fault == "double-write":
                # The deliberately broken job: counts added, not set, so a window written by
                # two batches counts its records twice.
                pipe.hincrby(key, "count", row["count"])
                del fields["count"]
            pipe.hset(key, mapping=fields)
            written += 1
            if written % 500 == 0:
                pipe.execute()
        pipe.execute()
    yield (written, (time.monotonic() - started) * 1000)


def batch_writer(c):
    url = c["sink"]["redisUrl"]
    pattern = c["sink"]["keyPattern"]
    mode = c["sink"]["mode"]
    size = int(c["sink"].get("poolSize", 8))
    fault = c["fault"]
    stats_key = c.get("statsKey")

    def write(batch_df, batch_id):
        results = batch_df.rdd.mapPartitions(lambda rows: write_partition(rows, url, pattern, mode, size, fault)).collect()
        keys = sum(r[0] for r in results)
        ms = sum(r[1] for r in results)
        if stats_key and keys:
            r = redis.Redis.from_url(url)
            r.hincrby(stats_key, "keysWritten", keys)
            r.hincrbyfloat(stats_key, "writeMs", ms)
            r.hincrby(stats_key, "batches", 1)
            r.close()
        print(f"spark job: batch {batch_id} wrote {keys} keys in {ms:.1f} ms", flush=True)

    return write
