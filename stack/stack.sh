#!/usr/bin/env bash
# The local stack: Kafka (KRaft), Redis, an S3 server (versitygw) and Prometheus on 127.0.0.1.
#
#   stack/stack.sh up [service...]      start what is not running; reuse what is healthy
#   stack/stack.sh down [service...]    stop exactly the PIDs that `up` recorded
#   stack/stack.sh status               what runs where
#   stack/stack.sh env [secured]        connection settings for clients, as shell exports
#                                       (secured: Kafka SASL_SSL and Redis TLS with their users)
#
# Services: kafka redis s3 prometheus. Ports and the run directory come from stack/stack.env.
set -euo pipefail
. "$(dirname "$0")/../build/lib.sh"
. "$SPATE_ROOT/stack/stack.env"

SERVICES=(kafka redis s3 prometheus)
PIDS="$SPATE_RUN_DIR/pids"
KAFKA_HOME="$SPATE_CACHE/kafka"
export PATH="$SPATE_BIN:$PATH"

port_of() {
  case "$1" in
    kafka) echo "$SPATE_KAFKA_PORT" ;;
    redis) echo "$SPATE_REDIS_PORT" ;;
    s3) echo "$SPATE_S3_PORT" ;;
    prometheus) echo "$SPATE_PROMETHEUS_PORT" ;;
  esac
}

port_var_of() {
  case "$1" in
    kafka) echo SPATE_KAFKA_PORT ;;
    redis) echo SPATE_REDIS_PORT ;;
    s3) echo SPATE_S3_PORT ;;
    prometheus) echo SPATE_PROMETHEUS_PORT ;;
  esac
}

log_of() { echo "$SPATE_RUN_DIR/$1/$1.log"; }

# --- PID bookkeeping -------------------------------------------------------------------------
# A PID file holds "<pid> <start time>"; the start time (field 22 of /proc/<pid>/stat) guards
# against signalling an unrelated process that reused the PID after ours exited.

start_time_of() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }

recorded_pid() { # prints the recorded PID if that very process still runs
  local f="$PIDS/$1.pid" pid st
  [ -f "$f" ] || return 1
  read -r pid st <"$f" || return 1
  [ -n "$pid" ] && [ "$(start_time_of "$pid")" = "$st" ] && echo "$pid"
}

record_pid() { mkdir -p "$PIDS"; echo "$2 $(start_time_of "$2")" >"$PIDS/$1.pid"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The other ports a service listens on, each with the variable that moves it.
extra_ports_of() {
  case "$1" in
    kafka) echo "$SPATE_KAFKA_CONTROLLER_PORT:SPATE_KAFKA_CONTROLLER_PORT $SPATE_KAFKA_SASL_SSL_PORT:SPATE_KAFKA_SASL_SSL_PORT" ;;
    redis) echo "$SPATE_REDIS_TLS_PORT:SPATE_REDIS_TLS_PORT" ;;
  esac
}

# --- readiness probes --------------------------------------------------------------------------

kafka_java() { # kafka_java <heap> <main class> <args...>: Kafka's command-line tools
  local heap=$1; shift
  java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$SPATE_ROOT/stack/kafka/tools-log4j2.properties" \
    -cp "$KAFKA_HOME/libs/*" "$@"
}

ready_kafka() { # a metadata request that succeeds, not just an open port
  port_busy "$SPATE_KAFKA_PORT" || return 1
  kafka_java 256m -XX:TieredStopAtLevel=1 org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$SPATE_KAFKA_PORT" --list >/dev/null 2>&1
}
ready_redis() { [ "$(redis-cli -h 127.0.0.1 -p "$SPATE_REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
# Any HTTP answer means versitygw serves S3 (an unsigned request gets 403, which is fine here).
ready_s3() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPATE_S3_PORT/" 2>/dev/null)" != 000 ]; }
ready_prometheus() { curl -fsS -o /dev/null "http://127.0.0.1:$SPATE_PROMETHEUS_PORT/-/ready" 2>/dev/null; }

# --- starting ----------------------------------------------------------------------------------

render() { # render <template> <output>: fills @VARIABLE@ placeholders from the environment
  local line name out=$2
  : >"$out"
  while IFS= read -r line || [ -n "$line" ]; do
    while [[ $line =~ @([A-Z0-9_]+)@ ]]; do
      name=${BASH_REMATCH[1]}
      [ -n "${!name:-}" ] || fail "$1 uses @$name@ but $name is not set"
      line=${line//"@$name@"/${!name}}
    done
    printf '%s\n' "$line" >>"$out"
  done <"$1"
}

launch() { # launch <service> <command...>: detached from this shell, output to the service log
  local svc=$1; shift
  mkdir -p "$SPATE_RUN_DIR/$svc"
  echo "---- $(date -u +%FT%TZ) starting: $*" >>"$(log_of "$svc")"
  setsid "$@" >>"$(log_of "$svc")" 2>&1 </dev/null &
  local pid=$!
  sleep 0.2
  record_pid "$svc" "$pid"
}

start_kafka() {
  [ -d "$KAFKA_HOME/libs" ] || fail "Kafka is not installed in $KAFKA_HOME; run build/toolchain.sh kafka"
  local dir="$SPATE_RUN_DIR/kafka"
  mkdir -p "$dir/data"
  "$SPATE_ROOT/stack/certs.sh" "$SPATE_TLS_DIR"
  # The rendered config holds the keystore password: owner-only, like the keystore itself.
  local SPATE_KAFKA_KEYSTORE_PASSWORD
  SPATE_KAFKA_KEYSTORE_PASSWORD=$(cat "$SPATE_TLS_DIR/kafka.p12.password")
  rm -f "$dir/server.properties"
  (umask 077 && render "$SPATE_ROOT/stack/kafka/server.properties" "$dir/server.properties")
  if [ ! -f "$dir/data/meta.properties" ]; then
    step "formatting Kafka storage (first start)"
    # A KRaft cluster id is 16 random bytes in unpadded base64url. One that starts with "-"
    # would be read as an option by the storage tool, so draw again.
    local cluster_id=-
    while [[ $cluster_id == -* ]]; do
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    done
    kafka_java 256m kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" -g \
      >>"$(log_of kafka)" 2>&1 || { tail -n 20 "$(log_of kafka)" >&2; fail "formatting Kafka storage in $dir/data failed (log above)"; }
  fi
  launch kafka java -Xms"$SPATE_KAFKA_HEAP" -Xmx"$SPATE_KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$SPATE_ROOT/stack/kafka/log4j2.properties" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$dir/server.properties"
}

# The ACL user of the secured setup. The file holds the password's SHA-256 only, never the password.
redis_acl() {
  local hash
  hash=$(printf '%s' "$SPATE_STACK_REDIS_PASSWORD" | sha256sum | cut -d' ' -f1)
  (umask 077 && printf '%s\n' 'user default on nopass ~* &* +@all' \
    "user $SPATE_STACK_REDIS_USER on #$hash ~* &* +@all" >"$SPATE_RUN_DIR/redis/users.acl")
}

start_redis() {
  need_cmd redis-server "run build/toolchain.sh debian (or apt-get install redis-server)"
  mkdir -p "$SPATE_RUN_DIR/redis/data"
  "$SPATE_ROOT/stack/certs.sh" "$SPATE_TLS_DIR"
  redis_acl
  # One server, two ports: plain on SPATE_REDIS_PORT, TLS on SPATE_REDIS_TLS_PORT (no client certificates).
  launch redis redis-server "$SPATE_ROOT/stack/redis/redis.conf" --port "$SPATE_REDIS_PORT" \
    --dir "$SPATE_RUN_DIR/redis/data" --logfile "" --aclfile "$SPATE_RUN_DIR/redis/users.acl" \
    --tls-port "$SPATE_REDIS_TLS_PORT" --tls-cert-file "$SPATE_TLS_DIR/server.pem" \
    --tls-key-file "$SPATE_TLS_DIR/server.key" --tls-ca-cert-file "$SPATE_TLS_DIR/ca.pem" --tls-auth-clients no
}

# The SCRAM user of the secured listener, created with Kafka's own ConfigCommand over the plain
# listener from an owner-only file (never a command line). A marker holding a hash, not the
# password, skips that JVM start when the user exists already.
after_kafka() {
  local marker="$SPATE_RUN_DIR/kafka/data/.spate-scram-user" want file out
  want=$(printf '%s:%s' "$SPATE_STACK_KAFKA_USER" "$SPATE_STACK_KAFKA_PASSWORD" | sha256sum | cut -d' ' -f1)
  [ "$(cat "$marker" 2>/dev/null)" = "$want" ] && return 0
  # The properties file format and ConfigCommand's parsing would mangle other characters.
  [[ $SPATE_STACK_KAFKA_PASSWORD =~ ^[A-Za-z0-9._~+/@:-]+$ ]] \
    || fail "SPATE_STACK_KAFKA_PASSWORD may use only letters, digits and . _ ~ + / @ : -; choose another"
  file=$(umask 077 && mktemp "$SPATE_RUN_DIR/kafka/scram.XXXXXX")
  out="$file.out"
  printf 'SCRAM-SHA-512=password=%s\n' "$SPATE_STACK_KAFKA_PASSWORD" >"$file"
  if ! kafka_java 256m -XX:TieredStopAtLevel=1 kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$SPATE_KAFKA_PORT" \
      --alter --entity-type users --entity-name "$SPATE_STACK_KAFKA_USER" --add-config-file "$file" >"$out" 2>&1; then
    # The tool may echo the password back in its error: the log gets a redacted copy.
    sed "s/${SPATE_STACK_KAFKA_PASSWORD//\//\\/}/***/g" "$out" >>"$(log_of kafka)"
    rm -f "$file" "$out"
    fail "creating the SCRAM user '$SPATE_STACK_KAFKA_USER' for Kafka's secured listener failed; see $(log_of kafka)"
  fi
  rm -f "$file" "$out"
  echo "$want" >"$marker"
}

start_s3() {
  [ -x "$SPATE_BIN/versitygw" ] || fail "versitygw (the S3 server) is not installed in $SPATE_BIN; run build/toolchain.sh versitygw"
  mkdir -p "$SPATE_RUN_DIR/s3/data"
  # Credentials travel in the environment, never on a command line that the log or ps shows.
  ROOT_ACCESS_KEY_ID="$SPATE_S3_ACCESS_KEY_ID" ROOT_SECRET_ACCESS_KEY="$SPATE_S3_SECRET_ACCESS_KEY" \
    launch s3 "$SPATE_BIN/versitygw" --quiet --port "127.0.0.1:$SPATE_S3_PORT" --region "$SPATE_S3_REGION" \
      posix "$SPATE_RUN_DIR/s3/data"
}

after_s3() { # the checkpoint bucket, created by a signed PUT; 409 means it exists already
  local code
  # curl reads the credentials from stdin so they never show in the process list. Its
  # --aws-sigv4 does not sign the payload hash header itself: an empty body's hash is sent.
  code=$(printf 'user = "%s:%s"\n' "$SPATE_S3_ACCESS_KEY_ID" "$SPATE_S3_SECRET_ACCESS_KEY" |
    curl -sS -K - -o "$SPATE_RUN_DIR/s3/create-bucket.out" -w '%{http_code}' -X PUT \
      -H "x-amz-content-sha256: $EMPTY_SHA256" \
      --aws-sigv4 "aws:amz:$SPATE_S3_REGION:s3" "http://127.0.0.1:$SPATE_S3_PORT/$SPATE_S3_BUCKET") || true
  case "$code" in
    200|409) ;;
    *) fail "creating bucket '$SPATE_S3_BUCKET' on the S3 server failed with HTTP $code: $(head -c 300 "$SPATE_RUN_DIR/s3/create-bucket.out"); see $(log_of s3)" ;;
  esac
}
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# Renders Prometheus' config and copies the rule files next to it (rule_files: rules/*.rules.yml).
prometheus_config() {
  local dir="$SPATE_RUN_DIR/prometheus"
  mkdir -p "$dir/data"
  render "$SPATE_ROOT/stack/prometheus/prometheus.yml" "$dir/prometheus.yml"
  rm -rf "$dir/rules"
  mkdir -p "$dir/rules"
  cp "$SPATE_ROOT"/stack/prometheus/rules/*.rules.yml "$dir/rules/"
}

# A reused Prometheus reloads the config and rules of this checkout (it runs with --web.enable-lifecycle).
refresh_prometheus() {
  prometheus_config
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$SPATE_PROMETHEUS_PORT/-/reload" \
    || fail "prometheus did not reload $SPATE_RUN_DIR/prometheus/prometheus.yml; see $(log_of prometheus)"
}

start_prometheus() {
  need_cmd prometheus "run build/toolchain.sh debian (or apt-get install prometheus)"
  local dir="$SPATE_RUN_DIR/prometheus"
  prometheus_config
  launch prometheus prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$SPATE_PROMETHEUS_PORT" --web.enable-remote-write-receiver \
    --web.enable-lifecycle --enable-feature=native-histograms --storage.tsdb.retention.time=7d
}

up_one() {
  local svc=$1 port pid start=$SECONDS
  port=$(port_of "$svc")
  local extra
  if pid=$(recorded_pid "$svc"); then
    if "ready_$svc"; then
      # A service started by an older checkout may lack a listener this one adds (the secured
      # ports): restart it on the same data instead of leaving it half configured.
      local missing=''
      for extra in $(extra_ports_of "$svc"); do port_busy "${extra%%:*}" || missing=${extra%%:*}; done
      if [ -z "$missing" ]; then
        step "$svc already running (pid $pid, 127.0.0.1:$port): reused"
        if declare -F "refresh_$svc" >/dev/null; then "refresh_$svc"; fi
        # Idempotent set-up steps (bucket, SCRAM user) run again: an earlier up may have stopped before them.
        if declare -F "after_$svc" >/dev/null; then "after_$svc"; fi
        return 0
      fi
      step "$svc (pid $pid) does not listen on 127.0.0.1:$missing (started with an older config): restarting it"
      stop_one "$svc"
    else
      fail "$svc (pid $pid) is running but not healthy on 127.0.0.1:$port; see $(log_of "$svc"), or run stack/stack.sh down $svc and up again"
    fi
  fi
  rm -f "$PIDS/$svc.pid"
  if port_busy "$port"; then
    fail "port $port for $svc is already in use by another process; stop it or choose another port with $(port_var_of "$svc")=<port>"
  fi
  for extra in $(extra_ports_of "$svc"); do
    port_busy "${extra%%:*}" && \
      fail "port ${extra%%:*} for $svc is already in use by another process; stop it or choose another port with ${extra#*:}=<port>"
  done
  step "starting $svc on 127.0.0.1:$port"
  "start_$svc"
  pid=$(recorded_pid "$svc") || true
  local timeout=60
  until "ready_$svc"; do
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
      printf '[spate] %s exited during start; last lines of %s:\n' "$svc" "$(log_of "$svc")" >&2
      tail -n 30 "$(log_of "$svc")" >&2
      rm -f "$PIDS/$svc.pid"
      fail "$svc failed to start (log above)"
    fi
    if (( SECONDS - start > timeout )); then
      printf '[spate] %s not ready after %d s; last lines of %s:\n' "$svc" "$timeout" "$(log_of "$svc")" >&2
      tail -n 30 "$(log_of "$svc")" >&2
      stop_one "$svc"
      fail "$svc did not become ready within $timeout s (log above)"
    fi
    sleep 0.5
  done
  if declare -F "after_$svc" >/dev/null; then "after_$svc"; fi
  step "$svc ready in $((SECONDS - start)) s (pid $pid)"
}

stop_one() {
  local svc=$1 pid i
  if ! pid=$(recorded_pid "$svc"); then
    rm -f "$PIDS/$svc.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do # up to 30 s for a clean shutdown (Kafka flushes its logs)
    [ "$(start_time_of "$pid")" = "" ] && break
    sleep 0.2
  done
  if [ -n "$(start_time_of "$pid")" ]; then
    warn "$svc (pid $pid) did not stop within 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDS/$svc.pid"
  step "$svc stopped (pid $pid)"
}

# A stack started by an older checkout may run a service this one no longer has (its PID file
# is still there): stop it, PID-safe like the others, so it does not hold a port or linger.
stop_retired() {
  local f svc
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    svc=$(basename "$f" .pid)
    [[ " ${SERVICES[*]} " == *" $svc "* ]] && continue
    if recorded_pid "$svc" >/dev/null; then step "stopping $svc, which this checkout no longer runs"; fi
    stop_one "$svc"
  done
}

status() {
  printf '%-11s %-8s %-22s %-8s %s\n' SERVICE STATE ADDRESS PID LOG
  local svc pid state
  for svc in "${SERVICES[@]}"; do
    if pid=$(recorded_pid "$svc"); then
      if "ready_$svc"; then state=ready; else state=starting; fi
    else
      pid=-; state=stopped
    fi
    printf '%-11s %-8s %-22s %-8s %s\n' "$svc" "$state" "127.0.0.1:$(port_of "$svc")" "$pid" "$(log_of "$svc")"
  done
  echo "secured: Kafka SASL_SSL (SCRAM-SHA-512) 127.0.0.1:$SPATE_KAFKA_SASL_SSL_PORT, Redis TLS 127.0.0.1:$SPATE_REDIS_TLS_PORT; settings: eval \"\$(stack/stack.sh env secured)\""
}

print_env() { # values are shell-quoted: eval "$(stack/stack.sh env)" is safe for any password
  local name
  if [ "${1:-}" = secured ]; then print_secured_env; return; fi
  SPATE_KAFKA_BROKERS=127.0.0.1:$SPATE_KAFKA_PORT
  SPATE_REDIS_URL=redis://127.0.0.1:$SPATE_REDIS_PORT
  SPATE_S3_ENDPOINT=http://127.0.0.1:$SPATE_S3_PORT
  SPATE_PROMETHEUS_URL=http://127.0.0.1:$SPATE_PROMETHEUS_PORT
  SPATE_METRICS_PORT=$SPATE_PROCESSOR_METRICS_PORT # the processor's metrics.port: where Prometheus scrapes
  for name in SPATE_KAFKA_BROKERS SPATE_REDIS_URL SPATE_S3_ENDPOINT SPATE_S3_BUCKET SPATE_S3_REGION \
    SPATE_S3_ACCESS_KEY_ID SPATE_S3_SECRET_ACCESS_KEY SPATE_PROMETHEUS_URL SPATE_METRICS_PORT; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
}

# The same settings for the secured listeners, under the names the processor and the load
# scripts read: Kafka over
# SASL_SSL with SCRAM-SHA-512, Redis over TLS as the ACL user, both trusting the stack's CA.
# The processor takes the CA from SPATE_KAFKA_TLS_CA_FILE and SPATE_REDIS_TLS_CA_FILE;
# NODE_EXTRA_CA_CERTS lets any other Node client (the tests' node-redis) trust it too.
print_secured_env() {
  print_env
  SPATE_KAFKA_BROKERS=127.0.0.1:$SPATE_KAFKA_SASL_SSL_PORT
  SPATE_KAFKA_SASL_MECHANISM=scram-sha-512
  SPATE_KAFKA_SASL_USERNAME=$SPATE_STACK_KAFKA_USER
  SPATE_KAFKA_SASL_PASSWORD=$SPATE_STACK_KAFKA_PASSWORD
  SPATE_KAFKA_TLS_ENABLED=true # the processor's name
  SPATE_KAFKA_TLS=true         # the load scripts' name
  SPATE_KAFKA_TLS_CA_FILE=$SPATE_TLS_DIR/ca.pem
  SPATE_REDIS_URL=rediss://127.0.0.1:$SPATE_REDIS_TLS_PORT
  SPATE_REDIS_USERNAME=$SPATE_STACK_REDIS_USER
  SPATE_REDIS_PASSWORD=$SPATE_STACK_REDIS_PASSWORD
  SPATE_REDIS_TLS_CA_FILE=$SPATE_TLS_DIR/ca.pem
  NODE_EXTRA_CA_CERTS=$SPATE_TLS_DIR/ca.pem
  for name in SPATE_KAFKA_BROKERS SPATE_KAFKA_SASL_MECHANISM SPATE_KAFKA_SASL_USERNAME SPATE_KAFKA_SASL_PASSWORD \
    SPATE_KAFKA_TLS_ENABLED SPATE_KAFKA_TLS SPATE_KAFKA_TLS_CA_FILE SPATE_REDIS_URL SPATE_REDIS_USERNAME SPATE_REDIS_PASSWORD \
    SPATE_REDIS_TLS_CA_FILE NODE_EXTRA_CA_CERTS; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
}

select_services() { # fills SELECTED with the services named on the command line, or all of them
  local s
  SELECTED=()
  if [ $# -eq 0 ]; then SELECTED=("${SERVICES[@]}"); return; fi
  for s in "$@"; do
    [[ " ${SERVICES[*]} " == *" $s "* ]] || fail "unknown service '$s'; use one of: ${SERVICES[*]}"
    SELECTED+=("$s")
  done
}

main() {
  local cmd=${1:-status}; shift || true
  local i
  case "$cmd" in
    up)
      select_services "$@"
      stop_retired
      for (( i=0; i<${#SELECTED[@]}; i++ )); do up_one "${SELECTED[i]}"; done
      status ;;
    down) # in reverse order of starting
      select_services "$@"
      [ $# -eq 0 ] && stop_retired
      for (( i=${#SELECTED[@]}-1; i>=0; i-- )); do stop_one "${SELECTED[i]}"; done ;;
    status) status ;;
    env)
      case "${1:-}" in
        ''|secured) print_env "${1:-}" ;;
        *) fail "unknown env '$1'; use: stack/stack.sh env [secured]" ;;
      esac ;;
    *) fail "unknown command '$cmd'; use: stack/stack.sh up|down|status|env [service...]" ;;
  esac
}

main "$@"
