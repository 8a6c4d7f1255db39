#!/usr/bin/env bash
# bench/run.sh: detgo's benchmark suite (bench/suite). Every number is measured
# side by side with plain go test in this one run on this machine; prints a
# table and writes bench.json and bench.txt (benchstat format) to OUT.
#
#   bash bench/run.sh                  # full suite, 5 samples per timed row (~10 min on 2 cores)
#   RUNS=3 OUT=/tmp/b bash bench/run.sh
#   bash bench/run.sh -quick           # sanity mode: runs every row once, numbers meaningless
#
# Compare two runs: benchstat old/bench.txt new/bench.txt
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/suite -runs="${RUNS:-5}" -out="${OUT:-${TMPDIR:-/tmp}/detgo-bench}" "$@"
