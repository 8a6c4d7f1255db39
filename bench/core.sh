#!/usr/bin/env bash
# bench/core.sh: what detgo costs, measured side by side with plain go test in
# one run on this machine. Prints a table; every number is real wall time.
#
#   std build    the whole patched standard library (detgo toolchain build) from
#                an empty GOCACHE, against go build std from an empty GOCACHE
#   cold build   patched std + test binary from an empty GOCACHE and detgo cache,
#                against go test from an empty GOCACHE
#   warm build   the same again, caches kept
#   per seed     one seed of a CPU-bound test (bench/workloads/cpubound, four
#                goroutines hashing and sorting): detgo test -seed=N against
#                go test -count=1, and against go test with GOMAXPROCS=1
#                (detgo runs one goroutine at a time); median of RUNS
#   marginal     extra wall time per seed inside one `detgo test -seeds=1-11`
#                against extra time per run inside `go test -count=11`
#
# Usage: bash bench/core.sh            (RUNS=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
pkg=./bench/workloads/cpubound
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/detgo" ./cmd/detgo
detgo=$work/detgo

now() { date +%s.%N; }
# secs CMD...: wall seconds of one run, output discarded; fails loudly.
secs() {
	local t0 t1
	t0=$(now)
	"$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; echo "bench: failed: $*" >&2; exit 1; }
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
# median of RUNS timings of CMD...
median() {
	local i
	for ((i = 0; i < RUNS; i++)); do secs "$@"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }
fmt() { printf '%.3f' "$1"; }

export GOFLAGS=
std_go=$(GOCACHE=$work/gocache-std-plain secs go build std)
std_detgo=$(GOCACHE=$work/gocache-std-detgo DETGO_CACHE=$work/detgocache-std secs "$detgo" toolchain build)
std_detgo_warm=$(GOCACHE=$work/gocache-std-detgo DETGO_CACHE=$work/detgocache-std secs "$detgo" toolchain build)
std_go_warm=$(GOCACHE=$work/gocache-std-plain secs go build std)
cold_go=$(GOCACHE=$work/gocache-plain secs go test -count=1 -run TestCPUBound $pkg)
warm_go=$(GOCACHE=$work/gocache-plain secs go test -count=1 -run TestCPUBound $pkg)
cold_detgo=$(GOCACHE=$work/gocache-detgo DETGO_CACHE=$work/detgocache secs "$detgo" test -seed=1 -run TestCPUBound $pkg)
warm_detgo=$(GOCACHE=$work/gocache-detgo DETGO_CACHE=$work/detgocache secs "$detgo" test -seed=1 -run TestCPUBound $pkg)

# Per seed, with the user's warm caches.
"$detgo" test -seed=1 $pkg >/dev/null
go test -count=1 $pkg >/dev/null
seed_go=$(median go test -count=1 $pkg)
seed_go1=$(GOMAXPROCS=1 median go test -count=1 $pkg)
seed_detgo=$(median "$detgo" test -seed=1 $pkg)
many_go=$(median go test -count=11 $pkg)
many_detgo=$(median "$detgo" test -seeds=1-11 $pkg)
marg_go=$(echo "($many_go - $seed_go) / 10" | bc -l)
marg_detgo=$(echo "($many_detgo - $seed_detgo) / 10" | bc -l)

printf '%-44s %10s %10s %8s\n' "measure (seconds, wall)" "go test" "detgo" "ratio"
printf '%-44s %10s %10s %8s\n' "whole std, cold (empty caches)" "$(fmt $std_go)" "$(fmt $std_detgo)" "$(ratio $std_detgo $std_go)"
printf '%-44s %10s %10s %8s\n' "whole std, warm" "$(fmt $std_go_warm)" "$(fmt $std_detgo_warm)" "$(ratio $std_detgo_warm $std_go_warm)"
printf '%-44s %10s %10s %8s\n' "cold build + 1 run (empty caches)" "$(fmt $cold_go)" "$(fmt $cold_detgo)" "$(ratio $cold_detgo $cold_go)"
printf '%-44s %10s %10s %8s\n' "warm build + 1 run" "$(fmt $warm_go)" "$(fmt $warm_detgo)" "$(ratio $warm_detgo $warm_go)"
printf '%-44s %10s %10s %8s\n' "one seed, CPU-bound test (median of $RUNS)" "$(fmt $seed_go)" "$(fmt $seed_detgo)" "$(ratio $seed_detgo $seed_go)"
printf '%-44s %10s %10s %8s\n' "  same, go test with GOMAXPROCS=1" "$(fmt $seed_go1)" "$(fmt $seed_detgo)" "$(ratio $seed_detgo $seed_go1)"
printf '%-44s %10s %10s %8s\n' "marginal per seed / per -count run" "$(fmt $marg_go)" "$(fmt $marg_detgo)" "$(ratio $marg_detgo $marg_go)"
echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3-)"
