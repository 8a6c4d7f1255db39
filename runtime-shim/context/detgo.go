// detgo: a yield point in cancelCtx.Err.
//
// `for ctx.Err() == nil { ... }` is how Go code waits for a cancellation
// without blocking. Under detgo only one goroutine runs at a time, so such a
// loop must reach a point where the seeded scheduler can run the goroutine
// that cancels; Err is that point. Outside detgo mode the call returns at
// once.

package context

import "unsafe"

// detgoYieldContextErr matches the constant in runtime/detgo_sched.go.
const detgoYieldContextErr = 17

// detgoYield is a yield point before or after an operation on obj, which
// the runtime's strategies use to tell which goroutines conflict.
func detgoYield[T any](kind uint8, obj *T) {
	runtime_detgoYield(kind, unsafe.Pointer(obj))
}

// runtime_detgoYield is provided by the runtime (detgo_sched.go).
//
//go:linkname runtime_detgoYield
func runtime_detgoYield(kind uint8, obj unsafe.Pointer)
