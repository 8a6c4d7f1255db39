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
// Like the report, the log is written with raw system calls from a fixed
// buffer, and only the P owner writes it.

package runtime

import (
	"internal/runtime/sys"
	"unsafe"
)

var detgoTrace struct {
	fd       int32 // -1: no trace
	from, to uint64
	n        int
	buf      [8 << 10]byte
}

// detgoTraceInit reads DETGO_TRACE*. It runs in detgoInit.
func detgoTraceInit() {
	t := &detgoTrace
	t.fd = -1
	s, ok := detgoGetenvEarly("DETGO_TRACE")
	if !ok {
		return
	}
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
	t.fd = open(&path[0], _O_WRONLY|_O_CREAT|_O_TRUNC|_O_CLOEXEC, 0o644)
	if t.fd < 0 {
		detgoFatalConfig("DETGO_TRACE", s, "cannot create the file")
	}
}

// detgoTracing reports whether the current step is inside the window.
func detgoTracing() bool {
	t := &detgoTrace
	s := detgo.steps
	return t.fd >= 0 && s >= t.from && s <= t.to
}

// detgoTraceEvent logs one decision about gp: what is "pick" or "yield",
// n the goroutines it was picked among or the yield point's kind.
func detgoTraceEvent(what string, gp *g, n uint64) {
	detgoTraceStr("step ")
	detgoTraceUint(detgo.steps)
	detgoTraceStr(" vnow ")
	detgoTraceUint(uint64(detgoNanotime() - detgoEpochMono))
	detgoTraceStr(" ")
	detgoTraceStr(what)
	detgoTraceStr(" goroutine ")
	detgoTraceUint(gp.goid)
	if what == "pick" {
		detgoTraceStr(" of ")
	} else {
		detgoTraceStr(" kind ")
	}
	detgoTraceUint(n)
	fn, file, line := detgoWhere(gp)
	detgoTraceStr(" at ")
	detgoTraceStr(fn)
	detgoTraceStr(" ")
	detgoTraceStr(file)
	detgoTraceStr(":")
	detgoTraceUint(uint64(line))
	detgoTraceStr("\n")
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

func detgoTraceStr(s string) {
	for i := 0; i < len(s); i++ {
		detgoTraceByte(s[i])
	}
}

func detgoTraceUint(v uint64) {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for ; i < len(tmp); i++ {
		detgoTraceByte(tmp[i])
	}
}

func detgoTraceByte(c byte) {
	t := &detgoTrace
	if t.n == len(t.buf) {
		detgoTraceFlush()
	}
	t.buf[t.n] = c
	t.n++
}

// detgoTraceFlush writes the buffered log; called when full and at exit.
func detgoTraceFlush() {
	t := &detgoTrace
	if t.fd < 0 {
		return
	}
	b := t.buf[:t.n]
	for len(b) > 0 {
		n := write1(uintptr(t.fd), unsafe.Pointer(&b[0]), int32(len(b)))
		if n <= 0 {
			break
		}
		b = b[n:]
	}
	t.n = 0
}
