#!/usr/bin/env bash
# Entry point behind `npm start` and `npm test` on a fresh machine: makes sure go-task is
# built (the one tool needed to read Taskfile.yml), then hands over to `task <name>`.
# Every task installs what it needs through build/toolchain.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || fail "usage: build/run.sh <task> [args...]  (see Taskfile.yml, or run: task --list)"
# go-task is built together with the tools of the command at hand, in parallel, so a cold start
# does not wait for it first; the task's own toolchain step then finds everything installed.
case "$1" in
  main|test) "$SPATE_ROOT/build/toolchain.sh" task "$1" ;;
  *) "$SPATE_ROOT/build/toolchain.sh" task ;;
esac
export PATH="$SPATE_BIN:$PATH"
cd "$SPATE_ROOT"
# Anything after the task name is the task's own arguments ({{.CLI_ARGS}}), e.g.
# `npm start -- scripts/steady.js` runs `task main -- scripts/steady.js`.
# -x passes the failing command's own exit code through (the load engine's 99, 104, 107, 108...);
# without it go-task exits 201 for any failure.
name=$1; shift
if [ $# -gt 0 ]; then exec task -x "$name" -- "$@"; fi
exec task -x "$name"
