#!/usr/bin/env bash
# demo.sh: find a concurrency bug with detgo, then replay it twice.
#
# Usage, from anywhere in the repository:
#
#	bash examples/demo.sh                    # uses: go run ./cmd/detgo
#	DETGO=/tmp/detgo bash examples/demo.sh   # after: go build -o /tmp/detgo ./cmd/detgo
#
# $DETGO is split on spaces into a command and runs from the repository root.
# Step 1 runs examples/bank's test under seeds 1-200 and expects it to FAIL
# with a line "detgo: replay: detgo test -run '^TestDeposits$' -seed=N ./examples/bank".
# Step 2 runs that replay command twice and expects the same failure both times.
# Exit status: 0 if the bug was found and reproduced identically, 1 otherwise.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DETGO=${DETGO:-go run ./cmd/detgo}
read -r -a detgo <<<"$DETGO"
if [[ ${#detgo[@]} -eq 0 ]]; then
	echo "demo: DETGO is empty" >&2
	exit 1
fi

pkg=./examples/bank
seeds=1-200

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { printf '\n==> %s\n' "$*"; }

# Normalize a go test log for comparison: drop go test's timing lines
# ("ok  <pkg>  0.01s", "FAIL  <pkg>  0.01s") and the durations in
# "--- FAIL: TestX (0.00s)" lines; keep everything else.
normalize() {
	sed -E \
		-e '/^(ok|FAIL)[[:space:]]+[^[:space:]]+[[:space:]]+[0-9.]+s([[:space:]].*)?$/d' \
		-e 's/^([[:space:]]*--- (FAIL|PASS|SKIP): .*) \([0-9.]+s\)$/\1/' \
		"$1"
}

# --- Step 1: search -----------------------------------------------------------
say "Step 1: $DETGO test -seeds=$seeds -failfast $pkg"
echo "    (this test passes under plain 'go test -count=1000'; detgo should find a failing seed)"
echo
search_status=0
"${detgo[@]}" test -seeds="$seeds" -failfast "$pkg" 2>&1 | tee "$tmp/search.log" || search_status=$?

replay=$(sed -n -e '/^detgo: replay: /{' -e 's///p' -e 'q' -e '}' "$tmp/search.log")

if [[ $search_status -eq 0 ]]; then
	say "RESULT: not found. detgo passed all seeds $seeds of $pkg; the lost update was not hit."
	exit 1
fi
if [[ -z $replay ]]; then
	say "RESULT: error. detgo exited with status $search_status but printed no 'detgo: replay: ' line (see its output above)."
	exit 1
fi

# The replay line is shell-quoted (e.g. -run '^TestDeposits$'). Split it with
# xargs, which honours quotes and backslashes but expands nothing.
args=()
while IFS= read -r -d '' word; do
	args+=("$word")
done < <(printf '%s\n' "$replay" | xargs printf '%s\0')
if [[ ${#args[@]} -lt 2 || ${args[0]} != detgo ]]; then
	say "RESULT: error. Unexpected replay line: $replay"
	exit 1
fi
replay_cmd=("${detgo[@]}" "${args[@]:1}")
replay_shown="$DETGO ${replay#detgo }"

# --- Step 2: replay twice -----------------------------------------------------
statuses=()
for run in 1 2; do
	say "Step 2.$run: $replay_shown"
	status=0
	"${replay_cmd[@]}" >"$tmp/replay$run.log" 2>&1 || status=$?
	cat "$tmp/replay$run.log"
	statuses+=("$status")
	normalize "$tmp/replay$run.log" >"$tmp/replay$run.norm"
done

# --- Summary ------------------------------------------------------------------
failure=$(grep -m1 -E '_test\.go:[0-9]+: ' "$tmp/replay1.log" | sed -E 's/^[[:space:]]+//' || true)

say "Summary"
echo "    search:   $DETGO test -seeds=$seeds -failfast $pkg  -> failed (status $search_status)"
echo "    replay:   $replay"
echo "    failure:  ${failure:-(no *_test.go line in the replay output)}"
echo "    replay 1: exit status ${statuses[0]}"
echo "    replay 2: exit status ${statuses[1]}"

if [[ ${statuses[0]} -eq 0 || ${statuses[1]} -eq 0 ]]; then
	say "RESULT: not reproduced. The replay passed at least once; a seed should fail every time."
	exit 1
fi
if ! cmp -s "$tmp/replay1.norm" "$tmp/replay2.norm"; then
	echo
	echo "The two replays differ (timing lines ignored):"
	diff -u --label replay1 --label replay2 "$tmp/replay1.norm" "$tmp/replay2.norm" || true
	say "RESULT: not reproduced. Both replays failed, but not the same way."
	exit 1
fi
say "RESULT: bug found and reproduced. Both replays failed with identical output (timing lines ignored)."
exit 0
