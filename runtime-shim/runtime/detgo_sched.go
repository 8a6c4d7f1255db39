// detgo: the seeded scheduler.
//
// There is one P and no sysmon, so exactly one goroutine runs at a time and
// the running goroutine keeps the P until it blocks or yields. All runnable
// goroutines live in one canonical FIFO, sched.runq: runqput and
// runqputbatch send everything there (the P's local ring and runnext are
// never used), so the queue's order depends only on the history of
// decisions.
//
// Decisions happen in two places, both driven by the strategy
// (detgo_strategy.go) drawing from the schedule stream:
//
//   - detgoPick, called from findRunnable, removes the next goroutine to run
//     from the queue. It is the only place a goroutine is chosen.
//   - detgoYield, called at yield points (channel operations, select, go
//     statements, sync primitives, time.Now, context's Err, file and socket
//     I/O), may put the running goroutine at the
//     back of the queue so that detgoPick chooses again. This is what lets a
//     switch happen *between* two critical sections.
//
// GC workers and the trace reader are still chosen by the stock code before
// detgoPick, as in stock Go; they are scheduled deterministically because
// the GC pacer reads the virtual clock.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

// Yield point kinds, mixed into the trace hash. internal/sync, sync and
// context and internal/poll pass their own; keep the numbers in step with
// runtime-shim/{sync,internal/sync,context,internal/poll}/detgo.go.
const (
	detgoYieldChanSend = iota + 1
	detgoYieldChanRecv
	detgoYieldChanClose
	detgoYieldSelect
	detgoYieldGo
	detgoYieldGosched
	detgoYieldMutexLock
	detgoYieldMutexUnlock
	detgoYieldRWMutexRLock
	detgoYieldRWMutexRUnlock
	detgoYieldRWMutexLock
	detgoYieldRWMutexUnlock
	detgoYieldWaitGroupAdd
	detgoYieldWaitGroupWait
	detgoYieldOnce
	detgoYieldCondSignal
	detgoYieldContextErr
	detgoYieldTimeNow
	detgoYieldPollRead
	detgoYieldPollWrite
	detgoYieldPollAccept
	detgoYieldAlloc
)

// detgoRunqput replaces runqput in detgo mode: every runnable goroutine goes
// to the back of the canonical queue. It reports whether it took gp.
func detgoRunqput(gp *g) bool {
	if !detgo.enabled {
		return false
	}
	lock(&sched.lock)
	globrunqput(gp)
	unlock(&sched.lock)
	return true
}

// detgoRunqputbatch is runqputbatch's twin; it empties q.
func detgoRunqputbatch(q *gQueue) bool {
	if !detgo.enabled {
		return false
	}
	lock(&sched.lock)
	globrunqputbatch(q)
	unlock(&sched.lock)
	return true
}

// detgoPick chooses the next goroutine to run and removes it from the
// canonical queue. It returns nil if nothing is runnable.
func detgoPick() *g {
	// A goroutine that gave way on its own (Gosched) is polling too; one
	// that blocked (it is not back in the queue) is not polling at all.
	if q := sched.runq.tail.ptr(); q == nil || q.goid != detgoSched.current {
		detgoSched.polls, detgoSched.pollStep, detgoSched.spins = 0, 0, 0
	} else if !detgoSched.yielded {
		detgoPolled(sched.runq.size == 1)
	}
	if detgoSched.pollJump {
		detgoPollJump()
	}

	// Wake the finalizer and cleanup goroutines first, as findRunnable
	// would, so that they take part in this decision.
	if fingStatus.Load()&(fingWait|fingWake) == fingWait|fingWake {
		if gp := wakefing(); gp != nil {
			ready(gp, 0, true)
		}
	}
	if gcCleanups.needsWake() {
		gcCleanups.wake()
	}

	lock(&sched.lock)
	if detgoNodeCrashes > 0 {
		detgoDropCrashed()
	}
	n := sched.runq.size
	if n == 0 {
		unlock(&sched.lock)
		return nil
	}
	var k int32
	var spinner *g // the first goroutine the watchdog stopped, to report
	if spun := atomic.Load64(&detgo.spun); spun != 0 {
		atomic.Store64(&detgo.spun, 0)
		// The watchdog stopped a goroutine that reached no yield point
		// (detgo_watchdog.go); it waits at the back of the queue.
		if sched.runq.tail.ptr().goid == spun {
			if n == 1 {
				// Nothing else can run: resume it and leave no
				// trace, so that a long computation running alone
				// stays deterministic.
				gp := sched.runq.pop()
				unlock(&sched.lock)
				return gp
			}
			// It may be spinning, waiting for another goroutine:
			// run one of those. Where it stopped depended on
			// real time, so this switch is not reproducible.
			if detgoCount(&detgo.nondet) == 1 {
				spinner = sched.runq.tail.ptr()
			}
			n--
		}
	}
	k = detgoDecidePick(n, detgoGaveWay())
	if k < 0 || k >= n {
		throw("detgo: strategy picked outside the run queue")
	}
	gp := detgoRunqRemove(k)
	unlock(&sched.lock)
	if spinner != nil {
		detgoReportSpinner(spinner)
	}

	if gp.goid != detgoSched.current {
		detgoSched.polls, detgoSched.pollStep, detgoSched.spins = 0, 0, 0
	}
	detgoSched.current = gp.goid
	detgoBusyPick()
	if n > 1 && detgo.firstTestG != 0 && detgoUserChoice(gp) {
		detgo.choices++
	}
	step := detgoCount(&detgo.steps)
	detgoMix(detgoEventPick, step, gp.goid, uint64(n))
	detgoCheckpoint(step)
	if detgoTracing() {
		detgoTraceEvent("pick", gp, uint64(n))
	}
	return gp
}

const (
	detgoKindUser = iota + 1
	detgoKindSystem
)

// detgoUserChoice reports whether picked and the goroutines still queued
// include two test goroutines (the tests' own and those they started, which
// have larger goroutine IDs than the first test's; the runtime's background
// goroutines do not count), so that the pick was a real choice for the
// tests. If there never is one, the seed cannot change the interleaving.
// Only the P owner changes the queue.
func detgoUserChoice(picked *g) bool {
	users := 0
	if detgoIsTestG(picked) {
		users++
	}
	for gp := sched.runq.head.ptr(); gp != nil && users < 2; gp = gp.schedlink.ptr() {
		if detgoIsTestG(gp) {
			users++
		}
	}
	return users >= 2
}

func detgoIsTestG(gp *g) bool {
	if gp.goid < detgo.firstTestG {
		return false
	}
	if gp.detgo.kind == 0 {
		gp.detgo.kind = detgoKindUser
		if isSystemGoroutine(gp, false) {
			gp.detgo.kind = detgoKindSystem
		}
	}
	return gp.detgo.kind == detgoKindUser
}

// detgoGaveWay returns the goroutine that ran last if it is back in the run
// queue without having yielded at a yield point: it called Gosched or was
// stopped by the watchdog, which priority strategies treat as giving way.
// sched.lock is held.
func detgoGaveWay() *g {
	yielded := detgoSched.yielded
	detgoSched.yielded = false
	tail := sched.runq.tail.ptr()
	if yielded || tail == nil || tail.goid != detgoSched.current {
		return nil
	}
	return tail
}

// detgoRunqRemove unlinks and returns the k-th goroutine of sched.runq.
// sched.lock must be held.
func detgoRunqRemove(k int32) *g {
	q := &sched.runq
	if k == 0 {
		return q.pop()
	}
	prev := q.head.ptr()
	for i := int32(1); i < k; i++ {
		prev = prev.schedlink.ptr()
	}
	gp := prev.schedlink.ptr()
	prev.schedlink = gp.schedlink
	if q.tail.ptr() == gp {
		q.tail.set(prev)
	}
	gp.schedlink = 0
	q.size--
	return gp
}

// detgoPoll marks a yield point kind as polling: a non-blocking channel
// operation or select (`select { default: }`).
const detgoPoll = 0x80

// detgoPollLimit is how many polls in a row, with no other goroutine
// runnable, make the clock jump to the next timer (detgoPolled).
const detgoPollLimit = 1000

// detgoYieldOp is the yield point of a channel operation or select, which
// polls when it does not block.
func detgoYieldOp(kind uint8, obj unsafe.Pointer, block bool) {
	if !block {
		kind |= detgoPoll
	}
	detgoYield(kind, obj)
}

// detgoPolled counts a poll by the running goroutine: reading the clock,
// context's Err, a non-blocking channel operation or select, Gosched. A
// goroutine that polls while no other goroutine can run is waiting for time
// to pass (`for time.Since(start) < d {}`, `for !done() { Gosched() }` while
// the others sleep), but virtual time only moves when nothing is runnable.
// So after detgoPollLimit such polls in a row the next trip through the
// scheduler advances the clock (detgoPollJump): by 1µs the first time,
// doubling at each further jump while the goroutine keeps polling alone, and
// never past the next timer, which then fires on time. A poller waiting for a
// timer reaches it in a few dozen jumps; one waiting for the clock to pass a
// threshold stops within twice the wait.
//
// Polls alone only count while the goroutine allocates nothing between
// them: a goroutine that allocates is working, not waiting for the clock.
//
// A goroutine that polls detgoPollLimit times in a row while others are
// runnable is spinning on them; if the strategy never lets it give way (pct
// and pos keep running the highest priority), it would spin forever. It then
// gives way as if it had called Gosched, which priority strategies punish.
//
// detgoPolled returns what the caller must do: detgoPollNothing,
// detgoPollJump (the next pick advances the clock) or detgoPollGiveWay.
func detgoPolled(alone bool) int {
	if detgoSched.allocs != detgoSched.pollAllocs {
		// It allocated since the last poll: working, not waiting
		// (TestZeroTimer makes a timer per clock read).
		// The clock must not jump for it; spinning on others still counts.
		detgoSched.pollAllocs = detgoSched.allocs
		detgoSched.polls, detgoSched.pollStep = 0, 0
		alone = false
	}
	if !alone {
		detgoSched.polls, detgoSched.pollStep = 0, 0
		detgoSched.spins++
		if detgoSched.spins < detgoPollLimit {
			return detgoPollNothing
		}
		detgoSched.spins = 0
		return detgoPollGiveWay
	}
	detgoSched.spins = 0
	detgoSched.polls++
	if detgoSched.polls < detgoPollLimit {
		return detgoPollNothing
	}
	detgoSched.polls = 0
	detgoSched.pollJump = true
	return detgoPollJumpDue
}

const (
	detgoPollNothing = iota
	detgoPollJumpDue
	detgoPollGiveWay
)

// detgoPollJump moves the clock to the next timer and runs the timers due,
// for a goroutine that polls alone (detgoPolled). Called from detgoPick
// before it takes sched.lock.
func detgoPollJump() {
	detgoSched.pollJump = false
	pp := getg().m.p.ptr()
	_, next, _ := pp.timers.check(0, nil)
	now := detgoNanotime()
	if detgoSched.pollStep == 0 {
		detgoSched.pollStep = 1000
	}
	to := now + detgoSched.pollStep
	if next != 0 && next < to {
		to = next
	}
	detgoSched.pollStep = min(2*detgoSched.pollStep, 1<<62)
	atomic.Storeint64(&detgo.now, to)
	detgoCount(&detgo.jumps)
	detgoMix(detgoEventPollJump, uint64(to-detgoEpochMono))
	detgoSched.busy = 0
	pp.timers.check(0, nil)
}

// detgoYield is a yield point: the strategy may make the running goroutine
// give way here. It only yields where a goroutine switch is legal and cannot
// disturb the runtime: on a user goroutine's own stack, holding no runtime
// locks, not allocating, and not locked to its thread.
func detgoYield(kind uint8, obj unsafe.Pointer) {
	if !detgo.enabled {
		return
	}
	gp := getg()
	mp := gp.m
	if gp != mp.curg || mp.locks != 0 || mp.p == 0 || mp.mallocing != 0 ||
		mp.preemptoff != "" || mp.lockedg != 0 || mp.dying != 0 || mp.throwing != throwTypeNone {
		return
	}
	detgoCount(&detgo.yieldPoints)
	if kind&detgoPoll != 0 || kind == detgoYieldTimeNow || kind == detgoYieldContextErr {
		switch detgoPolled(sched.runq.empty()) {
		case detgoPollJumpDue:
			// Not a strategy decision: the clock must move (detgoPollJump).
			detgoSched.yielded = true
			mcall(gosched_m)
			return
		case detgoPollGiveWay:
			// Not a strategy decision either: it spins on others.
			mcall(gosched_m)
			return
		}
	}
	if !detgoDecideYield(gp, uintptr(obj)) {
		return
	}
	detgoCount(&detgo.yields)
	detgoMix(detgoEventYield, gp.goid, uint64(kind))
	if detgoTracing() {
		detgoTraceEvent("yield", gp, uint64(kind))
	}
	detgoSched.yielded = true
	mcall(gosched_m)
}

// detgoAllocTick counts allocations by user goroutines; every
// detgoSched.allocEvery-th one is a yield point (a strategy option,
// "+alloc=N"). It cannot switch goroutines inside mallocgc, so a yield is a
// synchronous preemption request that takes effect at the goroutine's next
// function call, the same point in every run.
func detgoAllocTick() {
	gp := getg()
	mp := gp.m
	if gp != mp.curg || mp.p == 0 || mp.lockedg != 0 || mp.dying != 0 {
		return
	}
	detgoSched.allocs++ // also tells detgoPolled that the goroutine does work
	if detgoSched.allocEvery == 0 || detgoSched.allocs%detgoSched.allocEvery != 0 {
		return
	}
	detgoCount(&detgo.yieldPoints)
	if !detgoDecideYield(gp, 0) {
		return
	}
	detgoCount(&detgo.yields)
	detgoMix(detgoEventYield, gp.goid, detgoYieldAlloc)
	detgoSched.yielded = true
	gp.preempt = true
	gp.stackguard0 = stackPreempt
}

//go:linkname sync_runtime_detgoYield sync.runtime_detgoYield
func sync_runtime_detgoYield(kind uint8, obj unsafe.Pointer) {
	detgoYield(kind, obj)
}

//go:linkname internal_sync_runtime_detgoYield internal/sync.runtime_detgoYield
func internal_sync_runtime_detgoYield(kind uint8, obj unsafe.Pointer) {
	detgoYield(kind, obj)
}

//go:linkname poll_runtime_detgoYield internal/poll.runtime_detgoYield
func poll_runtime_detgoYield(kind uint8, obj unsafe.Pointer) {
	detgoYield(kind, obj)
}

//go:linkname context_runtime_detgoYield context.runtime_detgoYield
func context_runtime_detgoYield(kind uint8, obj unsafe.Pointer) {
	detgoYield(kind, obj)
}
