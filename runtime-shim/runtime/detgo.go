// detgo: deterministic simulation mode for the Go runtime.
//
// When the process starts with DETGO_SEED in its environment, everything the
// program can observe becomes a pure function of that seed:
//
//   - Exactly one P exists and there is no sysmon and no asynchronous
//     preemption, so exactly one goroutine runs at any time (detgo_sched.go).
//   - Every runnable goroutine sits in one canonical queue (sched.runq) and
//     every choice of the next goroutine is made in one place, detgoPick, by a
//     seeded strategy. Yield points (channel ops, select, go statements, sync
//     primitives) let the strategy switch where bugs live.
//   - Time is virtual (detgo_clock.go): it starts at a fixed instant and moves
//     only when nothing is runnable, jumping to the next timer.
//   - All randomness comes from streams derived from the seed
//     (detgo_entropy.go): the scheduler's own, the program's (maps, select,
//     math/rand, temp names), and crypto/rand's.
//   - Every decision is mixed into a trace hash that the process writes to
//     $DETGO_REPORT when it exits (detgo_report.go), so that two runs can be
//     compared.
//
// Without DETGO_SEED, detgo.enabled is false and every hook is a no-op: the
// binary behaves like stock Go.
//
// Invariants (checked where they can break):
//   - detgo.enabled never changes after detgoInit.
//   - gomaxprocs == 1 while enabled (runtime.GOMAXPROCS is virtual).
//   - Only the M holding the single P mutates scheduler, clock, hash and
//     stream state; the watchdog M only reads counters.
//
// Environment (read straight from envp, before goenvs, like GODEBUG):
//
//	DETGO_SEED    the seed, a decimal uint64; its presence enables detgo
//	DETGO_SCHED   strategy (detgo_strategy.go); default: a portfolio
//	DETGO_REPORT  file the run report is written to at exit
//	DETGO_TAPE_OUT, DETGO_TAPE, DETGO_TAPE_FORCE  record or replay a
//	              decision tape (detgo_tape.go)
//	DETGO_TRACE, DETGO_TRACE_FROM, DETGO_TRACE_TO  log the decisions of a
//	              window of steps (detgo_trace.go)
//	DETGO_TRACE_DETAIL  add stacks and goroutine creators to that log, for
//	              bisect and timelines (detgo_timeline.go)
//	DETGO_NUMCPU  value of runtime.NumCPU and the initial GOMAXPROCS (default 4)
//	DETGO_EPOCH   the virtual wall clock's start, Unix ns (default 2000-01-01)
//	DETGO_NETLOG  1: the simulated network logs its packets (syscall/detgo_netlog.go)

package runtime

import (
	"internal/runtime/atomic"
	"internal/stringslite"
	"unsafe"
)

// detgoState is all of detgo's runtime state. It lives in one global so that
// it is easy to find in a debugger.
type detgoState struct {
	enabled bool
	seed    uint64

	strategyName string // as DETGO_SCHED names it; the portfolio's choice if unset

	numCPU int32 // what runtime.NumCPU reports
	vprocs int32 // what runtime.GOMAXPROCS reports (virtual; the real value is 1)

	now int64 // virtual monotonic clock, ns; written only by the P owner

	// The test binary's alarm (-test.timeout, set by testing) and whether
	// detgoIdle fired it early because nothing else can ever happen; see
	// detgo_deadlock.go.
	alarm      *timer
	deadlocked bool

	netLog bool // DETGO_NETLOG=1 (syscall_detgoNetLogEnabled)

	// Streams; see detgo_entropy.go.
	boot     detgoStream
	prog     detgoStream
	cheap    uint64 // wyrand state for cheaprand, seeded from prog
	schedule detgoStream
	crypto   detgoStream

	// Trace; see detgo_report.go. Counters are read by the watchdog, so
	// they are updated atomically.
	hash          uint64
	steps         uint64 // picks of the next goroutine
	yieldPoints   uint64 // yield points reached
	yields        uint64 // yield points at which the running goroutine gave way
	jumps         uint64 // idle clock jumps
	nondet        uint64 // switches detgo could not make deterministic (after a watchdog stop)
	watchdogStops uint64 // goroutines the watchdog stopped for reaching no yield point
	firstTestG    uint64 // goid of the first test's goroutine; 0 before any test
	choices       uint64 // picks with two test goroutines to choose from
	spun          uint64 // goid of the goroutine the watchdog stopped, until the next pick

	checkpoints     [detgoMaxCheckpoints]detgoCheckpointEntry
	ncheckpoints    int
	checkpointEvery uint64

	reportPath [512]byte // NUL-terminated copy of $DETGO_REPORT ("" = none)
	reported   uint32    // set once the report is written
}

var detgo detgoState

// detgoInit reads the DETGO_* environment and seeds every stream. It runs in
// schedinit before randinit, so it must not allocate.
func detgoInit() {
	seed, ok := detgoGetenvEarly("DETGO_SEED")
	if !ok {
		return
	}
	n, ok := detgoParseUint(seed)
	if !ok {
		detgoFatalConfig("DETGO_SEED", seed, "want an unsigned 64-bit decimal number")
	}
	detgo.enabled = true
	detgo.seed = n
	detgo.numCPU = 4
	if s, ok := detgoGetenvEarly("DETGO_NUMCPU"); ok {
		v, ok := detgoParseUint(s)
		if !ok || v == 0 || v > 1024 {
			detgoFatalConfig("DETGO_NUMCPU", s, "want a number from 1 to 1024")
		}
		detgo.numCPU = int32(v)
	}
	detgo.vprocs = detgo.numCPU
	if s, ok := detgoGetenvEarly("DETGO_NETLOG"); ok {
		detgo.netLog = s == "1"
	}
	if s, ok := detgoGetenvEarly("DETGO_EPOCH"); ok {
		v, ok := detgoParseUint(s)
		if !ok || v > 1<<62 {
			detgoFatalConfig("DETGO_EPOCH", s, "want the wall clock's start in Unix nanoseconds")
		}
		detgoEpochWall = int64(v)
	}
	if s, ok := detgoGetenvEarly("DETGO_REPORT"); ok {
		if len(s) >= len(detgo.reportPath) {
			detgoFatalConfig("DETGO_REPORT", s, "path too long")
		}
		copy(detgo.reportPath[:], s)
	}
	detgoSeedStreams(n)
	sched, _ := detgoGetenvEarly("DETGO_SCHED")
	if !detgoStrategyInit(sched) {
		detgoFatalConfig("DETGO_SCHED", sched, "want random, fifo, pct:D[:K], pos, delay:B[:K] or portfolio")
	}
	detgoTapeInit()
	detgoTraceInit()
	detgo.now = detgoEpochMono
	detgo.checkpointEvery = detgoCheckpointInterval
}

// detgoPinDebug turns off the GODEBUG settings that would bring real time or
// real parallelism back. Called from schedinit after the GODEBUG parse.
func detgoPinDebug() {
	if !detgo.enabled {
		return
	}
	debug.asyncpreemptoff = 1 // preemption only at deterministic points
	debug.updatemaxprocs = 0  // GOMAXPROCS must not follow the real CPU quota
}

// detgoProcs returns the number of Ps schedinit should create.
func detgoProcs(procs int32) int32 {
	if !detgo.enabled {
		return procs
	}
	sched.customGOMAXPROCS = true // no background GOMAXPROCS updates
	return 1
}

// detgoGOMAXPROCS implements runtime.GOMAXPROCS in detgo mode: the value is
// remembered and reported back (testing uses it for -parallel), but the real
// number of Ps stays 1.
func detgoGOMAXPROCS(n int) int {
	ret := int(detgo.vprocs)
	if n > 0 {
		detgo.vprocs = int32(n)
	}
	return ret
}

// detgoGetenvEarly finds name in the process environment before goenvs has
// run. The returned string points into the environment block, which lives as
// long as the process.
func detgoGetenvEarly(name string) (string, bool) {
	n := int32(0)
	for argv_index(argv, argc+1+n) != nil {
		n++
	}
	for i := int32(0); i < n; i++ {
		p := argv_index(argv, argc+1+i)
		s := unsafe.String(p, findnull(p))
		if len(s) > len(name) && s[len(name)] == '=' && stringslite.HasPrefix(s, name) {
			return s[len(name)+1:], true
		}
	}
	return "", false
}

func detgoParseUint(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// detgoFatalConfig reports a malformed DETGO_* variable and exits with the
// usage status. The detgo CLI validates first, so only hand-set variables
// get here.
func detgoFatalConfig(name, value, why string) {
	print("detgo: ", name, "=", value, ": ", why, "\n")
	exit(2)
}

// detgoCount atomically increments a trace counter.
//
//go:nosplit
func detgoCount(p *uint64) uint64 {
	return atomic.Xadd64(p, 1)
}

// detgoRunFileVars name files of this run rather than of the program: the
// report, the decision tape and the decision log. The program does not see
// them (os.Environ, os.Getenv), so a test binary that runs itself or other
// detgo binaries (os/exec of os.Args[0]) cannot write over its own report
// or tape. Its children still get DETGO_SEED and run on the detgo runtime.
var detgoRunFileVars = [...]string{"DETGO_REPORT=", "DETGO_TAPE_OUT=", "DETGO_TAPE=", "DETGO_TAPE_FORCE=", "DETGO_TRACE"}

// detgoProgramEnv is the environment the program sees in detgo mode.
func detgoProgramEnv() []string {
	out := make([]string, 0, len(envs))
next:
	for _, kv := range envs {
		for _, v := range detgoRunFileVars {
			if stringslite.HasPrefix(kv, v) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// os_detgoEnabled tells package os whether it runs under detgo
// (os/detgo_pidfd_linux.go).
//
//go:linkname os_detgoEnabled os.detgoEnabled
func os_detgoEnabled() bool { return detgo.enabled }
