#!/usr/bin/env bash
# gotest.sh runs the command it is given (a go test), its output shown as
# it comes, and when the command fails prints a summary at the end: the
# output without its goroutine dumps, so that the tests that failed, or
# that were running when the run timed out, are in the last lines a CI log
# keeps. It exits with the command's status.
set -uo pipefail

log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	echo
	echo "=== summary of the failed run (goroutine dumps left out): $*"
	awk '/^goroutine [0-9]+ \[/ { dump = 1 } /^(FAIL|ok|---|===|panic)/ { dump = 0 } dump && /^$/ { dump = 0; next } !dump' "$log" | tail -n 150
fi
exit "$status"
