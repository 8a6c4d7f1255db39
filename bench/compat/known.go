package main

import "strings"

// known holds the diagnosed cause of every test that passes natively and
// not under detgo, keyed "package TestName" ("package *" for every test of
// a package, "package -check" for a run that differs as a whole). The
// table prints UNDIAGNOSED for anything not here; docs/compat.md explains
// each cause at length.
var known = map[string]string{
	// Spin-wait loops starve the goroutine they wait for under pct/pos:
	// a yield point gives way only to a higher-priority goroutine.
	"sync TestConcurrentRange":                      causeStarve,
	"context TestContextErrDoneRace":                causeStarve,
	"sync/atomic TestValueCompareAndSwapConcurrent": "scheduling-bound: a token ring of 1000 goroutines passed by runtime.Gosched needs ~10^8 picks under random, pct:2 and pos (fifo: 0.06s); real-time limit",
	"time TestAfterFuncStarvation":                  causeClock,
	"os/exec TestConcurrentExec":                    causeSyscall,
	"net TestSplice":                                causeSyscall,
}

const (
	causeStarve  = "detgo bug (strategy): a loop polling a yield point (ctx.Err, select default) keeps the highest pct priority forever and starves the goroutine it waits for; seed's portfolio pick is pct:3"
	causeClock   = "detgo limit: virtual time moves only when nothing is runnable; two goroutines ping-ponging on a channel keep the 1µs AfterFunc from ever firing"
	causeSyscall = "detgo bug (runtime): a goroutine blocked in a syscall (waitid in os/exec's Cmd.Wait) keeps the simulation's only P; the goroutines that would make the child exit never run"
)

func knownCause(pkg, test string) string {
	if c, ok := known[pkg+" "+test]; ok {
		return c
	}
	for k, c := range known {
		p, t, _ := strings.Cut(k, " ")
		if p == pkg && t == "*" {
			return c
		}
	}
	return ""
}
