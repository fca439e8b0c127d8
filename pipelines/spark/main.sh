#!/usr/bin/env bash
# The main job against the Spark pipeline: starts the job on a topic of its own, runs a spate load
# script verified from the job's natural output (SPATE_VERIFY_MODE=windows), stops the job and
# exits with spate run's exit code (0 passed, 99 a threshold breached).
#
#   pipelines/spark/main.sh [script]     (default scripts/spike.ts; task spark:main -- scripts/steady.ts)
# SPATE_ENGINE runs another spate binary than the toolchain's.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../build/lib.sh"

script=${1:-scripts/spike.ts}
run=spark-$(date +%s)
topic=${SPATE_TOPIC:-spate-spark-$run}
pattern="spark:$run:w:{window}:{key}"
"$HERE/spark.sh" start --name main --topic "$topic" --partitions "${SPATE_PARTITIONS:-12}" \
  --starting-offsets earliest --key-pattern "$pattern" --checkpoint "${SPATE_RUN_DIR:-$SPATE_ROOT/.run}/spark/checkpoints-$run"
trap '"$HERE/spark.sh" stop --name main' EXIT
set +e
"${SPATE_ENGINE:-$SPATE_BIN/spate}" run -e SPATE_TOPIC="$topic" -e SPATE_VERIFY_MODE=windows \
  -e SPATE_SINK_KEY_PATTERN="$pattern" -e SPATE_SINK_WINDOW=5s -e SPATE_VERIFY_TIMEOUT="${SPATE_VERIFY_TIMEOUT:-120}" \
  -e SPATE_PARTITIONS="${SPATE_PARTITIONS:-12}" -e SPATE_RATE="${SPATE_RATE:-2000}" \
  --tag testid="$run" "$script"
code=$?
step "spate run against Spark exited $code"
exit $code
