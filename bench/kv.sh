#!/usr/bin/env bash
# bench/kv.sh: the three-node example (examples/kv) under partitions drawn
# from the seed, measured on this machine.
#
#   determinism  every seed of 1..SEEDS run twice by hand (-v output compared
#                byte for byte, go test's timing line aside), and the same
#                seeds under detgo test -check (output, exit status and trace
#                hash of two runs compared): how many seeds agreed
#   finding      how many of SEEDS seeds lose an acknowledged write, the
#                first one, and how many distinct fault schedules the seeds drew
#   go test      plain go test -count=GOCOUNT: failures (none expected: it
#                cannot inject partitions, so the partition test skips)
#
# Usage: bash bench/kv.sh    (SEEDS=50 GOCOUNT=20 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-50}
GOCOUNT=${GOCOUNT:-20}
pkg=./examples/kv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/detgo" ./cmd/detgo
detgo=$work/detgo
"$detgo" test -seed=1 $pkg >/dev/null 2>&1 || true # build once

strip() { grep -Ev '^(ok|FAIL)[[:space:]]+\S+[[:space:]]+[0-9.]+s' "$1" || true; }
same=0
for s in $(seq 1 "$SEEDS"); do
	for r in a b; do
		"$detgo" test -v -seed="$s" $pkg >"$work/out-$s-$r" 2>&1 || true
	done
	if cmp -s <(strip "$work/out-$s-a") <(strip "$work/out-$s-b"); then
		same=$((same + 1))
	else
		echo "bench: seed $s: the two runs differ" >&2
		diff <(strip "$work/out-$s-a") <(strip "$work/out-$s-b") >&2 || true
	fi
done
"$detgo" test -check -seeds=1-"$SEEDS" $pkg >"$work/check" 2>&1 || true
differ=$(grep -c 'two runs differ' "$work/check" || true)
found=$(grep -l -- '--- FAIL: TestFailover' "$work"/out-*-a | wc -l)
first=$(grep -m1 '^detgo: FAIL seed=' "$work/check" | sed 's/^detgo: FAIL //' || true)
schedules=$(for f in "$work"/out-*-a; do grep 'fault:' "$f" | sed 's/.*fault: //' | tr '\n' ';'; echo; done | sort -u | wc -l)
t0=$(date +%s.%N)
"$detgo" test -seeds=1-"$SEEDS" $pkg >/dev/null 2>&1 || true
t1=$(date +%s.%N)
gofail=0
go test -count="$GOCOUNT" $pkg >"$work/go" 2>&1 || gofail=$(grep -c -- '--- FAIL' "$work/go" || echo 1)

echo "determinism: $same/$SEEDS seeds gave identical -v output in two runs"
echo "             -check over seeds 1-$SEEDS: $differ seeds whose two runs differed (output, status or trace hash)"
echo "finding:     $found/$SEEDS seeds lost an acknowledged write (first: ${first:-none}); $schedules distinct fault schedules"
printf 'cost:        %.2fs for %d seeds (%.1f ms/seed, wall)\n' "$(echo "$t1 - $t0" | bc -l)" "$SEEDS" "$(echo "($t1 - $t0) * 1000 / $SEEDS" | bc -l)"
echo "go test:     -count=$GOCOUNT: $gofail failures"
