// Package timeline draws a detgo run as a Chrome/Perfetto trace: a JSON
// file in the Trace Event Format
// (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU)
// that ui.perfetto.dev and chrome://tracing open.
//
// It is made from the run's detailed decision log (package decisionlog):
//
//   - each goroutine is a track (tid = goroutine ID), named after the
//     function it runs, with the goroutine that created it and where;
//   - a slice on a goroutine's track is a span in which it ran: from the
//     pick that chose it to the next pick, named after the function it
//     resumed in, with the step, the virtual time and the stack;
//   - instant events mark why a goroutine stopped running: it gave way at a
//     yield point (and which: Mutex.Unlock, chan send, ...), it blocked
//     (with the runtime's wait reason: chan receive, sync.Mutex.Lock, ...),
//     it was put back in the queue, or it exited.
//
// Time is virtual time, in microseconds since the run started. Virtual time
// stands still while goroutines run (it moves only when all are blocked
// and a timer is due, or when one polls the clock), so many decisions share
// one instant; to keep them apart and in order, each decision is drawn at
// least 1 ns after the one before: ts = max(virtual time, previous ts + 1 ns).
// A goroutine that blocks just before the clock jumps is drawn stopping
// then, not when the next goroutine wakes.
// The drawing therefore runs ahead of virtual time by at most 1 ns per
// decision; every event's args carry the exact virtual time (vnow_ns) and
// step.
//
// Goroutines that the runtime schedules outside detgo's decisions (GC
// workers) are not drawn. Network flows (connections, deliveries of the fake
// network) will be flow events between the sending and receiving goroutines
// once the runtime logs them ("net" lines in the decision log).
package timeline

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/detgo/detgo/decisionlog"
)

// Run describes the run being drawn.
type Run struct {
	Title  string // the process name, e.g. "example.com/bank seed=2 sched=random"
	EndNow uint64 // virtual time at the end of the run (the report's vnow), to close the last span
}

// An event of the Trace Event Format. Fields are omitted when empty, except
// ts, which every drawn event has.
type event struct {
	Name  string         `json:"name"`
	Cat   string         `json:"cat,omitempty"`
	Ph    string         `json:"ph"`
	Ts    micros         `json:"ts"`
	Dur   *micros        `json:"dur,omitempty"`
	Pid   int            `json:"pid"`
	Tid   uint64         `json:"tid"`
	Scope string         `json:"s,omitempty"`
	Args  map[string]any `json:"args,omitempty"`
}

// micros is a time in nanoseconds written as microseconds with three
// decimals, exactly.
type micros uint64

func (m micros) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%d.%03d", m/1000, m%1000)), nil
}

// pid is the one process of the trace.
const pid = 1

// Write writes the trace of the decisions events of run to w.
func Write(w io.Writer, events []decisionlog.Event, run Run) error {
	var out []event
	meta := func(name string, tid uint64, args map[string]any) {
		out = append(out, event{Name: name, Ph: "M", Pid: pid, Tid: tid, Args: args})
	}
	meta("process_name", 0, map[string]any{"name": run.Title})

	// Display times: virtual time, each decision at least 1 ns after the last.
	ts := make([]micros, len(events))
	end := micros(run.EndNow)
	for i, e := range events {
		ts[i] = micros(e.VNow)
		if i > 0 {
			ts[i] = max(ts[i], ts[i-1]+1)
		}
		end = max(end, ts[i]+1)
	}
	// When the goroutine before pick j stopped: at the pick, unless the
	// clock jumped in between and it had blocked or exited; then it stopped
	// before the jump (virtual time does not move while a goroutine runs)
	// and nothing ran until the timer that woke the next one.
	stopped := slices.Clone(ts)
	for j := 1; j < len(events); j++ {
		if s := events[j].Stopped; s != nil && s.State != "runnable" && events[j].VNow > events[j-1].VNow {
			stopped[j] = ts[j-1] + 1
		}
	}

	named := map[uint64]bool{}
	for i, e := range events {
		if !named[e.Goroutine] {
			named[e.Goroutine] = true
			args := map[string]any{"name": trackName(e)}
			meta("thread_name", e.Goroutine, args)
			meta("thread_sort_index", e.Goroutine, map[string]any{"sort_index": e.Goroutine})
		}
		common := func(e decisionlog.Event) map[string]any {
			return map[string]any{"step": e.Step, "vnow_ns": e.VNow, "vnow": time.Duration(e.VNow).String()}
		}
		if !e.Pick {
			args := common(e)
			args["at"] = e.At.String()
			args["stack"] = stackLines(e.Stack)
			out = append(out, event{Name: "gives way at " + decisionlog.YieldKind(e.N), Cat: "yield", Ph: "i", Scope: "t",
				Ts: ts[i], Pid: pid, Tid: e.Goroutine, Args: args})
			continue
		}
		// Why the goroutine before stopped; a yield says so already.
		if s := e.Stopped; s != nil && !(i > 0 && !events[i-1].Pick && events[i-1].Goroutine == s.Goroutine) {
			name := "stops: " + s.State
			switch s.State {
			case "waiting":
				name = "blocks: " + s.Reason
			case "runnable":
				name = "stops: back in the run queue"
			case "exited":
				name = "exits"
			}
			args := common(e)
			if stopped[i] != ts[i] { // before the clock jumped
				args = common(events[i-1])
			}
			if len(s.Stack) > 0 {
				args["stack"] = stackLines(s.Stack)
			}
			out = append(out, event{Name: name, Cat: "stop", Ph: "i", Scope: "t",
				Ts: stopped[i], Pid: pid, Tid: s.Goroutine, Args: args})
		}
		// The span it runs: until it stops, which the next pick says.
		until := end
		for j := i + 1; j < len(events); j++ {
			if events[j].Pick {
				until = stopped[j]
				break
			}
		}
		dur := until - ts[i]
		args := common(e)
		args["resumes at"] = e.At.String()
		args["runnable goroutines"] = e.N
		if len(e.Stack) > 0 {
			args["stack"] = stackLines(e.Stack)
		}
		if c := e.CreatedBy; c != nil {
			args["created by"] = "goroutine " + strconv.FormatUint(c.Parent, 10) + " at " + c.At.String()
		}
		out = append(out, event{Name: spanName(e), Cat: "run", Ph: "X",
			Ts: ts[i], Dur: &dur, Pid: pid, Tid: e.Goroutine, Args: args})
	}
	// One event per line: compact for long runs, yet diffable.
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"displayTimeUnit":"ns","traceEvents":[`)
	for i, e := range out {
		if i > 0 {
			bw.WriteByte(',')
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// trackName names a goroutine's track after the function it runs (the
// outermost frame of its stack when first seen), or else after the function
// that created it.
func trackName(e decisionlog.Event) string {
	name := "goroutine " + strconv.FormatUint(e.Goroutine, 10)
	switch {
	case len(e.Stack) > 0:
		name += " " + shortFunc(e.Stack[len(e.Stack)-1].Func)
	case e.CreatedBy != nil && e.CreatedBy.At.Func != "":
		name += " (created in " + shortFunc(e.CreatedBy.At.Func) + ")"
	}
	return name
}

// spanName names a running span after the function the goroutine resumes
// in: the innermost frame of the program's own code, else the innermost
// outside the runtime's files.
func spanName(e decisionlog.Event) string {
	if user := decisionlog.UserFrames(e.Stack); len(user) > 0 && !strings.Contains(user[0].File, "/src/runtime/") {
		return shortFunc(user[0].Func)
	}
	for _, f := range e.Stack {
		if !strings.Contains(f.File, "/src/runtime/") {
			return shortFunc(f.Func)
		}
	}
	if e.At.Func != "?" {
		return shortFunc(e.At.Func)
	}
	return "goroutine " + strconv.FormatUint(e.Goroutine, 10)
}

// shortFunc drops the import path: example.com/bank.(*Account).Set → bank.(*Account).Set.
func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

func stackLines(stack []decisionlog.Frame) string {
	lines := make([]string, len(stack))
	for i, f := range stack {
		lines[i] = f.String()
	}
	return strings.Join(lines, "\n")
}
