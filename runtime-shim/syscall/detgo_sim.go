// detgo: the syscall end of the sim package (github.com/detgo/detgo/sim).
//
// The sim package, built with -tags=detgo (as detgo test always builds),
// links to these functions by name; the //go:linkname markers below allow
// it. Outside detgo mode they report an inactive simulation and change
// nothing.

package syscall

import _ "unsafe" // for go:linkname

// detgoSimActive reports whether the program runs under detgo.
//
//go:linkname detgoSimActive
func detgoSimActive() bool {
	return detgoNet
}

// detgoSimSetLink sets the latency and jitter, in ns, of every packet sent
// from now on on the simulated network.
//
//go:linkname detgoSimSetLink
func detgoSimSetLink(latency, jitter int64) {
	if !detgoNet {
		return
	}
	simk.mu.Lock()
	simk.latency, simk.jitter = max(latency, 0), max(jitter, 0)
	simk.mu.Unlock()
}

// detgoSimSetBandwidth sets the bandwidth, in bits per second, of every
// link of the simulated network, for packets sent from now on; <= 0
// restores the default, 10 Gbit/s.
//
//go:linkname detgoSimSetBandwidth
func detgoSimSetBandwidth(bitsPerSecond int64) {
	if !detgoNet {
		return
	}
	if bitsPerSecond <= 0 {
		bitsPerSecond = detgoBandwidth
	}
	simk.mu.Lock()
	simk.bandwidth = bitsPerSecond
	simk.mu.Unlock()
}
