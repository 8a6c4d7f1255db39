package bisect

// This file reads and writes decision tapes (the runtime's format, see
// runtime-shim/runtime/detgo_tape.go) and makes the candidate tapes of the
// search: the recorded tape with some of its switches turned into default
// decisions.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Record kinds, as the tape writes their first uvarint.
const (
	recordStay      = 1 // a yield point where the goroutine stayed
	recordGaveWay   = 3 // a yield point where it gave way
	recordTestStart = 5 // a test started (followed by its name's hash)
)

// A Record is one entry of a tape.
type Record struct {
	Pick bool   // a pick of goroutine K among N
	N, K uint64 // for a pick
	Head uint64 // for anything else: recordStay, recordGaveWay or recordTestStart
	Hash uint64 // for a test start
}

// Default reports whether r is a decision a run-to-completion scheduler
// would take: stay at a yield point, pick the head of the queue.
func (r Record) Default() bool {
	if r.Pick {
		return r.K == 0
	}
	return r.Head != recordGaveWay
}

// IsDecision reports whether r is a scheduling decision (a test start is not).
func (r Record) IsDecision() bool { return r.Pick || r.Head != recordTestStart }

// rootTestHash is the hash of the empty name: package testing's root "test"
// on the main goroutine, which starts before any test function does (the
// runtime hashes names with FNV-1a, runtime-shim/runtime/detgo_entropy.go).
const rootTestHash = 14695981039346656037

// startsTest reports whether r is the start of a test function (or subtest).
func (r Record) startsTest() bool { return r.Head == recordTestStart && r.Hash != rootTestHash }

// A Tape is a decision tape: its header line and its records.
type Tape struct {
	Header  string // the first line, without its newline
	Records []Record
}

// ParseTape reads a tape.
func ParseTape(data []byte) (*Tape, error) {
	header, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok || !bytes.HasPrefix(header, []byte("detgo-tape 1 ")) {
		return nil, errors.New("not a detgo tape (version 1)")
	}
	t := &Tape{Header: string(header)}
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return 0, false
		}
		rest = rest[n:]
		return v, true
	}
	for len(rest) > 0 {
		v, ok := next()
		if !ok {
			return nil, fmt.Errorf("tape truncated at record %d", len(t.Records)+1)
		}
		var r Record
		switch {
		case v&1 == 0:
			r.Pick, r.N = true, v/2
			if r.K, ok = next(); !ok || r.K >= r.N {
				return nil, fmt.Errorf("record %d: bad pick", len(t.Records)+1)
			}
		case v == recordStay || v == recordGaveWay:
			r.Head = v
		case v == recordTestStart:
			r.Head = v
			if r.Hash, ok = next(); !ok {
				return nil, fmt.Errorf("record %d: test start without its hash", len(t.Records)+1)
			}
		default:
			return nil, fmt.Errorf("record %d: unknown kind %d", len(t.Records)+1, v)
		}
		t.Records = append(t.Records, r)
	}
	return t, nil
}

// Bytes encodes the tape.
func (t *Tape) Bytes() []byte {
	b := append([]byte(t.Header), '\n')
	for _, r := range t.Records {
		switch {
		case r.Pick:
			b = binary.AppendUvarint(b, 2*r.N)
			b = binary.AppendUvarint(b, r.K)
		case r.Head == recordTestStart:
			b = binary.AppendUvarint(b, recordTestStart)
			b = binary.AppendUvarint(b, r.Hash)
		default:
			b = binary.AppendUvarint(b, r.Head)
		}
	}
	return b
}

// Switches returns the indexes (in Records) of the tape's switches: the
// non-default decisions after the first test function started. Decisions
// before it belong to the test binary's start-up and are kept as they are,
// so that a candidate reaches the test on the same path.
func (t *Tape) Switches() []int {
	var out []int
	started := false
	for i, r := range t.Records {
		started = started || r.startsTest()
		if r.IsDecision() && started && !r.Default() {
			out = append(out, i)
		}
	}
	return out
}

// NonDefault counts the tape's non-default decisions, before and after the
// first test start.
func (t *Tape) NonDefault() (all, inTests int) {
	started := false
	for _, r := range t.Records {
		started = started || r.startsTest()
		if r.IsDecision() && !r.Default() {
			all++
			if started {
				inTests++
			}
		}
	}
	return all, inTests
}

// Keep returns the candidate tape that keeps the switches whose indexes in
// switches are listed in keep (sorted) and turns the others into defaults:
// a yield that gave way stays, and the pick that followed it, which no
// longer happens, is dropped; a pick takes the head of the queue.
func (t *Tape) Keep(switches, keep []int) *Tape {
	drop := map[int]bool{}
	for _, i := range switches {
		drop[i] = true
	}
	for _, k := range keep {
		delete(drop, switches[k])
	}
	out := &Tape{Header: t.Header, Records: make([]Record, 0, len(t.Records))}
	for i := 0; i < len(t.Records); i++ {
		r := t.Records[i]
		if drop[i] {
			if r.Pick {
				r.K = 0
			} else {
				r.Head = recordStay
				if i+1 < len(t.Records) && t.Records[i+1].Pick {
					i++
				}
			}
		}
		out.Records = append(out.Records, r)
	}
	return out
}

// Decision returns the decision number of record i: its position among
// the tape's decisions, from 1, as the decision log counts them.
func (t *Tape) Decision(i int) uint64 {
	var n uint64
	for _, r := range t.Records[:i+1] {
		if r.IsDecision() {
			n++
		}
	}
	return n
}

// defaulted returns r as the default decision of its kind.
func (r Record) defaulted() Record {
	if r.Pick {
		r.K = 0
	} else if r.Head == recordGaveWay {
		r.Head = recordStay
	}
	return r
}

// Slid returns the candidate that drops switch d (an index into switches)
// and moves every switch after it by delta records, keeping the switches
// before it in place: removing a switch moves the decisions after it, so
// the later switches may be needed at other decision numbers. It reports
// false if a moved switch would leave the tape, land on a test start, or
// not stay after the switches before it.
func (t *Tape) Slid(switches []int, d, delta int) (*Tape, bool) {
	out := &Tape{Header: t.Header, Records: slices.Clone(t.Records)}
	for _, at := range switches[d:] {
		out.Records[at] = out.Records[at].defaulted()
	}
	floor := -1
	if d > 0 {
		floor = switches[d-1]
	}
	for _, at := range switches[d+1:] {
		to := at + delta
		if to <= floor || to >= len(out.Records) || !out.Records[to].IsDecision() {
			return nil, false
		}
		out.Records[to] = t.Records[at]
		floor = to
	}
	return out, true
}
