// detgo: seeded entropy.
//
// Every random number a detgo process consumes comes from a stream derived
// from the seed. Streams are separate so that one consumer cannot shift the
// values another sees:
//
//   - boot: replaces AT_RANDOM in randinit. It feeds the hash seeds of maps
//     (alginit), the randomized heap base and every new M's state.
//   - prog: the program-visible stream behind runtime.rand (maps, select,
//     math/rand, math/rand/v2, hash/maphash, os.CreateTemp names, unique,
//     sync.Map), owned by the single P instead of by each M.
//   - cheap: the wyrand state behind cheaprand, seeded from prog.
//   - schedule: the scheduler strategy's decisions; changing the strategy
//     never changes the values the program sees.
//   - crypto: what getrandom returns (crypto/rand with FIPS 140 off).
//
// Package testing reseeds prog, cheap, schedule and crypto at the start of
// every test (detgoTestStart), so that a test's behaviour depends on the seed
// and its name, not on the tests that ran before it.
//
// Invariant: only the M that holds the single P draws from prog, cheap,
// schedule and crypto. An M without a P (the watchdog, an M parked in a
// syscall) uses its own per-M state, which never reaches the program.

package runtime

import (
	"internal/chacha8rand"
	"internal/runtime/math"
	_ "unsafe" // for go:linkname
)

// detgoStream is one ChaCha8 stream.
type detgoStream struct {
	state chacha8rand.State
}

// Stream labels, mixed into the seed so that streams are independent.
const (
	detgoStreamBoot = iota + 1
	detgoStreamProg
	detgoStreamSchedule
	detgoStreamCrypto
)

func detgoSeedStreams(seed uint64) {
	detgo.boot.init(seed, detgoStreamBoot)
	detgo.prog.init(seed, detgoStreamProg)
	detgo.schedule.init(seed, detgoStreamSchedule)
	detgo.crypto.init(seed, detgoStreamCrypto)
	detgo.cheap = detgo.prog.next()
}

func (s *detgoStream) init(seed, label uint64) {
	// splitmix64 spreads (seed, label) over the 256-bit ChaCha8 key.
	x := seed ^ label*0x9e3779b97f4a7c15
	var key [4]uint64
	for i := range key {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		key[i] = z ^ z>>31
	}
	s.state.Init64(key)
}

//go:nosplit
func (s *detgoStream) next() uint64 {
	for {
		if x, ok := s.state.Next(); ok {
			return x
		}
		mp := getg().m
		mp.locks++ // Refill may split the stack; stay on this M
		s.state.Refill()
		mp.locks--
	}
}

// uniform returns a number in [0, n).
//
//go:nosplit
func (s *detgoStream) uniform(n uint64) uint64 {
	hi, _ := math.Mul64(s.next(), n)
	return hi
}

// detgoBootSeed fills the bootstrap seed that randinit would take from
// AT_RANDOM.
func detgoBootSeed(seed *[32]byte) {
	for i := 0; i < len(seed); i += 8 {
		x := detgo.boot.next()
		for j := 0; j < 8; j++ {
			seed[i+j] = byte(x >> (8 * j))
		}
	}
}

// detgoUsesP reports whether the caller draws from the P-owned streams.
//
//go:nosplit
func detgoUsesP(mp *m) bool {
	return detgo.enabled && mp.p != 0
}

// detgoRand is runtime.rand for the P owner.
//
//go:nosplit
func detgoRand() uint64 {
	return detgo.prog.next()
}

// detgoCheaprand is runtime.cheaprand for the P owner (wyrand, as upstream).
//
//go:nosplit
func detgoCheaprand() uint32 {
	detgo.cheap += 0xa0761d6478bd642f
	hi, lo := math.Mul64(detgo.cheap, detgo.cheap^0xe7037ed1a0b428db)
	return uint32(hi ^ lo)
}

// detgoGetrandom is what getrandom(2) returns in detgo mode; it covers
// crypto/rand and every other user of internal/syscall/unix.GetRandom.
func detgoGetrandom(p []byte) int {
	for i := 0; i < len(p); i += 8 {
		x := detgo.crypto.next()
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(x >> (8 * j))
		}
	}
	return len(p)
}

// detgoTestStart reseeds the streams from the seed and a test's full name
// when package testing starts the test, so that a test behaves the same
// whether it runs after others or alone (-run). Virtual time is not reset:
// it never runs backwards.
//
//go:linkname testing_runtime_detgoTestStart testing.runtime_detgoTestStart
func testing_runtime_detgoTestStart(name string) {
	if !detgo.enabled {
		return
	}
	h := uint64(detgoHashOffset)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * detgoHashPrime
	}
	seed := detgo.seed ^ h
	detgo.prog.init(seed, detgoStreamProg)
	detgo.schedule.init(seed, detgoStreamSchedule)
	detgo.crypto.init(seed, detgoStreamCrypto)
	detgo.cheap = detgo.prog.next()
	detgoNetTestStart(seed)
	if detgo.firstTestG == 0 && name != "" { // "" is testing's root, on the main goroutine
		detgo.firstTestG = getg().goid
	}
	detgoStrategyReset()
	detgoTapeTest(h)
	detgoMix(detgoEventTestStart, h)
}
