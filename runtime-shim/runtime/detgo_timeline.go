// detgo: the decision log in detail, for timelines and bisection.
//
// The decision log (detgo_trace.go) names each decision in one line. With
// DETGO_TRACE_DETAIL=1 as well, every line is followed by indented lines
// that tell the rest of the story of the run, which detgo replay -timeline
// draws as a Perfetto trace and detgo bisect quotes in its report:
//
//	step 9 vnow 0 pick goroutine 8 of 3 at example.com/bank.TestDeposits.func1 /src/bank_test.go:13
//		decision 71
//		stopped goroutine 7 waiting sync.Mutex.Lock
//		stopped at example.com/bank.(*Account).Set /src/bank.go:35
//		stopped at example.com/bank.(*Account).Deposit /src/bank.go:45
//		created by goroutine 6 at example.com/bank.TestDeposits /src/bank_test.go:13
//		stack example.com/bank.TestDeposits.func1 /src/bank_test.go:13
//
// "decision" is the decision's number as the tape counts them (from 1; test
// starts are not decisions). "stopped" is the goroutine picked before this
// one (the previous running goroutine) with its state now: waiting (and
// why: the runtime's wait reason), runnable (it gave way or was preempted)
// or exited; then, unless it exited, its stack, innermost frame first.
// "created by" comes with a goroutine's first pick: its parent and the go
// statement. "stack" is the picked goroutine's stack, where it resumes.
// A yield line is followed by its decision number and the stack of the
// goroutine that gives way.
//
// Stacks leave out the runtime's own frames. Like the rest of the log, the
// lines are written by the P owner from fixed buffers, with no allocation
// and no pointer writes.
//
// Network events (connections, deliveries) will be logged here too when the
// fake network lands, as "net" lines the timeline draws as flows.

package runtime

import "internal/runtime/sys"

var detgoDetail struct {
	on       bool
	prev     guintptr // the goroutine picked last (gs are never freed, only reused)
	prevGoid uint64   // its goid then: a g that exited may have been reused
}

// detgoStackDepth bounds the frames written per stack.
const detgoStackDepth = 24

// detgoTraceDetailInit reads DETGO_TRACE_DETAIL. It runs in detgoTraceInit.
func detgoTraceDetailInit() {
	v, _ := detgoGetenvEarly("DETGO_TRACE_DETAIL")
	detgoDetail.on = v == "1"
}

// detgoTraceDetail writes the detail lines of the decision just logged about
// gp (what is "pick" or "yield").
//
//go:noinline
func detgoTraceDetail(what string, gp *g) {
	d := &detgoDetail
	if !d.on {
		return
	}
	w := &detgoTrace.w
	w.str("\tdecision ")
	w.uint(detgoTape.decision)
	w.byte('\n')
	if what != "pick" {
		// The yielding goroutine is the caller itself.
		detgoWriteStack("\tstack ", gp, sys.GetCallerPC(), sys.GetCallerSP(), 0)
		return
	}
	if prev := d.prev.ptr(); prev != nil {
		w.str("\tstopped goroutine ")
		w.uint(d.prevGoid)
		status := readgstatus(prev) &^ _Gscan
		switch {
		case prev.goid != d.prevGoid || status == _Gdead:
			w.str(" exited\n")
		case status == _Gwaiting:
			w.str(" waiting ")
			w.str(prev.waitreason.String())
			w.byte('\n')
			detgoWriteStack("\tstopped at ", prev, prev.sched.pc, prev.sched.sp, prev.sched.lr)
		case status == _Grunnable:
			w.str(" runnable\n")
			detgoWriteStack("\tstopped at ", prev, prev.sched.pc, prev.sched.sp, prev.sched.lr)
		default:
			w.str(" status ")
			w.uint(uint64(status))
			w.byte('\n')
		}
	}
	if gp.sched.pc == gp.startpc && gp.gopc != 0 {
		// Never ran: say where it was created.
		w.str("\tcreated by goroutine ")
		w.uint(gp.parentGoid)
		f := findfunc(gp.gopc)
		if f.valid() {
			pc := gp.gopc
			if pc > f.entry() {
				pc -= sys.PCQuantum
			}
			file, line := funcline1(f, pc, false)
			w.str(" at ")
			w.str(funcname(f))
			w.byte(' ')
			w.str(file)
			w.byte(':')
			w.uint(uint64(line))
		}
		w.byte('\n')
	}
	detgoWriteStack("\tstack ", gp, gp.sched.pc, gp.sched.sp, gp.sched.lr)
	d.prev.set(gp)
	d.prevGoid = gp.goid
}

// detgoWriteStack writes gp's stack from (pc, sp, lr), one frame per line
// after prefix, innermost first, without the runtime's frames.
func detgoWriteStack(prefix string, gp *g, pc, sp, lr uintptr) {
	w := &detgoTrace.w
	// A goroutine's stack is unwound on the system stack; the closure
	// writes only bytes into the log's buffer.
	systemstack(func() {
		var u unwinder
		n := 0
		for u.initAt(pc, sp, lr, gp, unwindSilentErrors); u.valid() && n < detgoStackDepth; u.next() {
			// Inlined calls are frames of their own, as in a traceback.
			for iu, uf := newInlineUnwinder(u.frame.fn, u.symPC()); uf.valid() && n < detgoStackDepth; uf = iu.next(uf) {
				name := iu.srcFunc(uf).name()
				if detgoHasPrefix(name, "runtime.") {
					continue
				}
				n++
				file, line := iu.fileLine(uf)
				w.str(prefix)
				w.str(name)
				w.byte(' ')
				w.str(file)
				w.byte(':')
				w.uint(uint64(line))
				w.byte('\n')
			}
		}
	})
}
