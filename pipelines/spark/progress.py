"""Micro-batch progress of the job, as the report's authors watched it: every batch's duration and
input records in the job's log, and (with --stats-key) in Redis for benchmarks and reports."""
import json

import redis
from pyspark.sql.streaming import StreamingQueryListener


class BatchProgress(StreamingQueryListener):
    def __init__(self, url, stats_key):
        self.url = url
        self.stats_key = stats_key

    def onQueryStarted(self, event):
        pass

    def onQueryProgress(self, event):
        p = event.progress
        rows = int(p.numInputRows)
        ms = int(p.batchDuration)
        print(f"spark job: micro-batch {p.batchId}: {rows} records in {ms} ms ({p.processedRowsPerSecond:.0f} records/s)", flush=True)
        if not self.stats_key or rows == 0:
            return
        r = redis.Redis.from_url(self.url)
        try:
            pipe = r.pipeline(transaction=True)
            pipe.hincrby(self.stats_key, "inputRows", rows)
            pipe.hincrby(self.stats_key, "batchMs", ms)
            pipe.rpush(self.stats_key + ":batches", json.dumps({"batch": p.batchId, "records": rows, "durationMs": ms, "at": p.timestamp}))
            pipe.execute()
        finally:
            r.close()

    def onQueryIdle(self, event):
        pass

    def onQueryTerminated(self, event):
        pass
