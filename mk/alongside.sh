#!/usr/bin/env bash
# alongside.sh runs each of its arguments, a shell command, at the same
# time as the others, and prints each one's output once they have all
# ended: those that succeeded first, those that failed last, where a CI
# log's tail shows them. It fails if any of them failed.
set -uo pipefail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "running at once, their output to follow when all have ended:"
pids=()
for i in $(seq 1 $#); do
	cmd=${!i}
	echo "  $cmd"
	bash -c "$cmd" >"$dir/$i.log" 2>&1 &
	pids+=($!)
done

failed=()
for i in $(seq 1 $#); do
	if ! wait "${pids[$((i - 1))]}"; then
		failed+=("$i")
	fi
done

for i in $(seq 1 $#); do
	[[ " ${failed[*]} " == *" $i "* ]] && continue
	echo "=== ok: ${!i}"
	cat "$dir/$i.log"
done
for i in "${failed[@]}"; do
	echo "=== FAILED: ${!i}"
	cat "$dir/$i.log"
done
[ ${#failed[@]} -eq 0 ]
