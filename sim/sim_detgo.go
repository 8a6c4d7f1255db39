//go:build detgo

package sim

import _ "unsafe" // for go:linkname

// Provided by the patched standard library (syscall/detgo_sim.go).

//go:linkname active syscall.detgoSimActive
func active() bool

//go:linkname setLink syscall.detgoSimSetLink
func setLink(latency, jitter int64)

//go:linkname setBandwidth syscall.detgoSimSetBandwidth
func setBandwidth(bitsPerSecond int64)

//go:linkname addNode syscall.detgoSimAddNode
func addNode(name string) int

//go:linkname setPath syscall.detgoSimSetPath
func setPath(from, to, what int, blocked bool, latency int64, lossPPM uint64)

//go:linkname setDup syscall.detgoSimSetDup
func setDup(from, to int, dupPPM uint64)

//go:linkname heal syscall.detgoSimHeal
func heal()

//go:linkname simRand syscall.detgoSimRand
func simRand() uint64

//go:linkname crash syscall.detgoSimCrash
func crash(id int)

//go:linkname goOnNode syscall.detgoSimGo
func goOnNode(id int, f func()) bool

//go:linkname clog syscall.detgoSimClog
func clog(from, to int, d int64)
