// Package sim lets a test ask about, and tune, the simulation detgo runs it
// in. Under detgo test (which builds with -tags=detgo on a patched standard
// library) its functions reach into the simulation; under plain go test they
// report that no simulation is active and change nothing, so a test that
// uses sim runs both ways.
//
// The simulated network: sockets live in an in-memory kernel with one host
// whose addresses are 127.0.0.0/8 and ::1. Every packet takes the link
// latency plus a seeded jitter; SetLink changes both.
package sim

import "time"

// Active reports whether the program runs under detgo's simulation.
func Active() bool {
	return active()
}

// SetLink sets the one-way latency of every packet sent from now on on the
// simulated network, and the jitter: each packet takes an extra delay drawn
// from the seed, uniformly in [0, jitter). The default is 50µs and 10µs.
// Negative values count as zero. Outside detgo, SetLink does nothing.
func SetLink(latency, jitter time.Duration) {
	setLink(int64(latency), int64(jitter))
}
