// detgo: the watchdog.
//
// In detgo mode sysmon does not run: its preemption, P retaking and forced
// GCs all depend on real time. The watchdog takes its thread slot and only
// observes. It watches, in real time, the scheduler's progress counters and
// the heap. A goroutine that reaches no scheduling or yield point is either
// computing (a long sort, a big JSON document) or spinning in a loop that
// detgo cannot interrupt deterministically, such as `for !done.Load() {}` or
// `for ctx.Err() == nil {}` waiting for another goroutine. Spinning loops
// rarely allocate; computations usually do. So the watchdog steps in after
// detgoSpinLimit without scheduling progress and without allocation, or
// after detgoStallLimit without scheduling progress at all.
//
// Stepping in means asking the running goroutine to stop, exactly as sysmon
// would: at its next function call, or at once through the preemption
// signal for a loop that makes none. Where in its loop it stops
// depends on real time. The next pick prefers another goroutine (detgo.spun),
// since a spinning goroutine waits for one; that switch happened at a point
// chosen by real time, so it is counted in detgo.nondet. If no other
// goroutine is runnable, the same goroutine resumes and the pick leaves no
// trace, so a long computation that runs alone stays deterministic.
//
// A switch away from a stopped goroutine cannot be replayed, so the first
// one is reported on stderr with that goroutine's stack and the seed
// (detgoReportSpinner), and the wrapper fails the run: it passed or failed
// by real time, not by the seed (the report's nondet count).
//
// The watchdog is counted in sched.nmsys, as sysmon is, so that checkdead
// still reports "all goroutines are asleep" when nothing can run. It takes
// no locks and allocates nothing, so it cannot perturb the P owner.

package runtime

import "internal/runtime/atomic"

// The limits are generous: stepping in makes the run fail as not
// reproducible, so a long computation on a loaded machine must not look
// like a spin.
const (
	detgoSpinLimit  = 5e9  // real ns without scheduling progress or allocation
	detgoStallLimit = 10e9 // real ns without scheduling progress
)

// detgoStartWatchdog replaces newm(sysmon) in detgo mode.
func detgoStartWatchdog() {
	// Count it here, on the main M at a fixed point, rather than in the new
	// thread where taking sched.lock could contend with the P owner.
	lock(&sched.lock)
	sched.nmsys++
	unlock(&sched.lock)
	newm(detgoWatchdog, nil, -1)
}

//go:nowritebarrierrec
func detgoWatchdog() {
	var lastProgress, lastHeap uint64
	sinceProgress := nanotime1()
	sinceAlloc := sinceProgress
	for {
		usleep(20 * 1000)
		now := nanotime1()
		if p := atomic.Load64(&detgo.steps) + atomic.Load64(&detgo.yieldPoints); p != lastProgress {
			lastProgress, sinceProgress, sinceAlloc = p, now, now
			continue
		}
		if h := gcController.heapLive.Load(); h != lastHeap {
			lastHeap, sinceAlloc = h, now
		}
		if now-sinceAlloc < detgoSpinLimit && now-sinceProgress < detgoStallLimit {
			continue
		}
		sinceProgress, sinceAlloc = now, now
		pp := allp[0]
		mp := pp.m.ptr()
		if pp.status != _Prunning || mp == nil {
			continue
		}
		if gp := mp.curg; gp != nil && gp != mp.g0 {
			atomic.Store64(&detgo.spun, gp.goid)
			if preemptone(pp) {
				detgoCount(&detgo.watchdogStops)
				// A loop without function calls never checks the
				// request: interrupt it with the preemption
				// signal, which GODEBUG=asyncpreemptoff keeps
				// preemptone from sending.
				if preemptMSupported {
					preemptM(mp)
				}
			}
		}
	}
}

// detgoReportSpinner prints, once per run, the goroutine the watchdog
// stopped and why that breaks determinism. gp is stopped in the run queue.
func detgoReportSpinner(gp *g) {
	print("detgo: tight loop: goroutine ", gp.goid, " ran for over ", detgoSpinLimit/1e9,
		"s of real time without reaching a scheduling point (seed ", detgo.seed, ").\n",
		"detgo cannot interleave such a loop deterministically: it stopped the goroutine where real time said, so this run cannot be replayed.\n",
		"Let the loop wait on something detgo sees (a channel, a sync primitive, time.Sleep, runtime.Gosched) instead of spinning on memory.\n")
	goroutineheader(gp)
	traceback(^uintptr(0), ^uintptr(0), 0, gp)
	print("\n")
}
