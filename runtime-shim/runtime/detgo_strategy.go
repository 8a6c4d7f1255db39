// detgo: scheduling strategies.
//
// A strategy answers two questions, drawing only from the schedule stream:
//
//   - pick: which of the n goroutines in the canonical run queue runs next
//     (an index into the FIFO, 0 = the one waiting longest);
//   - yield: at a yield point, should the running goroutine give way.
//
// Strategies:
//
//   - random: pick uniformly among the runnable goroutines; at each yield
//     point give way with probability p. p is drawn once per seed from
//     [1/128, 1/2) so that a sweep of seeds covers both fine-grained and
//     coarse interleavings.
//   - fifo: pick the goroutine waiting longest; give way after every
//     detgoFifoSlice yield points, like a time slice. Only the
//     program-visible randomness depends on the seed.

package runtime

type detgoStrategy uint8

const (
	detgoStrategyRandom detgoStrategy = iota
	detgoStrategyFifo
)

const detgoFifoSlice = 64

var detgoSched struct {
	yieldP uint64 // random: give way when a draw below 2^32 is < yieldP
	slice  uint32 // fifo: yield points left in the running goroutine's slice
}

// detgoStrategyInit selects the strategy named by DETGO_SCHED.
func detgoStrategyInit(name string) bool {
	switch name {
	case "", "random":
		detgo.strategy = detgoStrategyRandom
		// p in [1/128, 1/2): one of six octaves, then uniform within it.
		shift := 2 + detgo.schedule.uniform(6)
		detgoSched.yieldP = 1<<32>>shift + detgo.schedule.uniform(1<<32>>shift)
	case "fifo":
		detgo.strategy = detgoStrategyFifo
		detgoSched.slice = detgoFifoSlice
	default:
		return false
	}
	return true
}

// detgoStrategyReset starts a fresh decision sequence (a new test); the
// parameters drawn for the seed stay.
func detgoStrategyReset() {
	detgoSched.slice = detgoFifoSlice
}

// detgoStrategyName is the strategy's name as DETGO_SCHED spells it.
func detgoStrategyName() string {
	switch detgo.strategy {
	case detgoStrategyFifo:
		return "fifo"
	}
	return "random"
}

// detgoStrategyPick returns the index in the run queue of the goroutine to
// run next, 0 <= index < n.
func detgoStrategyPick(n int32) int32 {
	switch detgo.strategy {
	case detgoStrategyFifo:
		detgoSched.slice = detgoFifoSlice
		return 0
	}
	if n == 1 {
		return 0
	}
	return int32(detgo.schedule.uniform(uint64(n)))
}

// detgoStrategyYield reports whether the running goroutine gives way at this
// yield point.
func detgoStrategyYield() bool {
	switch detgo.strategy {
	case detgoStrategyFifo:
		detgoSched.slice--
		return detgoSched.slice == 0
	}
	return detgo.schedule.next()>>32 < detgoSched.yieldP
}
