// detgo: scheduling strategies.
//
// A strategy answers two questions, drawing only from the schedule stream:
//
//   - pick: which of the n goroutines in the canonical run queue runs next
//     (an index into the FIFO, 0 = the one waiting longest);
//   - yield: at a yield point, should the running goroutine give way.
//
// Every answer goes through detgoDecidePick/detgoDecideYield, which also
// record it on the decision tape or take it from one (detgo_tape.go).
//
// Strategies (DETGO_SCHED):
//
//   - random: pick uniformly among the runnable goroutines; at each yield
//     point give way with probability p, drawn once per seed from
//     [1/128, 1/2) so that a sweep covers fine and coarse interleavings.
//   - fifo: pick the goroutine waiting longest; give way after every
//     detgoSlice yield points, like a time slice. Only the program-visible
//     randomness depends on the seed.
//   - pct:D[:K]: Probabilistic Concurrency Testing (Burckhardt et al.,
//     ASPLOS 2010). Goroutines get random distinct priorities > D; D-1
//     change points are drawn uniformly over the first K decisions of each
//     test (without K: K is drawn per test from 16, 32, ... 4096, since a
//     test's length is unknown); at change point j the running goroutine's
//     priority drops to D-j. The highest-priority runnable goroutine always
//     runs, so a yield point gives way exactly when a runnable goroutine has
//     a higher priority. A goroutine that gives way on its own (Gosched,
//     preemption by the watchdog) drops below everyone. A bug of depth D
//     among n goroutines and K decisions is hit with probability at least
//     1/(n*K^(D-1)) per seed.
//   - pos: Partial Order Sampling (Yuan et al., CAV 2018). Goroutines get
//     random priorities; the highest runs; when a goroutine performs an
//     operation on an object (the channel, mutex, WaitGroup... named at the
//     yield point), it and every runnable goroutine waiting to operate on
//     the same object draw new priorities. (Approximation: a goroutine's
//     pending operation is the one it last yielded at.)
//   - delay:B[:K]: delay bounding (Emmi et al., POPL 2011): the fifo
//     scheduler plus B delays at decisions drawn uniformly over the first K
//     of each test (K as for pct): a delayed pick skips the goroutine at the
//     head of the queue, a delayed yield point gives way.
//   - portfolio (the default): one of the above per seed, chosen from a
//     stream of its own, so `-sched=<what the portfolio chose>` replays the
//     same run.
//
// Option "+alloc=N" (e.g. random+alloc=64) makes every N-th allocation by a
// user goroutine a yield point too (detgoAllocTick): denser yield points, for
// code whose critical sections contain no channel or sync operation.
//
// Every strategy restarts its per-test state when package testing starts a
// test (detgoStrategyReset), after the streams are reseeded.

package runtime

type detgoStrategy uint8

const (
	detgoStrategyRandom detgoStrategy = iota
	detgoStrategyFifo
	detgoStrategyPCT
	detgoStrategyPOS
	detgoStrategyDelay
)

const (
	detgoSlice      = 64 // fifo, delay: yield points per slice
	detgoMaxDepth   = 8  // pct: largest D
	detgoMaxDelays  = 16 // delay: largest B
	detgoStreamPort = 5  // stream label of the portfolio's choice
)

// detgoG is the per-goroutine state strategies keep (a field of g).
type detgoG struct {
	prio    int64   // pct, pos: priority; 0 = not yet drawn
	pending uintptr // pos: the object of the operation it last yielded at
	kind    uint8   // detgoKindUser or detgoKindSystem; 0 = not yet known
	node    uint32  // the simulated node it belongs to, 0 for none (detgo_nodes.go)
}

var detgoSched struct {
	kind   detgoStrategy
	depth  int    // pct: D
	bound  int    // delay: B
	limit  uint64 // pct, delay: K; 0 = drawn per test
	yieldP uint64 // random: give way when a 32-bit draw is < yieldP

	// Per test.
	slice     uint32 // fifo, delay: yield points left in the slice
	decisions uint64 // picks and yield points so far
	points    [detgoMaxDelays]uint64
	npoints   int // pct: change points, delay: delay points (sorted)
	next      int // index of the next point to reach
	low       int64
	current   uint64 // goid of the goroutine picked last
	yielded   bool   // it gave way at a yield point (not on its own)

	allocEvery uint64 // option +alloc=N: every N-th allocation is a yield point
	allocs     uint64 // allocations by user goroutines so far
	pollAllocs uint64 // allocs at the last poll (detgoPolled)

	polls    int   // polls in a row with nothing else runnable (detgoPolled)
	spins    int   // polls in a row while others are runnable
	pollJump bool  // the next pick first advances the clock (detgoPollJump)
	pollStep int64 // how far that jump goes, ns; 0 = not polling
	busy     int   // picks since the clock last jumped (detgoBusyPick)
}

// detgoStrategyInit parses DETGO_SCHED and draws the per-seed parameters.
func detgoStrategyInit(spec string) bool {
	s := &detgoSched
	if spec == "" || spec == "portfolio" {
		spec = detgoPortfolio()
	}
	// Options follow the strategy: NAME[:PARAMS][+alloc=N].
	base := spec
	for i := 0; i < len(spec); i++ {
		if spec[i] == '+' {
			base = spec[:i]
			opt := spec[i+1:]
			const alloc = "alloc="
			if len(opt) <= len(alloc) || opt[:len(alloc)] != alloc {
				return false
			}
			n, ok := detgoParseUint(opt[len(alloc):])
			if !ok || n == 0 {
				return false
			}
			s.allocEvery = n
			break
		}
	}
	name, params := base, ""
	for i := 0; i < len(base); i++ {
		if base[i] == ':' {
			name, params = base[:i], base[i+1:]
			break
		}
	}
	s.limit = 0
	switch name {
	case "random":
		s.kind = detgoStrategyRandom
		if params != "" {
			return false
		}
		// p in [1/128, 1/2): one of six octaves, then uniform within it.
		shift := 2 + detgo.schedule.uniform(6)
		s.yieldP = 1<<32>>shift + detgo.schedule.uniform(1<<32>>shift)
	case "fifo":
		s.kind = detgoStrategyFifo
		if params != "" {
			return false
		}
	case "pos":
		s.kind = detgoStrategyPOS
		if params != "" {
			return false
		}
	case "pct", "delay":
		n, k, ok := detgoParseParams(params)
		if !ok {
			return false
		}
		if k != 0 {
			s.limit = k
		}
		if name == "pct" {
			if n < 1 || n > detgoMaxDepth {
				return false
			}
			s.kind, s.depth = detgoStrategyPCT, int(n)
		} else {
			if n > detgoMaxDelays {
				return false
			}
			s.kind, s.bound = detgoStrategyDelay, int(n)
		}
	default:
		return false
	}
	detgo.strategyName = spec
	detgoStrategyReset()
	return true
}

var detgoPortfolioStream detgoStream

// detgoPortfolio chooses the strategy for this seed from a stream of its
// own, so that naming the chosen strategy explicitly gives the same run.
func detgoPortfolio() string {
	s := &detgoPortfolioStream
	s.init(detgo.seed, detgoStreamPort)
	switch r := s.uniform(100); {
	case r < 35:
		return "random"
	case r < 50:
		return "pct:2"
	case r < 65:
		return "pct:3"
	case r < 80:
		return "pos"
	case r < 95:
		return "delay:2"
	}
	return "fifo"
}

// detgoParseParams parses "N" or "N:K".
func detgoParseParams(p string) (n, k uint64, ok bool) {
	for i := 0; i < len(p); i++ {
		if p[i] == ':' {
			n, ok1 := detgoParseUint(p[:i])
			k, ok2 := detgoParseUint(p[i+1:])
			return n, k, ok1 && ok2 && k > 0
		}
	}
	n, ok = detgoParseUint(p)
	return n, 0, ok
}

// detgoStrategyReset starts a fresh decision sequence (a new test); the
// per-seed parameters stay.
func detgoStrategyReset() {
	s := &detgoSched
	s.slice = detgoSlice
	s.decisions = 0
	s.next = 0
	s.npoints = 0
	s.low = 0
	switch s.kind {
	case detgoStrategyPCT:
		s.npoints = s.depth - 1
	case detgoStrategyDelay:
		s.npoints = s.bound
	}
	limit := s.limit
	if limit == 0 {
		// K unknown: a test's length is, so draw its scale, 2^4..2^12
		// decisions, then the points within it.
		limit = 1 << (4 + detgo.schedule.uniform(9))
	}
	for i := 0; i < s.npoints; i++ {
		s.points[i] = 1 + detgo.schedule.uniform(limit)
	}
	// Sort the few points (insertion sort; no allocation).
	for i := 1; i < s.npoints; i++ {
		for j := i; j > 0 && s.points[j] < s.points[j-1]; j-- {
			s.points[j], s.points[j-1] = s.points[j-1], s.points[j]
		}
	}
}

// detgoAtPoint reports whether this decision is the next change or delay
// point; several points may fall on one decision.
func detgoAtPoint() int {
	s := &detgoSched
	hits := 0
	for s.next < s.npoints && s.points[s.next] <= s.decisions {
		s.next++
		hits++
	}
	return hits
}

// detgoPrio returns gp's priority, drawing it on first use.
func detgoPrio(gp *g) int64 {
	if gp.detgo.prio == 0 {
		gp.detgo.prio = int64(detgoSched.depth) + 1 + int64(detgo.schedule.next()>>2)
	}
	return gp.detgo.prio
}

// detgoStrategyPick returns the index in the run queue of the goroutine to
// run next, 0 <= index < n. sched.lock is held. prev is the goroutine that
// ran last if it is now queued without having yielded at a yield point
// (Gosched, or stopped by the watchdog), else nil.
func detgoStrategyPick(n int32, prev *g) int32 {
	s := &detgoSched
	s.decisions++
	switch s.kind {
	case detgoStrategyFifo:
		s.slice = detgoSlice
		return 0
	case detgoStrategyDelay:
		s.slice = detgoSlice
		if detgoAtPoint() > 0 && n > 1 {
			return 1
		}
		return 0
	case detgoStrategyPCT, detgoStrategyPOS:
		if prev != nil {
			// It gave way on its own: it goes below everyone.
			s.low--
			prev.detgo.prio = s.low
		}
		gp, k := detgoHighest(n)
		if s.kind == detgoStrategyPOS && gp.detgo.pending != 0 {
			detgoRedrawConflicts(gp)
		}
		return k
	}
	if n == 1 {
		return 0
	}
	return int32(detgo.schedule.uniform(uint64(n)))
}

// detgoStrategyYield reports whether the running goroutine gp gives way at a
// yield point before an operation on obj.
func detgoStrategyYield(gp *g, obj uintptr) bool {
	s := &detgoSched
	s.decisions++
	switch s.kind {
	case detgoStrategyFifo:
		s.slice--
		return s.slice == 0
	case detgoStrategyDelay:
		s.slice--
		return detgoAtPoint() > 0 || s.slice == 0
	case detgoStrategyPCT:
		if hits := detgoAtPoint(); hits > 0 {
			// Change point j (1-based; s.next is the last one
			// reached) lowers the priority to D-j.
			gp.detgo.prio = int64(s.depth - s.next)
		}
		return detgoHigherQueued(detgoPrio(gp))
	case detgoStrategyPOS:
		gp.detgo.pending = obj
		if detgoHigherQueued(detgoPrio(gp)) {
			return true
		}
		lock(&sched.lock)
		detgoRedrawConflicts(gp) // it performs its operation now
		unlock(&sched.lock)
		return false
	}
	return detgo.schedule.next()>>32 < s.yieldP
}

// detgoHighest returns the highest-priority goroutine in the run queue and
// its index. sched.lock is held.
func detgoHighest(n int32) (*g, int32) {
	best, bestK := sched.runq.head.ptr(), int32(0)
	bestP := detgoPrio(best)
	gp := best.schedlink.ptr()
	for k := int32(1); k < n; k++ {
		if p := detgoPrio(gp); p > bestP {
			best, bestK, bestP = gp, k, p
		}
		gp = gp.schedlink.ptr()
	}
	return best, bestK
}

// detgoHigherQueued reports whether a runnable goroutine has a priority
// above prio.
func detgoHigherQueued(prio int64) bool {
	lock(&sched.lock)
	defer unlock(&sched.lock)
	for gp := sched.runq.head.ptr(); gp != nil; gp = gp.schedlink.ptr() {
		if detgoPrio(gp) > prio {
			return true
		}
	}
	return false
}

// detgoRedrawConflicts gives gp, which performs its pending operation now,
// and every queued goroutine waiting on the same object new priorities
// (pos). sched.lock is held.
func detgoRedrawConflicts(gp *g) {
	obj := gp.detgo.pending
	gp.detgo.pending = 0
	gp.detgo.prio = 0
	detgoPrio(gp)
	if obj == 0 {
		return
	}
	for q := sched.runq.head.ptr(); q != nil; q = q.schedlink.ptr() {
		if q.detgo.pending == obj {
			q.detgo.prio = 0
			detgoPrio(q)
		}
	}
}
