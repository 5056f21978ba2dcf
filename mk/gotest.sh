#!/usr/bin/env bash
# gotest.sh runs the command it is given (a go test), its output shown as
# it comes, and when the command fails ends with a summary, so that what
# failed is in the last lines a CI log keeps: the output without its
# goroutine dumps and without the packages that passed, then a recap of
# the lines that name failures, panics and the tests a timeout caught
# running. It exits with the command's status.
set -uo pipefail

log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	# A dump is a "goroutine N [state]:" line and the frames after it, up
	# to a blank line or go test's own next line.
	awk '/^goroutine [0-9]+ / { dump = 1 } /^(FAIL|ok|---|===|panic: )/ { dump = 0 } dump && /^$/ { dump = 0; next } !dump' "$log" |
		grep -Ev '^(ok|\?) ' >"$log.summary"
	echo
	echo "=== summary of the failed run, without goroutine dumps: $*"
	tail -n 100 "$log.summary"
	echo "=== recap:"
	grep -E '^\s*--- FAIL|^FAIL|^panic: |^\s+running tests:|^\s+Test[^ ]+ \([0-9]' "$log.summary" | tail -n 20
	rm -f "$log.summary"
fi
exit "$status"
