package bisect

// This file is the text of 'detgo help bisect'.

import "github.com/detgo/detgo/gotest"

// ErrHelp is returned for -h, -help and --help.
var ErrHelp = gotest.ErrHelp

// Help is the text of 'detgo help bisect'.
func Help() string { return helpText }

const helpText = `usage: detgo bisect -seed=N [-sched=S] [-run=REGEXP] [-o FILE] [build/test flags] [package]
       detgo bisect -tape=FILE [-o FILE] [build/test flags] [package]

'detgo bisect' shrinks the schedule of a failing run to the few goroutine
switches the failure needs, and writes a minimal decision tape that still
fails.

A run is a sequence of scheduling decisions: at each yield point (a channel
operation, a mutex, a go statement, ...) the running goroutine stays or
gives way, and when the scheduler must choose, it picks one of the runnable
goroutines. The default decision is to stay, and to pick the goroutine that
has waited longest; a run of defaults switches goroutines only where one
blocks or ends. The other decisions are switches. bisect records the
failing run's tape, then shrinks (ddmin) the set of its switches that,
with every other decision at its default, still fails the same way (same
test, same message up to numbers, same panic frames), until removing any
one of them makes the test pass. Candidate runs replay edited tapes with
DETGO_TAPE_FORCE=1, two at a time. Switches are placed by decision number;
when dropping one moves the later ones off their marks, bisect also tries
them up to 32 decisions earlier or later.

Flags:

	-seed N, -sched S
	    The failing run: as printed by detgo test (detgo: FAIL seed=N sched=S).
	    With the default portfolio, the seed picks the strategy again.

	-tape FILE
	    The failing run is the replay of this decision tape (the 'detgo: tape:'
	    line of detgo test or swarm); it names the seed and the strategy.

	-run REGEXP and every other go test flag
	    As in detgo test. A failure of one test is shrunk with -run ^Test$ if
	    the test fails that way alone. One package.

	-o FILE
	    Where the minimal tape goes; default <Test>.min.tape (bisect.min.tape
	    for a failure outside any test) in the current directory.

	-timeline FILE
	    Draw the minimal run as a Perfetto trace (see 'detgo help test').

	-workers N
	    Candidate runs at once (default 2).

	-timeout D
	    The real-time limit of each run (default 1m). A run that hits it
	    counts as passing: a hang is not the failure being shrunk.

The report lists each critical switch: the decision number, the scheduler
step and the virtual time; the goroutine switched away from, with the kind
of yield point or why it stopped (a wait reason) and its stack; and the
goroutine that ran instead, with the stack it resumed from. Read it as
"had this switch not happened here, the test would have passed". Then:

	detgo: bisect: minimal tape (fails on replay): detgo replay -tape=TestX.min.tape -run '^TestX$' ./pkg

replays the failure with only those switches; add -timeline=FILE to see it
in ui.perfetto.dev.

Exit status: 0 when the minimal tape is written, 2 when bisect cannot work:
a bad command line, a seed whose tests pass, a missing tape.
`
