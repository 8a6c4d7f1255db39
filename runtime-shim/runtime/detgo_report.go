// detgo: the trace hash and the run report.
//
// Every decision (which goroutine runs, where a goroutine gave way, every
// clock jump) is mixed into detgo.hash, an FNV-1a-style 64-bit hash over
// 64-bit words. Two runs of the same binary with the same seed must end with
// the same hash; `detgo test -check` compares them. Every
// detgoCheckpointInterval picks the hash is also recorded as a checkpoint, so
// that two diverging runs can be told apart by the first checkpoint that
// differs. When the checkpoint table fills up, every other entry is dropped
// and the interval doubles, so the table always spans the whole run.
//
// At exit (os.Exit, a fatal panic or a fatal error) the report is written to
// $DETGO_REPORT as `key value` lines, never to stdout or stderr, so the test's
// own output stays byte-for-byte what it would be:
//
//	seed 7
//	sched random
//	hash 0x1f2e3d4c5b6a7988
//	steps 12345
//	...
//	checkpoint 1024 0x0123456789abcdef
//
// Readers must ignore keys they do not know.

package runtime

import (
	"internal/runtime/atomic"
	"unsafe"
)

const (
	detgoEventPick = iota + 1
	detgoEventYield
	detgoEventJump
	detgoEventTestStart
	detgoEventTapeDiverged
	detgoEventPollJump
)

const (
	detgoMaxCheckpoints     = 4096
	detgoCheckpointInterval = 1024
)

type detgoCheckpointEntry struct {
	step, hash uint64
}

const (
	detgoHashOffset = 14695981039346656037
	detgoHashPrime  = 1099511628211
)

// detgoMix mixes an event and its values into the trace hash.
func detgoMix(event uint64, vals ...uint64) {
	h := detgo.hash
	if h == 0 {
		h = detgoHashOffset
	}
	h = (h ^ event) * detgoHashPrime
	for _, v := range vals {
		h = (h ^ v) * detgoHashPrime
	}
	detgo.hash = h
}

// detgoCheckpoint records the hash after pick number step, when due.
func detgoCheckpoint(step uint64) {
	if step%detgo.checkpointEvery != 0 {
		return
	}
	if detgo.ncheckpoints == len(detgo.checkpoints) {
		// Keep the entries at multiples of the doubled interval.
		j := 0
		for i := 1; i < len(detgo.checkpoints); i += 2 {
			detgo.checkpoints[j] = detgo.checkpoints[i]
			j++
		}
		detgo.ncheckpoints = j
		detgo.checkpointEvery *= 2
		if step%detgo.checkpointEvery != 0 {
			return
		}
	}
	detgo.checkpoints[detgo.ncheckpoints] = detgoCheckpointEntry{step, detgo.hash}
	detgo.ncheckpoints++
}

// detgoWriter is how detgo writes its files (report, tape, decision log):
// formatted into a fixed buffer and flushed with raw write calls, with no
// allocation and no pointer writes, because it runs inside the scheduler and
// while the process may be dying.
type detgoWriter struct {
	fd   int32
	open bool
	n    int
	buf  [8 << 10]byte
}

// create opens path (NUL-terminated) for writing, truncating it.
func (w *detgoWriter) create(path *byte) bool {
	w.fd = open(path, _O_WRONLY|_O_CREAT|_O_TRUNC|_O_CLOEXEC, 0o644)
	w.open = w.fd >= 0
	return w.open
}

func (w *detgoWriter) flush() {
	if !w.open {
		return
	}
	b := w.buf[:w.n]
	for len(b) > 0 {
		n := write1(uintptr(w.fd), unsafe.Pointer(&b[0]), int32(len(b)))
		if n <= 0 {
			break
		}
		b = b[n:]
	}
	w.n = 0
}

func (w *detgoWriter) byte(c byte) {
	if w.n == len(w.buf) {
		w.flush()
	}
	w.buf[w.n] = c
	w.n++
}

func (w *detgoWriter) str(s string) {
	for i := 0; i < len(s); i++ {
		w.byte(s[i])
	}
}

func (w *detgoWriter) uint(v uint64) {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for ; i < len(tmp); i++ {
		w.byte(tmp[i])
	}
}

func (w *detgoWriter) hex(v uint64) {
	const hexdigits = "0123456789abcdef"
	w.str("0x")
	for shift := 60; shift >= 0; shift -= 4 {
		w.byte(hexdigits[(v>>shift)&15])
	}
}

func (w *detgoWriter) uvarint(v uint64) {
	for v >= 0x80 {
		w.byte(byte(v) | 0x80)
		v >>= 7
	}
	w.byte(byte(v))
}

var detgoReportOut detgoWriter

// detgoReport writes the run report once, and the rest of the decision
// tape and decision log. exitCode is recorded as given.
func detgoReport(exitCode int) {
	if !detgo.enabled || !atomic.Cas(&detgo.reported, 0, 1) {
		return
	}
	detgoTape.w.flush()
	detgoTrace.w.flush()
	if detgo.reportPath[0] == 0 {
		return
	}
	w := &detgoReportOut
	if !w.create(&detgo.reportPath[0]) {
		print("detgo: cannot write the run report to ", gostringnocopy(&detgo.reportPath[0]), "\n")
		return
	}
	w.line("seed", detgo.seed)
	w.str("sched ")
	w.str(detgo.strategyName)
	w.str("\nhash ")
	w.hex(detgo.hash)
	w.byte('\n')
	w.line("steps", atomic.Load64(&detgo.steps))
	w.line("yieldpoints", atomic.Load64(&detgo.yieldPoints))
	w.line("yields", atomic.Load64(&detgo.yields))
	w.line("jumps", atomic.Load64(&detgo.jumps))
	w.line("vnow", uint64(detgoNanotime()-detgoEpochMono))
	w.line("nondet", atomic.Load64(&detgo.nondet))
	w.line("watchdog", atomic.Load64(&detgo.watchdogStops))
	w.line("choices", detgo.choices)
	w.line("exit", uint64(exitCode))
	if detgoTape.in >= 0 {
		w.line("tape_replayed", detgoTape.replayed)
		if detgoTape.diverged {
			w.line("tape_diverged", detgoTape.decision)
			w.str("tape_expected ")
			w.str(detgoTapeWhyText[detgoTape.why])
			w.byte('\n')
			if detgoTape.whyN != 0 {
				w.line("tape_expected_n", detgoTape.whyN)
			}
		}
	}
	for i := 0; i < detgo.ncheckpoints; i++ {
		c := detgo.checkpoints[i]
		w.str("checkpoint ")
		w.uint(c.step)
		w.byte(' ')
		w.hex(c.hash)
		w.byte('\n')
	}
	w.flush()
	closefd(w.fd)
}

// line writes "key value\n".
func (w *detgoWriter) line(key string, v uint64) {
	w.str(key)
	w.byte(' ')
	w.uint(v)
	w.byte('\n')
}
