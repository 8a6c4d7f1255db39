// Package gotest drives go test for detgo.
//
// detgo test (Test) splits its command line into detgo's flags and go
// test's, loads the packages with go list, and runs
//
//	go test -exec='<detgo> exec' -overlay=<patched runtime> -tags=detgo -count=1 -timeout=0 [flags] [packages]
//
// with $DETGO_RUN naming a JSON RunConfig. go test builds each package's
// test binary against the patched runtime and hands it to detgo exec (Exec),
// the wrapper, which runs it once per seed in a fixed environment, reads the
// runtime's report, and prints a replay line for every failing seed. go
// test's own output and exit status are kept, so tools that read go test
// output (test2json, gotestsum, IDEs) keep working.
package gotest

import (
	"fmt"
	"strings"
)

// Help is the text of 'detgo help test'.
func Help() string {
	var strategies strings.Builder
	for _, s := range Strategies {
		fmt.Fprintf(&strategies, "\t        %-10s %s\n", s.Name, s.Doc)
	}
	return fmt.Sprintf(helpText, strategies.String())
}

const helpText = `usage: detgo test [build/test flags] [packages] [-args test binary flags]

'detgo test' runs 'go test' on the named packages (default: the package in the
current directory) with the detgo runtime, in which scheduling, time and
randomness are a pure function of one seed. Every go test flag and package
pattern works as it does with go test (see 'go help test', 'go help testflag').
detgo adds these flags:

	-seed N
	    Run the tests with seed N, an unsigned 64-bit number (decimal, or
	    hexadecimal with 0x). Without -seed or -seeds, detgo picks a random
	    seed and prints it on stderr.

	-seeds SPEC
	    Run the tests once per seed: a comma list of seeds and ranges, e.g.
	    1-1000 or 1,2,5-10, run in the order given, each seed once.

	-check
	    Run each seed twice and fail if the two runs differ: in exit status,
	    in output (byte for byte) or in the runtime's trace hash. detgo names
	    the first differing output line and the steps between which the two
	    traces split.

	-timeline FILE
	    Write the run as a Chrome/Perfetto trace (Trace Event Format JSON) to
	    FILE: open it in ui.perfetto.dev or chrome://tracing. Each goroutine
	    is a track; slices are the spans in which it ran, instants say why it
	    stopped (gave way at a yield point, blocked with the runtime's wait
	    reason, exited). Time is virtual time in microseconds; decisions at
	    the same virtual instant are drawn 1ns apart, and each event's args
	    carry the exact virtual time and step. Needs one seed and one package
	    (or detgo replay -tape). Drawing does not change the run.

	-sched NAME[:PARAMS][+alloc=N]
	    The scheduling strategy:
%s	    +alloc=N makes every N-th allocation a yield point as well. The
	    default portfolio picks a strategy per seed; the failure line names
	    the one it picked, and the seed alone replays it. An explicit -sched
	    is part of every replay line.

	-simtimeout D
	    Fail a test binary whose simulated (virtual) time passes D
	    (default 24h). Virtual time moves only when every goroutine waits,
	    straight to the next timer, so hours of timeouts take milliseconds.
	    A deadlock (every goroutine blocked, no timer pending) is reported
	    at once as "detgo: deadlock", with every goroutine's wait reason,
	    stack and creation site, not at this limit.

	-epoch T
	    Start the virtual wall clock (time.Now, syscall.Gettimeofday) at T:
	    RFC 3339 (2024-03-01T12:00:00Z) or Unix seconds. Default
	    2000-01-01T00:00:00Z.

	-leaks
	    Fail a test that leaves goroutines running when it returns (after
	    giving them 1s of virtual time to end), listing each with its wait
	    reason, stack and creation site.

	-netlog
	    Log every packet of the simulated network on stderr: connects,
	    data, FIN, RST and closes of each connection, and UDP datagrams,
	    with the virtual time each is sent and arrives (use with -v).

When a seed fails, detgo prints the seed, the strategy, a command that
replays it and a command that replays its decision tape:

	detgo: FAIL seed=4711 sched=pct:3
	detgo: replay: detgo test -run '^TestDeposits$' -seed=4711 ./bank
	detgo: tape: detgo replay -tape=~/.cache/detgo/tapes/1a2b3c/seed-4711.tape ./bank

A tape records every scheduling decision of the run. 'detgo replay -tape'
follows it, even after a code change, for as long as the program makes the
same decisions, then says where it left the tape and goes on from the seed.

The replay line names the failing tests with -run only if they fail alone
too (detgo runs them once more to see); otherwise it repeats the flags of
the failing run. It keeps every flag that reaches the test binary (-v,
-json, -count, ...), since each can change the schedule.

Differences from go test:
  - -count=1 is implied: go test's result cache does not know the seed.
  - -timeout (default 10m) bounds the real time of each run of each seed; at
    the limit detgo sends SIGQUIT (goroutine dump) and reports the seed. The
    test binary's own alarm (-test.timeout, set from -simtimeout unless
    given after -args) runs on the virtual clock and bounds simulated time.
  - -c, -o, -exec and -overlay are detgo's own and are rejected.
  - Flags go test does not know are rejected; give the test binary's own
    flags after -args.
  - Each run gets TZ=UTC, GOGC=100, a pinned GODEBUG and a fresh, empty
    TMPDIR at a path that is the same in every run; GOMAXPROCS and
    GOMEMLIMIT from the environment are ignored.

Exit status: 0 when every run passed, 1 when a test failed (as with go test),
2 for detgo's own errors (usage, toolchain, packages that do not load).
`
