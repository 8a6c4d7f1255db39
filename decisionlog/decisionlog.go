// Package decisionlog reads the detgo runtime's decision log: the file a
// test binary writes when run with DETGO_TRACE=<file>, one line per
// scheduling decision,
//
//	step 8 vnow 0 pick goroutine 7 of 3 at example.com/bank.TestDeposits.func1 /src/bank_test.go:13
//	step 8 vnow 0 yield goroutine 7 kind 8 at example.com/bank.(*Account).Balance /src/bank.go:29
//
// and, with DETGO_TRACE_DETAIL=1, indented lines after each that tell the
// decision's number (as counted in the decision tape), the stack of the
// goroutine it concerns, why the goroutine that ran before a pick stopped,
// and where a goroutine picked for the first time was created
// (runtime-shim/runtime/detgo_timeline.go has the format). detgo bisect
// quotes these events in its report; detgo's -timeline draws them.
package decisionlog

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// A Frame is one function call on a stack.
type Frame struct {
	Func string
	File string
	Line int
}

// String is "pkg.Func file:line".
func (f Frame) String() string { return fmt.Sprintf("%s %s:%d", f.Func, f.File, f.Line) }

// Short is "pkg.Func base.go:line".
func (f Frame) Short() string {
	file := f.File
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		file = file[i+1:]
	}
	return fmt.Sprintf("%s %s:%d", f.Func, file, f.Line)
}

// An Event is one decision in the log.
type Event struct {
	Step      uint64 // the scheduler's step count (one per pick)
	VNow      uint64 // virtual nanoseconds since the run started
	Pick      bool   // a pick (the goroutine runs next); otherwise a yield (it gives way)
	Goroutine uint64
	N         uint64 // a pick: among how many runnable goroutines; a yield: the yield point's kind
	At        Frame  // where the goroutine resumes (pick) or gives way (yield), outside the runtime and sync

	// With DETGO_TRACE_DETAIL=1:
	Decision  uint64  // the decision's number in the tape, from 1 (test starts not counted); 0 if not logged
	Stack     []Frame // the goroutine's stack, innermost first
	Stopped   *Stopped
	CreatedBy *Creation
}

// Stopped says what became of the goroutine that ran before a pick.
type Stopped struct {
	Goroutine uint64
	State     string // "waiting", "runnable", "exited" or "status N"
	Reason    string // the runtime's wait reason, e.g. "chan receive", when waiting
	Stack     []Frame
}

// Creation is where a goroutine was created: its parent and the go statement.
type Creation struct {
	Parent uint64
	At     Frame
}

// Yield point kinds as the runtime numbers them (runtime-shim/runtime/detgo_sched.go).
var yieldKinds = [...]string{
	1: "chan send", "chan receive", "chan close", "select", "go statement", "Gosched",
	"Mutex.Lock", "Mutex.Unlock", "RWMutex.RLock", "RWMutex.RUnlock", "RWMutex.Lock", "RWMutex.Unlock",
	"WaitGroup.Add", "WaitGroup.Wait", "Once.Do", "Cond.Signal", "context Err", "time.Now",
	"read", "write", "accept", "allocation",
}

// pollFlag marks a yield point kind as a non-blocking channel operation or select.
const pollFlag = 0x80

// YieldKind names a yield point kind, e.g. "Mutex.Unlock".
func YieldKind(kind uint64) string {
	poll := ""
	if kind&pollFlag != 0 {
		kind &^= pollFlag
		poll = " (non-blocking)"
	}
	if kind < uint64(len(yieldKinds)) && yieldKinds[kind] != "" {
		return yieldKinds[kind] + poll
	}
	return fmt.Sprintf("yield point %d%s", kind, poll)
}

// Parse reads a decision log.
func Parse(data []byte) ([]Event, error) {
	var events []Event
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "\t") {
			if len(events) == 0 {
				return nil, fmt.Errorf("line %d: detail before the first decision", n)
			}
			if err := parseDetail(&events[len(events)-1], line[1:]); err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			continue
		}
		e, err := parseDecision(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		events = append(events, e)
	}
	return events, sc.Err()
}

// parseDecision parses "step S vnow V pick goroutine G of N at FUNC FILE:LINE"
// (or "yield goroutine G kind K at ...").
func parseDecision(line string) (Event, error) {
	var e Event
	head, at, ok := strings.Cut(line, " at ")
	f := strings.Fields(head)
	// step S vnow V pick goroutine G of N / step S vnow V yield goroutine G kind K
	if !ok || len(f) != 9 || f[0] != "step" || f[2] != "vnow" || f[5] != "goroutine" {
		return e, fmt.Errorf("not a decision: %q", line)
	}
	switch {
	case f[4] == "pick" && f[7] == "of":
		e.Pick = true
	case f[4] == "yield" && f[7] == "kind":
	default:
		return e, fmt.Errorf("not a decision: %q", line)
	}
	var err error
	for _, p := range []struct {
		dst *uint64
		s   string
	}{{&e.Step, f[1]}, {&e.VNow, f[3]}, {&e.Goroutine, f[6]}, {&e.N, f[8]}} {
		if *p.dst, err = strconv.ParseUint(p.s, 10, 64); err != nil {
			return e, fmt.Errorf("bad number %q in %q", p.s, line)
		}
	}
	e.At = parseFrame(at)
	return e, nil
}

// parseFrame parses "FUNC FILE:LINE" (the runtime writes "? ?:0" when it
// cannot tell).
func parseFrame(s string) Frame {
	fn, loc, _ := strings.Cut(s, " ")
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return Frame{Func: fn, File: loc}
	}
	line, _ := strconv.Atoi(loc[i+1:])
	return Frame{Func: fn, File: loc[:i], Line: line}
}

func parseDetail(e *Event, s string) error {
	key, rest, _ := strings.Cut(s, " ")
	switch key {
	case "decision":
		d, err := strconv.ParseUint(rest, 10, 64)
		if err != nil {
			return fmt.Errorf("bad decision number %q", rest)
		}
		e.Decision = d
	case "stack":
		e.Stack = append(e.Stack, parseFrame(rest))
	case "stopped":
		if g, ok := strings.CutPrefix(rest, "goroutine "); ok {
			f := strings.Fields(g)
			if len(f) < 2 {
				return fmt.Errorf("bad stopped line %q", s)
			}
			id, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				return fmt.Errorf("bad goroutine %q", f[0])
			}
			st := &Stopped{Goroutine: id, State: f[1]}
			switch f[1] {
			case "waiting":
				st.Reason = strings.Join(f[2:], " ")
			case "status":
				st.State = strings.Join(f[1:], " ")
			}
			e.Stopped = st
			return nil
		}
		at, ok := strings.CutPrefix(rest, "at ")
		if !ok || e.Stopped == nil {
			return fmt.Errorf("bad stopped line %q", s)
		}
		e.Stopped.Stack = append(e.Stopped.Stack, parseFrame(at))
	case "created":
		// "created by goroutine P at FUNC FILE:LINE"
		g, ok := strings.CutPrefix(rest, "by goroutine ")
		if !ok {
			return fmt.Errorf("bad created line %q", s)
		}
		id, at, _ := strings.Cut(g, " at ")
		p, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return fmt.Errorf("bad goroutine %q", id)
		}
		e.CreatedBy = &Creation{Parent: p, At: parseFrame(at)}
	default:
		// Lines this reader does not know yet (the runtime may add more) are skipped.
	}
	return nil
}

// UserFrames returns the frames of stack outside the Go distribution's
// runtime, sync and testing packages: where the program's own code is. If
// there are none, it returns stack.
func UserFrames(stack []Frame) []Frame {
	var out []Frame
	for _, f := range stack {
		if !isStdFrame(f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return stack
	}
	return out
}

func isStdFrame(f Frame) bool {
	for _, p := range []string{"runtime.", "sync.", "internal/", "testing.", "sync/atomic."} {
		if strings.HasPrefix(f.Func, p) {
			return true
		}
	}
	// A compiler-made wrapper (deferwrap, gowrap) of a sync call has the
	// caller's name but the callee's file.
	return strings.Contains(f.File, "/src/sync/") || strings.Contains(f.File, "/src/runtime/")
}
