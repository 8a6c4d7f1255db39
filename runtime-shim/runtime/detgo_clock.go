// detgo: the virtual clock.
//
// In detgo mode nanotime and time.Now read detgo.now instead of the OS clock.
// The clock starts at a fixed instant (monotonic 1h, wall 2000-01-01T00:00:00Z,
// the same base testing/synctest uses) and moves only in detgoIdle: when no
// goroutine is runnable, it jumps to the next timer. Nothing else moves it,
// so a goroutine sees exactly the time its own history implies, and an hour
// of sleeps passes in microseconds of real time.
//
// Two more rules keep programs that are never idle from starving timers:
//
//   - a goroutine that polls alone (the clock, Gosched, select-default) makes
//     the clock advance in growing steps, never past the next timer
//     (detgoPolled in detgo_sched.go);
//   - a busy streak, detgoBusyFree picks in a row without the clock moving
//     (goroutines ping-ponging on a channel forever), costs detgoBusyTick of
//     virtual time per further pick, so that a timer set during it fires
//     (time.AfterFunc in a busy program). Short bursts of work stay instant,
//     so ordinary durations stay exact.
//
// Invariant: only the P owner writes detgo.now; an idle jump never happens
// while a goroutine is runnable (checked in detgoIdle). Other Ms (the watchdog) use nanotime1,
// the real clock.
//
// syscall.Gettimeofday and syscall.Time read the virtual wall clock too
// (syscall_detgoWalltime). Real clocks that remain: nanotime1 and walltime
// (the runtime's own real-time waits), cputicks (profiling), code that
// linknames time.now directly, and timestamps the kernel puts on files.
//
// Timers due at the same instant are ordered by t.rand, which detgo sets
// from the seed for every timer (as synctest does for its fake timers), so
// timer-ordering races are explored like scheduling races.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

const detgoEpochMono = int64(3600e9) // nanotime at start: 1h (never 0)

// detgoEpochWall is the wall clock at start, in Unix ns: 2000-01-01T00:00:00Z
// unless DETGO_EPOCH (detgo test -epoch) says otherwise.
var detgoEpochWall = int64(946684800) * 1e9

// detgoNanotime is nanotime in detgo mode.
//
//go:nosplit
func detgoNanotime() int64 {
	return atomic.Loadint64(&detgo.now)
}

// detgoTimeNow is time.Now's clock in detgo mode: wall and monotonic time,
// both virtual. Reading the clock is also a yield point, so that a loop
// polling time.Since lets the goroutines it waits for run.
func detgoTimeNow() (sec int64, nsec int32, mono int64) {
	detgoYield(detgoYieldTimeNow, unsafe.Pointer(&detgo.now))
	mono = detgoNanotime()
	wall := detgoEpochWall + (mono - detgoEpochMono)
	return wall / 1e9, int32(wall % 1e9), mono
}

// detgoRuntimeNano is time's monotonic clock (time.Since, time.Until,
// timers) in detgo mode; like detgoTimeNow, a yield point.
func detgoRuntimeNano() int64 {
	detgoYield(detgoYieldTimeNow, unsafe.Pointer(&detgo.now))
	return detgoNanotime()
}

// detgoIdle is called by findRunnable when nothing is runnable. It runs the
// timers that are due and otherwise jumps the clock to the next timer,
// unless that timer is only the test's alarm (a deadlock). It
// reports whether findRunnable should look for work again; false means no
// timer is pending, and the stock path then parks the P, which ends in
// checkdead's deadlock report if no goroutine can ever run.
func detgoIdle(pp *p) bool {
	if !detgo.enabled {
		return false
	}
	now, next, ran := pp.timers.check(0, nil)
	if ran {
		return true
	}
	if next == 0 {
		return false
	}
	if detgoDeadlock(pp, now) || detgoAwaitRealIO(now, next) {
		return true
	}
	lock(&sched.lock)
	if !sched.runq.empty() {
		throw("detgo: virtual clock jump while a goroutine is runnable")
	}
	unlock(&sched.lock)
	if next <= now {
		throw("detgo: next timer is not in the future")
	}
	atomic.Storeint64(&detgo.now, next)
	detgoCount(&detgo.jumps)
	detgoMix(detgoEventJump, uint64(next-detgoEpochMono))
	detgoSched.busy = 0
	return true
}

// detgoAwaitRealIO lets real I/O (pipes, child processes: files the
// simulation does not own) have the real time that the jump to next would
// skip: with a goroutine waiting for such I/O, it waits in the real poller up
// to next-now of real time, and reports whether that woke a goroutine.
// Otherwise a test waiting for a child process under a timeout would see the
// timeout at once. When real I/O is awaited, virtual time therefore passes
// no faster than real time; what arrives, and when, is outside the seed.
func detgoAwaitRealIO(now, next int64) bool {
	if !netpollinited() || !netpollAnyWaiters() {
		return false
	}
	// netpoll returns early on a signal (SIGCHLD when the child exits), so
	// wait on for what is left of the real time.
	deadline := nanotime1() + (next - now)
	for {
		list, delta := netpoll(max(deadline-nanotime1(), 1))
		netpollAdjustWaiters(delta)
		if !list.empty() {
			injectglist(&list)
			return true
		}
		if nanotime1() >= deadline {
			return false
		}
	}
}

const (
	detgoBusyFree = 1000 // picks in a row that take no virtual time
	detgoBusyTick = 1000 // ns each further pick of a busy streak takes
)

// detgoBusyPick is called for every pick: past detgoBusyFree picks without
// the clock moving, each pick advances it by detgoBusyTick.
func detgoBusyPick() {
	if detgoSched.busy++; detgoSched.busy > detgoBusyFree {
		atomic.Storeint64(&detgo.now, detgo.now+detgoBusyTick)
	}
}

// syscall_detgoWalltime is the virtual wall clock for syscall.Gettimeofday
// and syscall.Time; ok is false outside detgo mode.
//
//go:linkname syscall_detgoWalltime syscall.detgoWalltime
func syscall_detgoWalltime() (sec int64, nsec int32, ok bool) {
	if !detgo.enabled {
		return 0, 0, false
	}
	sec, nsec, _ = detgoTimeNow()
	return sec, nsec, true
}
