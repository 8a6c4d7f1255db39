//go:build detgo

package sim

import _ "unsafe" // for go:linkname

// Provided by the patched standard library (syscall/detgo_sim.go).

//go:linkname active syscall.detgoSimActive
func active() bool

//go:linkname setLink syscall.detgoSimSetLink
func setLink(latency, jitter int64)
