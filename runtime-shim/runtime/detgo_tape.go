// detgo: decision tapes.
//
// Every scheduling decision goes through detgoDecidePick or detgoDecideYield.
// With DETGO_TAPE_OUT set, each decision is appended to that file as it is
// made; with DETGO_TAPE set, decisions are taken from that file instead of
// from the strategy. A tape is what a failure leaves behind: it survives a
// code edit better than a seed, because replay follows it as long as it
// matches and only then continues from the seed.
//
// Format (version 1): a text header line
//
//	detgo-tape 1 seed=<seed> sched=<strategy>\n
//
// then one record per decision, each a sequence of uvarints:
//
//	pick among n goroutines, chose k:   2n, k     (n >= 1, so 2n is even)
//	yield point, stayed / gave way:     1 / 3
//	a test started:                     5, hash of its name
//
// Replay checks every record against what the program does: a pick record
// must meet a pick among the same number of goroutines, a yield record a
// yield point, a test-start record the same test. At the first mismatch the
// tape has diverged: the report names the decision and what was expected,
// and the strategy (the seed) decides from then on.
//
// With DETGO_TAPE_FORCE=1 (made for detgo bisect, which replays edited
// tapes) the strategy never decides: each record is used by exactly one
// decision whatever it is, a pick record among another number of goroutines
// is clamped to the queue, and a record that does not fit the decision (a
// pick record at a yield point, a yield record at a pick, a test start
// at either) gives the default decision: pick the head of the queue (k = 0,
// the goroutine that waited longest), stay at a yield point. So do
// decisions after the end of the tape. An edited tape thus means "these
// switches, and no others".
//
// I/O goes through fixed buffers and raw system calls, at points fixed by
// the decision sequence, so recording does not change the run.

package runtime

import "unsafe"

var detgoTape struct {
	out, in  int32 // file descriptors; -1 when unused
	force    bool
	replayed uint64 // decisions taken from the tape
	decision uint64 // decisions made so far
	diverged bool
	why      uint8  // what the tape expected at the divergence (detgoTapeWhy)
	whyN     uint64 // the pick's goroutine count the tape expected, if any

	w    detgoWriter // the tape being recorded (DETGO_TAPE_OUT)
	rpos int
	rlen int
	reof bool
	rbuf [64 << 10]byte
}

// What a diverged tape expected; no strings are stored from the scheduler,
// which must not write pointers (write barriers).
const (
	detgoTapeWhyEnded = iota + 1
	detgoTapeWhyPickCount
	detgoTapeWhyTestStart
	detgoTapeWhyYield
	detgoTapeWhyPick
	detgoTapeWhyOtherTest
	detgoTapeWhyNotTestStart
)

var detgoTapeWhyText = [...]string{
	detgoTapeWhyEnded:        "the tape ended",
	detgoTapeWhyPickCount:    "a pick among tape_expected_n goroutines (the run has another number)",
	detgoTapeWhyTestStart:    "a test start (the run is at another decision)",
	detgoTapeWhyYield:        "a yield point (the run picks a goroutine)",
	detgoTapeWhyPick:         "a pick (the run is at a yield point)",
	detgoTapeWhyOtherTest:    "the start of another test",
	detgoTapeWhyNotTestStart: "a pick or yield point (the run starts a test)",
}

const (
	detgoTapeYieldStay = 1
	detgoTapeYieldGo   = 3
	detgoTapeTestStart = 5
)

// detgoTapeInit opens the tapes named by the environment. It runs in
// detgoInit, before the heap exists.
func detgoTapeInit() {
	t := &detgoTape
	t.in = -1
	var path [512]byte
	if s, ok := detgoGetenvEarly("DETGO_TAPE_OUT"); ok {
		if !detgoCString(path[:], s) {
			detgoFatalConfig("DETGO_TAPE_OUT", s, "path too long")
		}
		if !t.w.create(&path[0]) {
			detgoFatalConfig("DETGO_TAPE_OUT", s, "cannot create the file")
		}
		t.w.str("detgo-tape 1 seed=")
		t.w.uint(detgo.seed)
		t.w.str(" sched=")
		t.w.str(detgo.strategyName)
		t.w.byte('\n')
	}
	if s, ok := detgoGetenvEarly("DETGO_TAPE"); ok {
		if !detgoCString(path[:], s) {
			detgoFatalConfig("DETGO_TAPE", s, "path too long")
		}
		t.in = open(&path[0], _O_RDONLY|_O_CLOEXEC, 0)
		if t.in < 0 {
			detgoFatalConfig("DETGO_TAPE", s, "cannot open the file")
		}
		if !detgoTapeSkipHeader() {
			detgoFatalConfig("DETGO_TAPE", s, "not a detgo tape (version 1)")
		}
		f, _ := detgoGetenvEarly("DETGO_TAPE_FORCE")
		t.force = f == "1"
	}
}

// detgoCString copies s into b with a terminating NUL.
func detgoCString(b []byte, s string) bool {
	if len(s) >= len(b) {
		return false
	}
	copy(b, s)
	b[len(s)] = 0
	return true
}

func detgoTapeReadByte() (byte, bool) {
	t := &detgoTape
	if t.rpos == t.rlen {
		if t.reof {
			return 0, false
		}
		n := read(t.in, unsafe.Pointer(&t.rbuf[0]), int32(len(t.rbuf)))
		if n <= 0 {
			t.reof = true
			return 0, false
		}
		t.rpos, t.rlen = 0, int(n)
	}
	c := t.rbuf[t.rpos]
	t.rpos++
	return c, true
}

func detgoTapeReadUvarint() (uint64, bool) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c, ok := detgoTapeReadByte()
		if !ok {
			return 0, false
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, true
		}
	}
	return 0, false
}

// detgoTapeSkipHeader checks and skips the header line.
func detgoTapeSkipHeader() bool {
	const magic = "detgo-tape 1 "
	for i := 0; i < len(magic); i++ {
		c, ok := detgoTapeReadByte()
		if !ok || c != magic[i] {
			return false
		}
	}
	for {
		c, ok := detgoTapeReadByte()
		if !ok {
			return false
		}
		if c == '\n' {
			return true
		}
	}
}

// detgoTapeNext reads the next record's head, or reports the end of the
// tape (which counts as a divergence only if decisions remain).
func detgoTapeNext() (uint64, bool) {
	t := &detgoTape
	if t.in < 0 || t.diverged {
		return 0, false
	}
	v, ok := detgoTapeReadUvarint()
	if !ok {
		detgoTapeDiverge(detgoTapeWhyEnded, 0)
		return 0, false
	}
	return v, true
}

func detgoTapeDiverge(why uint8, n uint64) {
	t := &detgoTape
	t.diverged = true
	t.why = why
	t.whyN = n
	detgoMix(detgoEventTapeDiverged, t.decision)
}

// detgoDecidePick is the pick decision among n runnable goroutines: from
// the tape when replaying, else from the strategy; recorded when recording.
func detgoDecidePick(n int32, prev *g) int32 {
	t := &detgoTape
	t.decision++
	k := int32(-1)
	if v, ok := detgoTapeNext(); ok {
		switch {
		case v&1 == 0 && int32(v/2) == n:
			kk, _ := detgoTapeReadUvarint()
			k = int32(kk)
		case v&1 == 0 && t.force:
			kk, _ := detgoTapeReadUvarint()
			k = min(int32(kk), n-1)
		case v&1 == 0:
			detgoTapeReadUvarint()
			detgoTapeDiverge(detgoTapeWhyPickCount, v/2)
		case v == detgoTapeTestStart:
			detgoTapeReadUvarint()
			if !t.force {
				detgoTapeDiverge(detgoTapeWhyTestStart, 0)
			}
		default:
			if !t.force {
				detgoTapeDiverge(detgoTapeWhyYield, 0)
			}
		}
	}
	switch {
	case k >= 0 && k < n:
		t.replayed++
	case t.force:
		k = 0 // the default decision (see the top of this file)
	default:
		k = detgoStrategyPick(n, prev)
	}
	if t.w.open {
		t.w.uvarint(uint64(n) * 2)
		t.w.uvarint(uint64(k))
	}
	return k
}

// detgoDecideYield is the decision at a yield point of gp before an
// operation on obj.
func detgoDecideYield(gp *g, obj uintptr) bool {
	t := &detgoTape
	t.decision++
	var yield, taken bool
	if v, ok := detgoTapeNext(); ok {
		switch {
		case v == detgoTapeYieldStay || v == detgoTapeYieldGo:
			yield, taken = v == detgoTapeYieldGo, true
		case v&1 == 0 && t.force:
			detgoTapeReadUvarint()
			yield, taken = false, true
		case v&1 == 0:
			detgoTapeReadUvarint()
			detgoTapeDiverge(detgoTapeWhyPick, v/2)
		default:
			detgoTapeReadUvarint()
			if !t.force {
				detgoTapeDiverge(detgoTapeWhyTestStart, 0)
			}
		}
	}
	switch {
	case taken:
		t.replayed++
	case t.force:
		yield = false // the default decision
	default:
		yield = detgoStrategyYield(gp, obj)
	}
	if t.w.open {
		if yield {
			t.w.uvarint(detgoTapeYieldGo)
		} else {
			t.w.uvarint(detgoTapeYieldStay)
		}
	}
	return yield
}

// detgoTapeTest records or checks the start of a test.
func detgoTapeTest(hash uint64) {
	t := &detgoTape
	if v, ok := detgoTapeNext(); ok {
		if v != detgoTapeTestStart {
			if v&1 == 0 {
				detgoTapeReadUvarint()
			}
			detgoTapeDiverge(detgoTapeWhyNotTestStart, 0)
		} else if h, _ := detgoTapeReadUvarint(); h != hash {
			detgoTapeDiverge(detgoTapeWhyOtherTest, 0)
		}
	}
	if t.w.open {
		t.w.uvarint(detgoTapeTestStart)
		t.w.uvarint(hash)
	}
}
