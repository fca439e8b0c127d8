#!/usr/bin/env bash
# The Spark job's drain rate and its sink's keys/s, pooled against naive, on one preloaded topic:
# spate produces BENCH_RECORDS basic records (BENCH_KEYS keys, 4 partitions), then the job
# drains them from the earliest offset once per sink mode (a fresh checkpoint each), and the
# job's own numbers are read back from its stats hash (pipelines/spark/progress.py, sink.py):
#   records/s = input records / summed micro-batch durations (Spark's processing rate)
#   keys/s    = window hashes written / time spent in Redis writes (the report's figure)
# Prints Markdown rows for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh
RECORDS=${BENCH_RECORDS:-200000}
KEYS=${BENCH_KEYS:-3000}
RUN=$(date +%s)
TOPIC=bench-spark-$RUN
REDIS=${SPATE_REDIS_URL:-redis://127.0.0.1:16379}
SPATE=${SPATE_ENGINE:-$SPATE_BIN/spate}

step "producing $RECORDS records into $TOPIC"
rate=50000
"$SPATE" run -q --no-summary --summary-export "/tmp/$TOPIC.json" -e SPATE_TOPIC="$TOPIC" -e SPATE_PARTITIONS=4 -e SPATE_KEYS="$KEYS" \
  -e SPATE_VERIFY=off -e SPATE_THRESHOLDS=smoke -e SPATE_BATCH=500 -e SPATE_RATE=$rate \
  -e SPATE_DURATION="$((RECORDS / rate))s" scripts/steady.ts >/dev/null 2>&1 || true
produced=$(node -e "console.log(require('/tmp/$TOPIC.json').metrics.kafka_writer_message_count.count)")
step "produced $produced records"

echo "| sink | records | drain, all batches (records/s) | sustained, after the first batch (records/s) | sink keys/s | keys written | micro-batches |"
echo "|------|--------:|-------------------------------:|---------------------------------------------:|------------:|-------------:|--------------:|"
for mode in pooled naive; do
  stats="bench-spark:$RUN:$mode"
  pipelines/spark/spark.sh start --name "bench-$mode" --topic "$TOPIC" --partitions 4 --starting-offsets earliest \
    --key-pattern "bench-spark:$RUN:$mode:w:{window}:{key}" --stats-key "$stats" --mode "$mode" \
    --max-offsets-per-trigger 50000 --checkpoint "$(mktemp -d)" --ui-port 0 >&2
  start=$SECONDS
  while :; do
    got=$(redis-cli -u "$REDIS" hget "$stats" inputRows)
    [ "${got:-0}" -ge "$produced" ] && break
    [ $((SECONDS - start)) -lt 900 ] || { pipelines/spark/spark.sh stop --name "bench-$mode" >&2; fail "the $mode job did not drain $produced records in 900 s"; }
    sleep 2
  done
  pipelines/spark/spark.sh stop --name "bench-$mode" >&2
  # Sustained: the micro-batches after the first, whose duration includes the job's warm-up
  # (query planning, code generation, the Python workers starting).
  stats_json=$(redis-cli -u "$REDIS" hgetall "$stats" | paste -sd'\t' -)
  batches_json=$(redis-cli -u "$REDIS" lrange "$stats:batches" 0 -1 | paste -sd, -)
  node -e '
    const f = process.argv[1].split("\t"); const v = {}; for (let i = 0; i + 1 < f.length; i += 2) v[f[i]] = Number(f[i + 1])
    const b = JSON.parse("[" + process.argv[2] + "]").sort((x, y) => x.batch - y.batch).slice(1)
    const rows = b.reduce((s, x) => s + x.records, 0), ms = b.reduce((s, x) => s + x.durationMs, 0)
    const n = (x) => Math.round(x).toLocaleString("en-US")
    console.log(`| ${process.argv[3]} | ${n(v.inputRows)} | ${n(v.inputRows / (v.batchMs / 1000))} | ${n(rows / (ms / 1000))} | ${n(v.keysWritten / (v.writeMs / 1000))} | ${n(v.keysWritten)} | ${b.length + 1} |`)
  ' "$stats_json" "$batches_json" "$mode"
done

