// detgo: yield points in internal/sync's Mutex (the implementation behind
// sync.Mutex).
//
// Under detgo one goroutine runs at a time and switches happen only at
// scheduling and yield points. Locking and unlocking a mutex are where
// concurrency bugs live (a lost update between two critical sections needs a
// switch between one Unlock and the next Lock), so each is a yield point: the
// seeded strategy may let another goroutine run there. Outside detgo mode
// the call returns at once.

package sync

import "unsafe"

// Yield point kinds; the numbers match the detgoYield* constants in
// runtime/detgo_sched.go.
const (
	detgoYieldMutexLock   = 7
	detgoYieldMutexUnlock = 8
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
