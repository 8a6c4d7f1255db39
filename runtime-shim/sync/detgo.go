// detgo: yield points in package sync (RWMutex, WaitGroup, Once, Cond).
//
// See internal/sync/detgo.go: under detgo these operations are points where
// the seeded scheduler may switch goroutines, so that interleavings between
// them can be explored. Outside detgo mode the call returns at once.

package sync

// Yield point kinds; the numbers match the detgoYield* constants in
// runtime/detgo_sched.go.
const (
	detgoYieldRWMutexRLock   = 9
	detgoYieldRWMutexRUnlock = 10
	detgoYieldRWMutexLock    = 11
	detgoYieldRWMutexUnlock  = 12
	detgoYieldWaitGroupAdd   = 13
	detgoYieldWaitGroupWait  = 14
	detgoYieldOnce           = 15
	detgoYieldCondSignal     = 16
)

// runtime_detgoYield is provided by the runtime (detgo_sched.go).
func runtime_detgoYield(kind uint8)
