#!/usr/bin/env bash
# Installs or builds every tool spate runs, pinned by build/versions.env, cached under $SPATE_CACHE
# (default ~/.cache/spate), idempotent: a tool already built at its pinned version is reused.
#
#   build/toolchain.sh [target...]    (default: all)
#     tools:    task spate kafka versitygw debian chromium node spark (spark only when asked for)
#     commands: main (what `npm start` needs), test (what `npm test` needs), all
#   build/toolchain.sh env            prints the environment that puts the tools on PATH
#
# The targets install in parallel: downloads overlap with the Go builds, which matters on a
# 2-core machine. Each tool lives in its own versioned directory and is linked into $SPATE_CACHE/bin.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$SPATE_BIN" "$SPATE_CACHE/logs"

link() { ln -sfn "$1" "$SPATE_BIN/$(basename "$1")"; }

need_go() {
  need_cmd go "install Go >= 1.26 (https://go.dev/doc/install) or your distribution's golang package"
}

go_install() { # go_install <dir> <module@version> <label>
  local dir=$1 mod=$2 label=$3
  mkdir -p "$dir.tmp"
  with_progress "go install $mod" "$SPATE_CACHE/logs/$label.log" \
    env GOBIN="$dir.tmp" CGO_ENABLED=0 go install "$mod"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

ensure_task() {
  local dir="$SPATE_CACHE/task-$TASK_VERSION"
  if [ ! -x "$dir/task" ]; then
    need_go
    step "building go-task $TASK_VERSION (first run only)"
    go_install "$dir" "github.com/go-task/task/v3/cmd/task@$TASK_VERSION" "task-$TASK_VERSION"
  fi
  link "$dir/task"
}

ensure_versitygw() {
  local dir="$SPATE_CACHE/versitygw-$VERSITYGW_VERSION"
  if [ ! -x "$dir/versitygw" ]; then
    need_go
    step "building versitygw $VERSITYGW_VERSION, the S3 server (first run only, about 3 minutes on 2 cores)"
    go_install "$dir" "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" "versitygw-$VERSITYGW_VERSION"
  fi
  link "$dir/versitygw"
}

# The engine's cache key is a hash of its source, so editing engine/ rebuilds spate and nothing
# else does; the build reuses Go's module and build caches under $SPATE_CACHE.
spate_key() {
  (cd "$SPATE_ROOT/engine" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -not -name '*_test.go' | LC_ALL=C sort | xargs sha256sum) \
    | sha256sum | cut -c1-12
}

ensure_spate() {
  local key dir
  key=$(spate_key)
  dir="$SPATE_CACHE/spate-$key"
  if [ ! -x "$dir/spate" ]; then
    need_go
    step "building spate's load engine (engine/, cache key $key)"
    mkdir -p "$dir.tmp"
    with_progress "go build spate" "$SPATE_CACHE/logs/spate-build.log" \
      env CGO_ENABLED=0 go -C "$SPATE_ROOT/engine" build -trimpath \
        -ldflags "-s -w -X spate.local/engine/internal/cli.Version=0.1.0+$key" -o "$dir.tmp/spate" ./cmd/spate
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    # Older builds of the engine are dead weight once a newer one exists.
    find "$SPATE_CACHE" -maxdepth 1 -name 'spate-*' -not -name "spate-$key" -exec rm -rf {} + 2>/dev/null || true
  fi
  link "$dir/spate"
}

ensure_kafka() {
  local dir="$SPATE_CACHE/kafka-$KAFKA_VERSION"
  if [ ! -f "$dir/.complete" ]; then
    need_cmd java "install OpenJDK 17 (Debian: apt-get install openjdk-17-jre-headless)"
    need_cmd mvn "install Maven (Debian: apt-get install maven)"
    local jv
    jv=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
    [ "${jv%%.*}" -ge 17 ] 2>/dev/null || fail "Kafka $KAFKA_VERSION needs Java 17 or newer, found Java '$jv'; install OpenJDK 17 and put it first on PATH"
    step "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (first run only)"
    rm -rf "$dir" && mkdir -p "$dir/libs"
    with_progress "maven copy-dependencies" "$SPATE_CACHE/logs/kafka-$KAFKA_VERSION.log" \
      mvn -B -f "$SPATE_ROOT/build/kafka/pom.xml" \
        -Dmaven.repo.local="$SPATE_CACHE/m2" \
        -Dkafka.version="$KAFKA_VERSION" -Dscala.binary.version="$SCALA_BINARY_VERSION" \
        -Dlog4j.version="$LOG4J_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/libs"
    ls "$dir/libs"/kafka_"$SCALA_BINARY_VERSION"-"$KAFKA_VERSION".jar >/dev/null \
      || fail "Maven finished but kafka_$SCALA_BINARY_VERSION-$KAFKA_VERSION.jar is missing; see $SPATE_CACHE/logs/kafka-$KAFKA_VERSION.log"
    touch "$dir/.complete"
  fi
  ln -sfn "$dir" "$SPATE_CACHE/kafka"
}

# Spark for pipelines/spark/: a venv with pinned pyspark, redis-py and PyYAML, and the four jars
# of Spark's Kafka source. Only `task spark` and the Spark tests call it.
# KEDA's CRDs come from its Go module at the pinned version (the module's source archive, about
# 14 MB, from the Go module proxy; nothing of KEDA is built or run).
ensure_keda() {
  local dir="$SPATE_CACHE/keda-$KEDA_VERSION" out src f
  if [ ! -f "$dir/.complete" ]; then
    need_go
    step "fetching KEDA $KEDA_VERSION's CRDs (first run only, about 14 MB)"
    out="$SPATE_CACHE/logs/keda-$KEDA_VERSION.json"
    mkdir -p "$SPATE_CACHE/logs"
    with_progress "go mod download github.com/kedacore/keda/v2@$KEDA_VERSION" "$SPATE_CACHE/logs/keda-$KEDA_VERSION.log" \
      sh -c 'cd "$1" && go mod download -json "github.com/kedacore/keda/v2@$2" >"$3"' sh "$SPATE_CACHE" "$KEDA_VERSION" "$out"
    src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$out")
    [ -d "$src/config/crd/bases" ] || fail "KEDA $KEDA_VERSION's module has no config/crd/bases (see $out); check KEDA_VERSION in build/versions.env"
    rm -rf "$dir" && mkdir -p "$dir/crds"
    for f in keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml; do
      cp "$src/config/crd/bases/$f" "$dir/crds/$f" || fail "KEDA $KEDA_VERSION has no $f; check KEDA_VERSION in build/versions.env"
    done
    touch "$dir/.complete"
  fi
}

ensure_spark() {
  local dir="$SPATE_CACHE/spark-$PYSPARK_VERSION"
  if [ ! -f "$dir/.complete" ]; then
    need_cmd python3 "install Python >= 3.10 with venv (Debian: apt-get install python3-venv)"
    need_cmd java "install OpenJDK 17 (Debian: apt-get install openjdk-17-jre-headless)"
    need_cmd mvn "install Maven (Debian: apt-get install maven)"
    step "installing pyspark $PYSPARK_VERSION and Spark's Kafka jars (first run only, about 450 MB, a minute or two)"
    rm -rf "$dir" && mkdir -p "$dir/jars"
    with_progress "python venv" "$SPATE_CACHE/logs/spark-venv.log" python3 -m venv "$dir/venv"
    with_progress "pip install pyspark $PYSPARK_VERSION" "$SPATE_CACHE/logs/spark-pip.log" \
      "$dir/venv/bin/pip" install --no-input "pyspark==$PYSPARK_VERSION" "redis==$REDIS_PY_VERSION" "PyYAML==$PYYAML_VERSION"
    local a
    for a in "org.apache.spark:spark-sql-kafka-0-10_$SCALA_BINARY_VERSION:$PYSPARK_VERSION" \
             "org.apache.spark:spark-token-provider-kafka-0-10_$SCALA_BINARY_VERSION:$PYSPARK_VERSION" \
             "org.apache.kafka:kafka-clients:$SPARK_KAFKA_CLIENTS_VERSION" \
             "org.apache.commons:commons-pool2:$SPARK_COMMONS_POOL2_VERSION"; do
      with_progress "mvn copy $a" "$SPATE_CACHE/logs/spark-jars.log" \
        mvn -B -Dmaven.repo.local="$SPATE_CACHE/m2" dependency:copy -Dartifact="$a" -DoutputDirectory="$dir/jars"
    done
    [ "$(find "$dir/jars" -name '*.jar' | wc -l)" -eq 4 ] \
      || fail "Maven finished but Spark's four Kafka jars are not all in $dir/jars; see $SPATE_CACHE/logs/spark-jars.log"
    touch "$dir/.complete"
  fi
  ensure_spark_s3a "$dir/s3a-$SPARK_HADOOP_AWS_VERSION-$SPARK_AWS_SDK_VERSION"
  ln -sfn "$dir" "$SPATE_CACHE/spark"
}

# S3A for checkpoints on S3: hadoop-aws and the AWS SDK v2 modules it uses (build/spark-s3a/pom.xml,
# 36 jars, 13 MB), not the SDK's 686 MB bundle; what pyspark already ships is left out. The job
# adds them to spark.jars only for an s3a:// checkpoint (SPATE_SPARK_S3A_JARS).
ensure_spark_s3a() {
  local dir=$1
  if [ ! -f "$dir/.complete" ]; then
    step "fetching Spark's S3A connector (hadoop-aws $SPARK_HADOOP_AWS_VERSION, AWS SDK $SPARK_AWS_SDK_VERSION modules; first run only, 13 MB)"
    rm -rf "$dir" && mkdir -p "$dir"
    with_progress "maven copy-dependencies (S3A)" "$SPATE_CACHE/logs/spark-s3a.log" \
      mvn -B -f "$SPATE_ROOT/build/spark-s3a/pom.xml" -Dmaven.repo.local="$SPATE_CACHE/m2" \
        -Dhadoop.version="$SPARK_HADOOP_AWS_VERSION" -Dawssdk.version="$SPARK_AWS_SDK_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir" \
        -DexcludeGroupIds=io.netty,org.slf4j,commons-codec,commons-logging,org.apache.httpcomponents,org.wildfly.openssl
    ls "$dir/hadoop-aws-$SPARK_HADOOP_AWS_VERSION.jar" "$dir/s3-$SPARK_AWS_SDK_VERSION.jar" >/dev/null \
      || fail "Maven finished but hadoop-aws or the AWS SDK's s3 module is missing in $dir; see $SPATE_CACHE/logs/spark-s3a.log"
    touch "$dir/.complete"
  fi
}

ensure_debian() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  [ ${#missing[@]} -eq 0 ] && return 0
  # shellcheck disable=SC2206
  local pkgs=($DEBIAN_PACKAGES)
  apt_install "${missing[*]}" "${pkgs[@]}"
}

# Chromium only for `npm test` (the run report's test opens the report in it); `npm start` skips it.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  # shellcheck disable=SC2206
  local pkgs=($DEBIAN_TEST_PACKAGES)
  apt_install chromium "${pkgs[@]}"
}

apt_install() { # apt_install <what is missing> <package...>
  local missing=$1; shift
  local pkgs=("$@")
  command -v apt-get >/dev/null 2>&1 \
    || fail "missing $missing and this is not a Debian system; install ${pkgs[*]} with your package manager"
  [ "$(id -u)" -eq 0 ] \
    || fail "missing $missing; install them as root: sudo apt-get install ${pkgs[*]}"
  step "installing ${pkgs[*]} from Debian (first run only)"
  # Keep the packages' init scripts from starting system-wide services on the default ports:
  # spate starts its own instances on 127.0.0.1.
  local policy=/usr/sbin/policy-rc.d placed=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && placed=1
  fi
  # One apt-get update per toolchain run, however many targets install packages (they hold the
  # same lock, see main).
  if [ ! -f "$SPATE_CACHE/locks/apt-updated.$RUN_ID" ]; then
    with_progress "apt-get update" "$SPATE_CACHE/logs/apt-update.log" apt-get update
    touch "$SPATE_CACHE/locks/apt-updated.$RUN_ID"
  fi
  with_progress "apt-get install ${pkgs[*]}" "$SPATE_CACHE/logs/apt-install-${pkgs[0]}.log" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}"
  [ $placed -eq 1 ] && rm -f "$policy"
  return 0
}

ensure_node() {
  need_cmd node "install Node.js >= 20.19 (https://nodejs.org or your distribution)"
  need_cmd npm "install npm (it ships with Node.js)"
  local v
  v=$(node -p 'process.versions.node')
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || fail "Node.js $v is too old; spate needs Node.js >= 20.19"
  local stamp="$SPATE_ROOT/node_modules/.spate-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$SPATE_ROOT/package-lock.json" "$stamp"; then
    step "installing npm dependencies (npm ci)"
    with_progress "npm ci" "$SPATE_CACHE/logs/npm-ci.log" \
      npm ci --prefix "$SPATE_ROOT" --no-audit --no-fund --cache "$SPATE_CACHE/npm"
    cp "$SPATE_ROOT/package-lock.json" "$stamp"
  fi
}

print_env() {
  echo "export PATH=\"$SPATE_BIN:\$PATH\""
  echo "export SPATE_CACHE=\"$SPATE_CACHE\""
  echo "export KAFKA_HOME=\"$SPATE_CACHE/kafka\""
}

# locked <lock> <command...>: another clone or CI run may install the same tool at the same
# moment; one installs, the others wait, then find it installed.
locked() {
  local lock="$SPATE_CACHE/locks/$1"; shift
  (
    exec 9>"$lock"
    if ! flock -n 9; then
      step "waiting for another clone's install of ${lock##*/} to finish"
      flock 9
    fi
    "$@"
  )
}

ensure_each() { local t; for t in "$@"; do "ensure_$t"; done; }

# The tools behind each command: `npm start` needs no browser and no Spark, `npm test` both.
targets_of() {
  case "$1" in
    main) echo "node debian kafka versitygw spate" ;;
    test) echo "node debian chromium kafka versitygw spate spark keda" ;;
    all) echo "node debian chromium task kafka versitygw spate" ;;
    task|spate|kafka|versitygw|debian|chromium|node|spark|keda) echo "$1" ;;
    *) fail "unknown toolchain target '$1'; use one of: main test all task spate kafka versitygw debian chromium node spark keda env" ;;
  esac
}

main() {
  [ "${1:-}" = env ] && { print_env; return 0; }
  [ $# -eq 0 ] && set -- all
  local t want=() start=$SECONDS
  for t in "$@"; do
    # shellcheck disable=SC2207
    want+=($(targets_of "$t"))
  done
  need_cmd flock "install util-linux (Debian: apt-get install util-linux)"
  mkdir -p "$SPATE_CACHE/locks"
  RUN_ID=$$
  # Targets that share a lock (Debian packages share dpkg's) run one after the other in one job.
  local -A jobs=()
  local order=() lock
  for t in "${want[@]}"; do
    case "$t" in debian|chromium) lock=apt ;; *) lock=$t ;; esac
    [[ " ${jobs[$lock]:-} " == *" $t "* ]] && continue
    [ -n "${jobs[$lock]:-}" ] || order+=("$lock")
    jobs[$lock]="${jobs[$lock]:-} $t"
  done
  local pids=() names=() failed=() i
  for lock in "${order[@]}"; do
    # shellcheck disable=SC2086
    locked "$lock" ensure_each ${jobs[$lock]} &
    pids+=($!) names+=("${jobs[$lock]# }")
  done
  for i in "${!pids[@]}"; do wait "${pids[i]}" || failed+=("${names[i]}"); done
  rm -f "$SPATE_CACHE/locks/apt-updated.$RUN_ID"
  [ ${#failed[@]} -eq 0 ] || fail "could not install ${failed[*]} (the lines above say why); run build/toolchain.sh ${failed[*]} again after fixing it"
  step "toolchain ready in $((SECONDS - start)) s (cache: $SPATE_CACHE)"
}

main "$@"
