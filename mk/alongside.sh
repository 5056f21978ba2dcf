#!/usr/bin/env bash
# alongside.sh runs each of its arguments, a shell command, at the same
# time as the others, and prints each one's output once they have all
# ended: those that succeeded first, those that failed last, then a line
# naming the failed ones, where a CI log's tail shows them. It fails if
# any of them failed. Interrupted, it stops them all (each runs in a
# session of its own, with whatever it started) and prints what they
# printed so far.
set -uo pipefail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=$#
pids=()

# report prints the commands' output, those whose index is in failed last.
report() {
	local i
	for i in $(seq 1 "$n"); do
		[[ " ${failed[*]} " == *" $i "* ]] && continue
		echo "=== ok: ${!i}"
		cat "$dir/$i.log"
	done
	for i in "${failed[@]}"; do
		echo "=== FAILED: ${!i}"
		cat "$dir/$i.log"
	done
	for i in "${failed[@]}"; do
		echo "=== failed: ${!i}"
	done
}

stop() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null
	done
	wait
	failed=($(seq 1 "$n"))
	echo "=== interrupted"
	report "$@"
	exit 130
}
trap 'stop "$@"' INT TERM

echo "running at once, their output to follow when all have ended:"
for i in $(seq 1 "$n"); do
	echo "  ${!i}"
	setsid bash -c "${!i}" >"$dir/$i.log" 2>&1 &
	pids+=($!)
done

failed=()
for i in $(seq 1 "$n"); do
	wait "${pids[$((i - 1))]}" || failed+=("$i")
done
report "$@"
[ ${#failed[@]} -eq 0 ]
