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

// The report is written while the process may be dying, so it is formatted
// into a fixed buffer, flushed to the file as it fills, and nothing is
// allocated.
var detgoReportOut struct {
	fd  int32
	n   int
	buf [8 << 10]byte
}

// detgoReport writes the run report once, and the rest of the decision
// tape. exitCode is recorded as given.
func detgoReport(exitCode int) {
	if !detgo.enabled || !atomic.Cas(&detgo.reported, 0, 1) {
		return
	}
	detgoTapeFlush()
	detgoTraceFlush()
	if detgo.reportPath[0] == 0 {
		return
	}
	fd := open(&detgo.reportPath[0], _O_WRONLY|_O_CREAT|_O_TRUNC|_O_CLOEXEC, 0o644)
	if fd < 0 {
		print("detgo: cannot write the run report to ", gostringnocopy(&detgo.reportPath[0]), "\n")
		return
	}
	detgoReportOut.fd = fd
	detgoReportUint("seed", detgo.seed)
	detgoReportStr("sched", detgo.strategyName)
	detgoReportHex("hash", detgo.hash)
	detgoReportUint("steps", atomic.Load64(&detgo.steps))
	detgoReportUint("yieldpoints", atomic.Load64(&detgo.yieldPoints))
	detgoReportUint("yields", atomic.Load64(&detgo.yields))
	detgoReportUint("jumps", atomic.Load64(&detgo.jumps))
	detgoReportUint("vnow", uint64(detgoNanotime()-detgoEpochMono))
	detgoReportUint("nondet", atomic.Load64(&detgo.nondet))
	detgoReportUint("watchdog", atomic.Load64(&detgo.watchdogStops))
	detgoReportUint("choices", detgo.choices)
	detgoReportUint("exit", uint64(exitCode))
	if detgoTape.in >= 0 {
		detgoReportUint("tape_replayed", detgoTape.replayed)
		if detgoTape.diverged {
			detgoReportUint("tape_diverged", detgoTape.decision)
			detgoReportStr("tape_expected", detgoTapeWhyText[detgoTape.why])
			if detgoTape.whyN != 0 {
				detgoReportUint("tape_expected_n", detgoTape.whyN)
			}
		}
	}
	for i := 0; i < detgo.ncheckpoints; i++ {
		c := detgo.checkpoints[i]
		detgoReportBytes("checkpoint ")
		detgoReportDigits(c.step)
		detgoReportBytes(" ")
		detgoReportHexDigits(c.hash)
		detgoReportBytes("\n")
	}
	detgoReportFlush()
	closefd(fd)
}

func detgoReportFlush() {
	out := &detgoReportOut
	b := out.buf[:out.n]
	for len(b) > 0 {
		n := write1(uintptr(out.fd), unsafe.Pointer(&b[0]), int32(len(b)))
		if n <= 0 {
			break
		}
		b = b[n:]
	}
	out.n = 0
}

func detgoReportBytes(s string) {
	out := &detgoReportOut
	if out.n+len(s) > len(out.buf) {
		detgoReportFlush()
	}
	out.n += copy(out.buf[out.n:], s)
}

func detgoReportDigits(v uint64) {
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
		detgoReportByte(tmp[i])
	}
}

func detgoReportHexDigits(v uint64) {
	const hexdigits = "0123456789abcdef"
	detgoReportBytes("0x")
	for shift := 60; shift >= 0; shift -= 4 {
		detgoReportByte(hexdigits[(v>>shift)&15])
	}
}

func detgoReportByte(c byte) {
	out := &detgoReportOut
	if out.n == len(out.buf) {
		detgoReportFlush()
	}
	out.buf[out.n] = c
	out.n++
}

func detgoReportUint(key string, v uint64) {
	detgoReportBytes(key)
	detgoReportBytes(" ")
	detgoReportDigits(v)
	detgoReportBytes("\n")
}

func detgoReportHex(key string, v uint64) {
	detgoReportBytes(key)
	detgoReportBytes(" ")
	detgoReportHexDigits(v)
	detgoReportBytes("\n")
}

func detgoReportStr(key, v string) {
	detgoReportBytes(key)
	detgoReportBytes(" ")
	detgoReportBytes(v)
	detgoReportBytes("\n")
}
