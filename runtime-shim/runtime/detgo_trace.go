// detgo: the event log of a window of steps.
//
// The trace hash says that two runs diverged and the checkpoints say between
// which steps; to say *where*, the CLI runs the seed again with
// DETGO_TRACE=<file> and DETGO_TRACE_FROM/DETGO_TRACE_TO set to that window.
// Every decision inside the window is then written to the file as one line:
//
//	step 5123 vnow 1200000000 pick goroutine 17 of 3 at example.com/bank.(*Account).Set /src/bank.go:21
//	step 5123 vnow 1200000000 yield goroutine 17 kind 7 at example.com/bank.(*Account).Set /src/bank.go:20
//
// "at" names the goroutine's innermost frame outside the runtime and the
// sync packages: where it stopped (pick) or where it gives way (yield).
// Comparing the logs of two runs names the first decision that differs.
// DETGO_TRACE_DETAIL=1 adds stacks and more (detgo_timeline.go).
// Like the report, the log is written with raw system calls from a fixed
// buffer, and only the P owner writes it.

package runtime

import "internal/runtime/sys"

var detgoTrace struct {
	w        detgoWriter
	from, to uint64
}

// detgoTraceInit reads DETGO_TRACE*. It runs in detgoInit.
func detgoTraceInit() {
	t := &detgoTrace
	s, ok := detgoGetenvEarly("DETGO_TRACE")
	if !ok {
		return
	}
	detgoTraceDetailInit() // DETGO_TRACE_DETAIL (detgo_timeline.go)
	var path [512]byte
	if !detgoCString(path[:], s) {
		detgoFatalConfig("DETGO_TRACE", s, "path too long")
	}
	t.to = 1<<64 - 1
	if v, ok := detgoGetenvEarly("DETGO_TRACE_FROM"); ok {
		if t.from, ok = detgoParseUint(v); !ok {
			detgoFatalConfig("DETGO_TRACE_FROM", v, "want a step number")
		}
	}
	if v, ok := detgoGetenvEarly("DETGO_TRACE_TO"); ok {
		if t.to, ok = detgoParseUint(v); !ok {
			detgoFatalConfig("DETGO_TRACE_TO", v, "want a step number")
		}
	}
	if !t.w.create(&path[0]) {
		detgoFatalConfig("DETGO_TRACE", s, "cannot create the file")
	}
}

// detgoTracing reports whether the current step is inside the window.
func detgoTracing() bool {
	t := &detgoTrace
	s := detgo.steps
	return t.w.open && s >= t.from && s <= t.to
}

// detgoTraceEvent logs one decision about gp: what is "pick" or "yield",
// n the goroutines it was picked among or the yield point's kind.
func detgoTraceEvent(what string, gp *g, n uint64) {
	w := &detgoTrace.w
	w.str("step ")
	w.uint(detgo.steps)
	w.str(" vnow ")
	w.uint(uint64(detgoNanotime() - detgoEpochMono))
	w.byte(' ')
	w.str(what)
	w.str(" goroutine ")
	w.uint(gp.goid)
	if what == "pick" {
		w.str(" of ")
	} else {
		w.str(" kind ")
	}
	w.uint(n)
	fn, file, line := detgoWhere(gp)
	w.str(" at ")
	w.str(fn)
	w.byte(' ')
	w.str(file)
	w.byte(':')
	w.uint(uint64(line))
	w.byte('\n')
	detgoTraceDetail(what, gp) // DETGO_TRACE_DETAIL lines (detgo_timeline.go)
}

// detgoWhere names gp's innermost frame outside the runtime and sync.
// gp must be stopped (its sched holds where) or be the caller itself.
func detgoWhere(gp *g) (fn, file string, line int32) {
	pc, sp, lr := gp.sched.pc, gp.sched.sp, gp.sched.lr
	if gp == getg() {
		pc, sp, lr = sys.GetCallerPC(), sys.GetCallerSP(), 0
	}
	// A goroutine's own stack is unwound from the system stack; the
	// closure only writes a PC (the scheduler allows no write barriers).
	var where uintptr
	systemstack(func() {
		var u unwinder
		for u.initAt(pc, sp, lr, gp, unwindSilentErrors); u.valid(); u.next() {
			name := funcname(u.frame.fn)
			if !detgoHasPrefix(name, "runtime.") && !detgoHasPrefix(name, "sync.") &&
				!detgoHasPrefix(name, "internal/sync.") && !detgoHasPrefix(name, "internal/poll.") {
				where = u.symPC()
				return
			}
		}
	})
	if where == 0 {
		return "?", "?", 0
	}
	f := findfunc(where)
	file, line = funcline1(f, where, false)
	return funcname(f), file, line
}

func detgoHasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}
