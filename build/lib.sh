# Shared shell helpers for spate's build and stack scripts. Source it; do not run it.
# shellcheck shell=bash

SPATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=build/versions.env
. "$SPATE_ROOT/build/versions.env"

# Tools are cached outside the clone so every clone (and CI's fresh one) reuses them.
SPATE_CACHE=${SPATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spate}
SPATE_BIN="$SPATE_CACHE/bin"

# Go builds keep their module and build caches under SPATE_CACHE too, so deleting it is a true cold start.
export GOPATH="$SPATE_CACHE/go"
export GOMODCACHE="$GOPATH/pkg/mod"
export GOCACHE="$SPATE_CACHE/go-build"
export GOFLAGS="${GOFLAGS:-} -modcacherw"

# Where `build/toolchain.sh keda` puts KEDA's CRDs, read by deploy/k8s/validate.
export SPATE_CRD_DIR="${SPATE_CRD_DIR:-$SPATE_CACHE/keda-$KEDA_VERSION/crds}"

_ts() { date +%H:%M:%S; }
if [ -t 2 ]; then _b=$'\033[1m' _r=$'\033[0m'; else _b='' _r=''; fi
step() { printf '%s[spate %s]%s %s\n' "$_b" "$(_ts)" "$_r" "$*" >&2; }
warn() { printf '[spate %s] warning: %s\n' "$(_ts)" "$*" >&2; }
# fail prints one line that names the problem and the fix, then exits non-zero.
fail() { printf '[spate] error: %s\n' "$*" >&2; exit 1; }

need_cmd() { # need_cmd <command> <how to get it>
  command -v "$1" >/dev/null 2>&1 || fail "'$1' is not installed; $2"
}

# with_progress <label> <logfile> <command...>: runs a long step, prints a heartbeat every 30 s,
# and on failure prints the tail of the log.
with_progress() {
  local label=$1 log=$2; shift 2
  local start=$SECONDS
  mkdir -p "$(dirname "$log")"
  "$@" >"$log" 2>&1 &
  local pid=$!
  local ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    ticks=$((ticks + 1))
    (( ticks % 30 == 0 )) && step "  ... $label still running ($((SECONDS - start)) s, log: $log)"
  done
  if ! wait "$pid"; then
    printf '[spate] %s failed after %d s; last lines of %s:\n' "$label" $((SECONDS - start)) "$log" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
  step "  $label done in $((SECONDS - start)) s"
}
