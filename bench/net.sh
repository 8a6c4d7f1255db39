#!/usr/bin/env bash
# bench/net.sh: the simulated network, measured on this machine.
#
#   determinism  the httptest workload (bench/workloads/nethttp: CLIENTS
#                concurrent clients, REQS requests each) under SEEDS seeds,
#                each run twice: the server-side request order of the two runs
#                of a seed must be identical; prints how many seeds agreed and
#                how many distinct orders the seeds gave
#   cost         real time per simulated request: wall time of a run with
#                N=BIGCLIENTS*BIGREQS requests minus a run with 1 request,
#                divided by N; detgo test (simulated network, virtual time)
#                against go test -count=1 (real loopback), median of RUNS
#
# Usage: bash bench/net.sh    (SEEDS=20 RUNS=3 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-20}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-20}
REQS=${REQS:-5}
BIGCLIENTS=${BIGCLIENTS:-50}
BIGREQS=${BIGREQS:-40}
pkg=./bench/workloads/nethttp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/detgo" ./cmd/detgo
detgo=$work/detgo
"$detgo" test -seed=1 $pkg >/dev/null # build once

same=0
for s in $(seq 1 "$SEEDS"); do
	for r in a b; do
		"$detgo" test -seed="$s" $pkg -args -clients="$CLIENTS" -requests="$REQS" -order="$work/order-$s-$r" >"$work/out" 2>&1 ||
			{ cat "$work/out" >&2; echo "bench: seed $s failed" >&2; exit 1; }
	done
	if cmp -s "$work/order-$s-a" "$work/order-$s-b"; then
		same=$((same + 1))
	else
		echo "bench: seed $s: the two runs saw different orders" >&2
	fi
done
distinct=$(cat "$work"/order-*-a | sort -u | wc -l)

now() { date +%s.%N; }
secs() {
	local t0 t1
	t0=$(now)
	"$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; echo "bench: failed: $*" >&2; exit 1; }
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
median() {
	local i
	for ((i = 0; i < RUNS; i++)); do secs "$@"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
n=$((BIGCLIENTS * BIGREQS))
go test -count=1 $pkg >/dev/null # build once
d1=$(median "$detgo" test -seed=1 $pkg -args -clients=1 -requests=1)
dn=$(median "$detgo" test -seed=1 $pkg -args -clients=$BIGCLIENTS -requests=$BIGREQS)
g1=$(median go test -count=1 $pkg -args -clients=1 -requests=1)
gn=$(median go test -count=1 $pkg -args -clients=$BIGCLIENTS -requests=$BIGREQS)
per() { echo "($2 - $1) / $n * 1000000" | bc -l | xargs printf '%.1f'; }

echo "determinism: $same/$SEEDS seeds gave identical server-side orders in both runs ($CLIENTS clients x $REQS requests)"
echo "             $distinct distinct orders among $SEEDS seeds"
printf '%-40s %10s %10s\n' "cost (wall, median of $RUNS)" "go test" "detgo"
printf '%-40s %10.3f %10.3f\n' "run with 1 request (s)" "$g1" "$d1"
printf '%-40s %10.3f %10.3f\n' "run with $n requests (s)" "$gn" "$dn"
printf '%-40s %10s %10s\n' "per request (us)" "$(per $g1 $gn)" "$(per $d1 $dn)"
