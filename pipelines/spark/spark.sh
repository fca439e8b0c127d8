#!/usr/bin/env bash
# Starts and stops the Spark job (pipelines/spark/job.py) against the local stack, PID-safe like
# stack/stack.sh: a PID file holds "<pid> <start time>", and stop signals only that very process
# group, never a process found by name.
#
#   pipelines/spark/spark.sh run   [job flags]             in the foreground (task spark -- ...)
#   pipelines/spark/spark.sh start [--name N] [job flags]  in the background; returns when the query runs
#   pipelines/spark/spark.sh stop  [--name N]
#   pipelines/spark/spark.sh status
#
# --partitions N (default 12) creates the topic with N partitions when it does not exist.
# Job flags: --config --topic --brokers --redis-url --key-pattern --mode pooled|naive
# --fault none|drop-partition|double-write --checkpoint --starting-offsets --window --watermark
# --trigger --max-offsets-per-trigger --ui-port --stats-key (python job.py --help).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../build/lib.sh"

SPATE_RUN_DIR=${SPATE_RUN_DIR:-$SPATE_ROOT/.run}
PIDS="$SPATE_RUN_DIR/pids"
LOGS="$SPATE_RUN_DIR/logs"

start_time_of() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }
recorded_pid() {
  local f="$PIDS/$1.pid" pid st
  [ -f "$f" ] || return 1
  read -r pid st <"$f" || return 1
  [ -n "$pid" ] && [ "$(start_time_of "$pid")" = "$st" ] && echo "$pid"
}

job_env() {
  "$SPATE_ROOT/build/toolchain.sh" spark kafka >&2
  local spark="$SPATE_CACHE/spark"
  SPATE_SPARK_JARS=$(find "$spark/jars" -name '*.jar' | LC_ALL=C sort | paste -sd, -)
  export SPATE_SPARK_JARS
  # S3A, added by the job only for an s3a:// checkpoint (build/toolchain.sh ensure_spark_s3a).
  SPATE_SPARK_S3A_JARS=$(find "$spark/s3a-$SPARK_HADOOP_AWS_VERSION-$SPARK_AWS_SDK_VERSION" -name '*.jar' | LC_ALL=C sort | paste -sd, -)
  export SPATE_SPARK_S3A_JARS
  export PYSPARK_PYTHON="$spark/venv/bin/python" PYSPARK_DRIVER_PYTHON="$spark/venv/bin/python"
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost
  PYTHON="$spark/venv/bin/python"
}

# Spark's Kafka source fails on a topic that does not exist yet: create it first (idempotent).
ensure_topic() { # ensure_topic <topic> <partitions>
  local brokers=${SPATE_KAFKA_BROKERS:-127.0.0.1:19092}
  java -cp "$SPATE_CACHE/kafka/libs/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" \
    --create --if-not-exists --topic "$1" --partitions "$2" --replication-factor 1 >/dev/null \
    || fail "could not create topic $1 on $brokers; is Kafka up (task up)?"
}

# job_topic reads --topic and --partitions from the job flags (the config's topic otherwise).
job_topic() {
  TOPIC=$(awk '/^  topic:/ {print $2}' "$HERE/config.yaml") PARTITIONS=12 JOB_ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --topic) TOPIC=$2; JOB_ARGS+=("$1" "$2"); shift 2 ;;
      --partitions) PARTITIONS=$2; shift 2 ;;
      *) JOB_ARGS+=("$1"); shift ;;
    esac
  done
}

cmd_run() {
  job_env
  job_topic "$@"
  ensure_topic "$TOPIC" "$PARTITIONS"
  set -- "${JOB_ARGS[@]}"
  cd "$SPATE_ROOT"
  exec "$PYTHON" "$HERE/job.py" "$@"
}

cmd_start() {
  local name=spark
  if [ "${1:-}" = "--name" ]; then name="spark-$2"; shift 2; fi
  if pid=$(recorded_pid "$name"); then
    fail "$name already runs (pid $pid); stop it first: pipelines/spark/spark.sh stop${name#spark}"
  fi
  job_env
  job_topic "$@"
  ensure_topic "$TOPIC" "$PARTITIONS"
  set -- "${JOB_ARGS[@]}"
  mkdir -p "$PIDS" "$LOGS"
  local log="$LOGS/$name.log"
  cd "$SPATE_ROOT"
  # Its own session, so stop can signal the job and the JVM it launched as one group.
  setsid "$PYTHON" "$HERE/job.py" "$@" >"$log" 2>&1 </dev/null &
  local pid=$! start=$SECONDS
  echo "$pid $(start_time_of "$pid")" >"$PIDS/$name.pid"
  step "starting the Spark job $name (pid $pid, log $log)"
  until grep -q '^spark job: streaming' "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log" >&2
      rm -f "$PIDS/$name.pid"
      fail "the Spark job $name exited during start; see $log"
    fi
    [ $((SECONDS - start)) -lt 300 ] || fail "the Spark job $name did not start its query within 300 s; see $log"
    sleep 1
  done
  step "Spark job $name streaming after $((SECONDS - start)) s"
}

cmd_stop() {
  local name=spark pid i
  if [ "${1:-}" = "--name" ]; then name="spark-$2"; shift 2; fi
  if ! pid=$(recorded_pid "$name"); then
    rm -f "$PIDS/$name.pid"
    step "$name is not running"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do
    [ -z "$(start_time_of "$pid")" ] && break
    sleep 1
  done
  if [ -n "$(start_time_of "$pid")" ]; then
    warn "$name (pid $pid) did not stop within 30 s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PIDS/$name.pid"
  step "$name stopped (pid $pid)"
}

cmd_status() {
  local f name pid
  for f in "$PIDS"/spark*.pid; do
    [ -e "$f" ] || { echo "no Spark job recorded"; return 0; }
    name=$(basename "$f" .pid)
    if pid=$(recorded_pid "$name"); then echo "$name running pid $pid"; else echo "$name stopped"; fi
  done
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  ""|--*) cmd_run "$@" ;;
  *) fail "unknown command '$1'; use pipelines/spark/spark.sh run|start|stop|status [--name N] [job flags]" ;;
esac
