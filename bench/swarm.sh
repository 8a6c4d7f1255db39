#!/usr/bin/env bash
# bench/swarm.sh: detgo swarm's throughput on a small test (examples/bank:
# three goroutines and a mutex, about 20 scheduling decisions per run), and
# its overhead per seed against running the same test binary directly in a
# shell loop. Prints a table; every number is measured in this run.
#
#   direct       a bash loop running the test binary once per seed, in the
#                package directory, with the environment and arguments
#                detgo gives it (output to /dev/null, nothing else)
#   swarm w1     detgo swarm -workers 1: one worker, so its time per seed is
#                comparable with the loop's
#   swarm wN     detgo swarm with one worker per core (the default)
#
# Per seed = (time for N seeds - time for 1 seed) / (N - 1), so the one-off
# cost of a swarm (go list, go test -c from the build cache, reading and
# writing the results file) is left out. Wall time depends on what else runs
# on the machine: the table shows the load average, and CPU time (user+sys
# of the process and its children) next to wall time, which load does not
# inflate. seeds/s per core (CPU) = 1 / CPU seconds per seed.
#
# Usage: bash bench/swarm.sh          (N=2000 seeds, RUNS=3, median of RUNS)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
RUNS=${RUNS:-3}
cores=$(nproc)
pkg=examples/bank
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=
go build -o "$work/detgo" ./cmd/detgo
detgo=$work/detgo
"$detgo" toolchain build >/dev/null
# The test binary the swarm runs: the same go test -c with the overlay.
overlay=$("$detgo" toolchain show -overlay)
GOTOOLCHAIN=local CGO_ENABLED=0 go test -c -o "$work/pkg.test" -overlay="$overlay" -tags=detgo "./$pkg"
args=(-test.timeout=24h0m0s -test.paniconexit0 -test.count=1)

# timed CMD...: "wall user sys" in seconds for one run of CMD (output dropped,
# exit status ignored: the test fails for some seeds).
timed() {
	local TIMEFORMAT='%R %U %S'
	{ time "$@" >/dev/null 2>&1; } 2>&1 || true
}
direct() { # direct N
	(
		cd "$pkg"
		mkdir -p "$work/tmp"
		export TZ=UTC GOGC=100 GODEBUG=asyncpreemptoff=1,updatemaxprocs=0,netdns=go,fips140=off \
			DETGO_SCHED=portfolio DETGO_REPORT="$work/report" TMPDIR="$work/tmp"
		for ((i = 1; i <= $1; i++)); do
			DETGO_SEED=$i "$work/pkg.test" "${args[@]}" >/dev/null 2>&1 || true
		done
	)
}
swarm() { # swarm N WORKERS
	"$detgo" swarm -n "$1" -workers "$2" -progress=none -fresh -results="$work/r.jsonl" "./$pkg"
}
# one CMD: (time(CMD N) - time(CMD 1)) / (N-1) as "wall_ms cpu_ms" per seed.
one() {
	local w1 u1 s1 wn un sn
	read -r w1 u1 s1 < <(timed "$@" 1)
	read -r wn un sn < <(timed "$@" "$N")
	echo "($wn - $w1) * 1000 / ($N - 1)" | bc -l | tr '\n' ' '
	echo "($un + $sn - $u1 - $s1) * 1000 / ($N - 1)" | bc -l
}
swarm1() { swarm "$1" 1; }
swarmN() { swarm "$1" "$cores"; }
# median FILE: the median "wall cpu" line of FILE, by wall time.
median() { sort -n "$1" | awk '{w[NR]=$1; c[NR]=$2} END {m=int((NR+1)/2); print w[m], c[m]}'; }

# The three measurements take turns, RUNS times, so that a change in the
# machine's load falls on all three alike.
load0=$(cut -d' ' -f1 /proc/loadavg)
for ((r = 0; r < RUNS; r++)); do
	one direct >>"$work/direct"
	one swarm1 >>"$work/w1"
	one swarmN >>"$work/wn"
done
read -r direct_wall direct_cpu < <(median "$work/direct")
read -r w1_wall w1_cpu < <(median "$work/w1")
read -r wn_wall wn_cpu < <(median "$work/wn")
load1=$(cut -d' ' -f1 /proc/loadavg)

rate() { echo "1000 / $1" | bc -l | xargs printf '%.0f'; }
ms() { printf '%.3f ms' "$1"; }
diff_ms() { echo "$1 - $2" | bc -l | xargs printf '%+.3f ms'; }

echo "detgo swarm on ./$pkg: N=$N seeds, median of $RUNS, $cores cores, $(go version | cut -d' ' -f3), load average $load0 at start, $load1 at end"
echo
printf '%-34s %-12s %-12s %s\n' "measure" "wall" "CPU" "command"
printf '%-34s %-12s %-12s %s\n' "direct: per seed" "$(ms "$direct_wall")" "$(ms "$direct_cpu")" "for i in 1..N: DETGO_SEED=\$i pkg.test ${args[*]} (fixed env, package dir)"
printf '%-34s %-12s %-12s %s\n' "swarm, 1 worker: per seed" "$(ms "$w1_wall")" "$(ms "$w1_cpu")" "detgo swarm -n N -workers 1 ./$pkg"
printf '%-34s %-12s %-12s %s\n' "swarm overhead per seed" "$(diff_ms "$w1_wall" "$direct_wall")" "$(diff_ms "$w1_cpu" "$direct_cpu")" "(swarm, 1 worker) - direct"
printf '%-34s %-12s %-12s %s\n' "swarm, $cores workers: per seed" "$(ms "$wn_wall")" "$(ms "$wn_cpu")" "detgo swarm -n N ./$pkg"
printf '%-34s %-12s %-12s %s\n' "swarm, $cores workers: seeds/s" "$(rate "$wn_wall")" "" ""
printf '%-34s %-12s %-12s %s\n' "swarm: seeds/s per core" "$(echo "1000 / $wn_wall / $cores" | bc -l | xargs printf '%.0f')" "$(rate "$wn_cpu")" "wall: seeds/s / $cores cores; CPU: 1 / CPU per seed"
