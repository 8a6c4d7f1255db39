// Package flags is a detgo example: a bug that needs a map order and an
// interleaving at the same time.
//
// Reload applies a new configuration one flag at a time, in map iteration
// order. When a rollout turns on new-checkout and new-payments together, a
// request that takes its snapshot between the two updates sees new-checkout
// on and new-payments still off and fails: in production a few checkouts
// error out during a rollout, and nobody can reproduce it. The map order is
// not the rare part: with these four flags, Go 1.26 visits new-checkout
// before new-payments in about 7 of 8 iterations (small maps only rotate
// their start slot). The rare part is a request landing in the
// sub-microsecond gap between two Set calls. detgo picks both the map order and the interleaving
// from the seed, so a failing seed replays exactly.
//
// Measured on a 2-core machine with Go 1.26: `go test -count=1000` failed 0
// times in each of 8 runs (and 0 of 10000 with -count=10000), also with
// GOMAXPROCS=1; with -race, 0 to 12 of 1000. There is no data race for -race
// to report.
package flags

import (
	"errors"
	"maps"
	"sync"
)

// Flags is a set of named feature flags, safe for concurrent use.
type Flags struct {
	mu sync.RWMutex
	on map[string]bool
}

// New returns flags with the given initial values.
func New(initial map[string]bool) *Flags {
	return &Flags{on: maps.Clone(initial)}
}

// Enabled reports whether the named flag is on.
func (f *Flags) Enabled(name string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.on[name]
}

// Set turns one flag on or off.
func (f *Flags) Set(name string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on[name] = on
}

// Snapshot returns a consistent copy of all flags, for one request to use
// from start to end.
func (f *Flags) Snapshot() map[string]bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return maps.Clone(f.on)
}

// Reload applies a new configuration, e.g. after the config file changed.
//
// BUG: each flag is switched on its own, in map order, so readers can see
// half of a rollout.
func (f *Flags) Reload(next map[string]bool) {
	for name, on := range next {
		if f.Enabled(name) != on {
			f.Set(name, on)
		}
	}
}

// ErrNoPayments is returned when the new checkout is on without the payments
// API it depends on.
var ErrNoPayments = errors.New("new-checkout is on but new-payments is off")

// Checkout handles one checkout request with the flow the flags select.
func Checkout(f *Flags) (flow string, err error) {
	s := f.Snapshot()
	if !s["new-checkout"] {
		return "legacy", nil
	}
	// The new checkout only speaks to the v2 payments API.
	if !s["new-payments"] {
		return "", ErrNoPayments
	}
	return "v2", nil
}
