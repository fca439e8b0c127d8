#!/usr/bin/env bash
# The main job against the Spark pipeline: starts the job on a topic of its own, runs a spate load
# script verified from the job's natural output (SPATE_VERIFY_MODE=windows), writes the run report
# (with SPATE_PROMETHEUS_URL: the load engine's remote write, the job scraped as spate-spark), stops
# the job and exits with spate run's exit code (0 passed, 99 a threshold breached).
#
#   pipelines/spark/main.sh [script]     (default scripts/spike.ts; task spark:main -- scripts/steady.ts)
# SPATE_ENGINE runs another spate binary than the toolchain's. The job checkpoints on the stack's
# S3 server through S3A (s3a://$SPATE_S3_BUCKET/spark/<run>); SPATE_SPARK_CHECKPOINT=<dir or
# s3a:// URL> puts the checkpoint elsewhere.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../build/lib.sh"
cd "$SPATE_ROOT"

script=${1:-scripts/spike.ts}
run=spark-$(date +%s)
topic=${SPATE_TOPIC:-spate-spark-$run}
pattern="spark:$run:w:{window}:{key}"
report_dir=${SPATE_REPORT_DIR:-$SPATE_ROOT/reports}
if [ -n "${SPATE_SPARK_CHECKPOINT:-}" ]; then
  checkpoint=$SPATE_SPARK_CHECKPOINT
elif [ -n "${SPATE_S3_BUCKET:-}" ]; then
  checkpoint="s3a://$SPATE_S3_BUCKET/spark/$run"
else
  checkpoint="${SPATE_RUN_DIR:-$SPATE_ROOT/.run}/spark/checkpoints-$run"
  warn "SPATE_S3_BUCKET is not set (eval \"\$(stack/stack.sh env)\"): checkpointing to the directory $checkpoint"
fi
"$HERE/spark.sh" start --name main --topic "$topic" --partitions "${SPATE_PARTITIONS:-12}" \
  --starting-offsets earliest --key-pattern "$pattern" --checkpoint "$checkpoint"
trap '"$HERE/spark.sh" stop --name main' EXIT
step "run id $run, checkpoint $checkpoint"
output=()
if [ -n "${SPATE_PROMETHEUS_URL:-}" ]; then
  output=(-o experimental-prometheus-rw)
  export K6_PROMETHEUS_RW_SERVER_URL="$SPATE_PROMETHEUS_URL/api/v1/write"
  export K6_PROMETHEUS_RW_TREND_STATS=${K6_PROMETHEUS_RW_TREND_STATS:-p(50),p(95),p(99),max}
  export K6_PROMETHEUS_RW_PUSH_INTERVAL=${K6_PROMETHEUS_RW_PUSH_INTERVAL:-1s}
fi
mkdir -p "$report_dir"
set +e
SPATE_REPORT_DIR="$report_dir" SPATE_RUN_ID="$run" "${SPATE_ENGINE:-$SPATE_BIN/spate}" run "${output[@]}" \
  -e SPATE_TOPIC="$topic" -e SPATE_VERIFY_MODE=windows \
  -e SPATE_SINK_KEY_PATTERN="$pattern" -e SPATE_SINK_WINDOW=5s -e SPATE_VERIFY_TIMEOUT="${SPATE_VERIFY_TIMEOUT:-120}" \
  -e SPATE_PARTITIONS="${SPATE_PARTITIONS:-12}" -e SPATE_RATE="${SPATE_RATE:-2000}" \
  --tag testid="$run" "$script"
code=$?
set -e
step "spate run against Spark exited $code"
if [ -n "${SPATE_PROMETHEUS_URL:-}" ]; then
  # One more scrape of the job (every 5 s) before the report, so the run's last batches are in.
  sleep 6
  if out=$(node --import tsx "$SPATE_ROOT/report/cli.ts" "$run" --summary "$report_dir/k6-summary.json" \
      --out "$report_dir/run-$run.html" --script "$script"); then
    step "run report: $out"
  else
    warn "run report failed (the exit code $code stands)"
  fi
fi
exit $code
