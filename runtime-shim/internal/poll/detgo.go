// detgo: yield points before file and socket I/O.
//
// Reads, writes and accepts are where goroutines that share a connection or
// a file interleave; under detgo each is a point where the seeded scheduler
// may switch goroutines. Outside detgo mode the call returns at once.

package poll

import "unsafe"

// Yield point kinds; the numbers match the detgoYield* constants in
// runtime/detgo_sched.go.
const (
	detgoYieldPollRead   = 18
	detgoYieldPollWrite  = 19
	detgoYieldPollAccept = 20
)

// detgoYield is a yield point before an operation on fd.
func detgoYield(kind uint8, fd *FD) {
	runtime_detgoYield(kind, unsafe.Pointer(fd))
}

// runtime_detgoYield is provided by the runtime (detgo_sched.go).
//
//go:linkname runtime_detgoYield
func runtime_detgoYield(kind uint8, obj unsafe.Pointer)
