// detgo: a yield point in cancelCtx.Err.
//
// `for ctx.Err() == nil { ... }` is how Go code waits for a cancellation
// without blocking. Under detgo only one goroutine runs at a time, so such a
// loop must reach a point where the seeded scheduler can run the goroutine
// that cancels; Err is that point. Outside detgo mode the call returns at
// once.

package context

import _ "unsafe" // for go:linkname

// detgoYieldContextErr matches the constant in runtime/detgo_sched.go.
const detgoYieldContextErr = 17

// runtime_detgoYield is provided by the runtime (detgo_sched.go).
//
//go:linkname runtime_detgoYield
func runtime_detgoYield(kind uint8)
