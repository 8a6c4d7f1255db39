// detgo: yield points in package sync (RWMutex, WaitGroup, Once, Cond).
//
// See internal/sync/detgo.go: under detgo these operations are points where
// the seeded scheduler may switch goroutines, so that interleavings between
// them can be explored. Outside detgo mode the call returns at once.

package sync

import "unsafe"

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

// detgoYield is a yield point before or after an operation on obj, which
// the runtime's strategies use to tell which goroutines conflict.
func detgoYield[T any](kind uint8, obj *T) {
	runtime_detgoYield(kind, unsafe.Pointer(obj))
}

// runtime_detgoYield is provided by the runtime (detgo_sched.go).
//
//go:linkname runtime_detgoYield
func runtime_detgoYield(kind uint8, obj unsafe.Pointer)
