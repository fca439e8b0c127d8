#!/usr/bin/env bash
# Entry point behind `npm start` and `npm test` on a fresh machine: makes sure go-task is
# built (the one tool needed to read Taskfile.yml), then hands over to `task <name>`.
# Every task installs what it needs through build/toolchain.sh, so this stays tiny.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || fail "usage: build/run.sh <task> [args...]  (see Taskfile.yml, or run: task --list)"
"$SPATE_ROOT/build/toolchain.sh" task
export PATH="$SPATE_BIN:$PATH"
cd "$SPATE_ROOT"
# Anything after the task name is the task's own arguments ({{.CLI_ARGS}}), e.g.
# `npm start -- scripts/steady.js` runs `task main -- scripts/steady.js`.
# -x passes the failing command's own exit code through (the load engine's 99, 104, 107, 108...);
# without it go-task exits 201 for any failure.
name=$1; shift
if [ $# -gt 0 ]; then exec task -x "$name" -- "$@"; fi
exec task -x "$name"
