// detgo: the watchdog.
//
// In detgo mode sysmon does not run: its preemption, P retaking and forced
// GCs all depend on real time. The watchdog takes its thread slot and only
// observes. It watches the scheduler's progress counters in real time; when
// the running goroutine has reached no scheduling or yield point for
// detgoWatchdogLimit, it is spinning in a loop that detgo cannot interrupt
// deterministically (for example `for !done.Load() {}` waiting for another
// goroutine). The watchdog then asks it to stop at its next function call,
// exactly as sysmon would, and counts the event in detgo.nondet: where in
// the loop the request lands depends on real time, so the report says the
// run was not reproducible by construction. The next pick then prefers
// another goroutine (detgo.spun), since a spinning goroutine waits for one.
//
// The watchdog is counted in sched.nmsys, as sysmon is, so that checkdead
// still reports "all goroutines are asleep" when nothing can run. It takes
// no locks and allocates nothing, so it cannot perturb the P owner.

package runtime

import "internal/runtime/atomic"

const detgoWatchdogLimit = 1e9 // real ns without progress before stepping in

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
	var last uint64
	since := nanotime1()
	for {
		usleep(20 * 1000)
		progress := atomic.Load64(&detgo.steps) + atomic.Load64(&detgo.yieldPoints)
		now := nanotime1()
		if progress != last {
			last, since = progress, now
			continue
		}
		if now-since < detgoWatchdogLimit {
			continue
		}
		since = now
		if pp := allp[0]; pp.status == _Prunning && preemptone(pp) {
			detgoCount(&detgo.nondet)
			atomic.Store(&detgo.spun, 1)
		}
	}
}
