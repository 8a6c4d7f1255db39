#!/usr/bin/env bash
# bench/strategies.sh: how fast each scheduling strategy finds each example
# bug, next to plain go test. For every example in examples/ and every
# strategy it runs `detgo test -seeds=1-N -sched=S` and reports the first
# failing seed (seeds to first failure) and the hit rate over N seeds; the
# last column runs the same test natively with `go test -count=N`.
#
# Usage: bash bench/strategies.sh [N]     (N = 1000 by default)
# Prints a markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/detgo" ./cmd/detgo
strategies=(portfolio random pct:2 pct:3 pos delay:1 delay:2 fifo random+alloc=16 pos+alloc=16)
examples=(bank:TestDeposits job:TestFailedJobReportsError flags:TestRolloutUnderTraffic)

printf '| example | %s | go test -count=%d |\n' "$(IFS='|'; echo "${strategies[*]}" | sed 's/|/ | /g')" "$N"
printf '|---|%s---|\n' "$(for _ in "${strategies[@]}"; do printf -- '---|'; done)"
for ex in "${examples[@]}"; do
	pkg=${ex%%:*} test=${ex#*:}
	row="| $pkg ($test)"
	for s in "${strategies[@]}"; do
		"$work/detgo" test -run "^$test\$" -seeds=1-"$N" -sched="$s" ./examples/"$pkg" >"$work/out" 2>&1 || true
		fails=$(grep -c '^detgo: FAIL seed=' "$work/out" || true)
		first=$(grep -m1 -o '^detgo: FAIL seed=[0-9]*' "$work/out" | sed 's/.*=//' || true)
		row="$row | ${first:-none} / $(echo "scale=1; 100 * $fails / $N" | bc)%"
	done
	go test -count="$N" -v -run "^$test\$" ./examples/"$pkg" >"$work/native" 2>&1 || true
	nfails=$(grep -c -- "^--- FAIL: $test" "$work/native" || true)
	row="$row | $nfails/$N failed |"
	echo "$row"
done
echo
echo "Cells: first failing seed / share of the $N seeds that fail. Machine: $(nproc) cores, $(go version | cut -d' ' -f3-)."
