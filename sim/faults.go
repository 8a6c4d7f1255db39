package sim

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// FaultOptions shapes a random fault schedule. Zero fields take defaults.
type FaultOptions struct {
	Faults    int           // how many faults; default 3
	Within    time.Duration // each starts within [0, Within) from now; default 1s
	MinLength time.Duration // each lasts at least; default 50ms
	MaxLength time.Duration // and less than; default 500ms
	OneWay    bool          // also draw one-way partitions
}

// A Fault is one partition of a schedule.
type Fault struct {
	At     time.Duration // after the schedule started
	Length time.Duration
	Kind   string // "isolate" (From from every other node), "partition" (From and To, both ways) or "one-way" (From to To)
	From   *Node
	To     *Node // nil for "isolate"
}

// String says what the fault does and when, e.g.
// "at 120ms for 300ms: partition n1 | n2".
func (f Fault) String() string {
	var what string
	switch f.Kind {
	case "isolate":
		what = "isolate " + f.From.name
	case "partition":
		what = "partition " + f.From.name + " | " + f.To.name
	default:
		what = "one-way " + f.From.name + " -> " + f.To.name
	}
	return fmt.Sprintf("at %v for %v: %s", f.At, f.Length, what)
}

// A Schedule is a list of faults applied at their virtual times by
// timers. Overlapping faults add up: a link is cut while any fault cuts it.
type Schedule struct {
	Faults []Fault

	nodes  []*Node
	mu     sync.Mutex
	cut    map[[2]int]int // faults cutting each directed link
	timers []*time.Timer
}

// RandomFaults draws a fault schedule over nodes from the seed, and starts
// it: each fault is applied at its time after now and removed Length later.
// The draws come from a stream of their own, reseeded from the seed and the
// test's name when the test starts, so neither network traffic nor what the
// test draws from math/rand shifts them, and the test run alone (-run)
// draws the same schedule. Print it (String, or each Fault) so a failing
// seed shows its faults; printing it last (deferred) keeps a failure's
// message the first line, which detgo swarm groups failures by. Under
// plain go test it returns ErrInactive.
func RandomFaults(nodes []*Node, opts FaultOptions) (*Schedule, error) {
	if !Active() {
		return nil, ErrInactive
	}
	if len(nodes) < 2 {
		return nil, fmt.Errorf("sim: RandomFaults: need at least 2 nodes, have %d", len(nodes))
	}
	if opts.Faults <= 0 {
		opts.Faults = 3
	}
	if opts.Within <= 0 {
		opts.Within = time.Second
	}
	if opts.MinLength <= 0 {
		opts.MinLength = 50 * time.Millisecond
	}
	if opts.MaxLength <= opts.MinLength {
		opts.MaxLength = max(500*time.Millisecond, opts.MinLength+time.Millisecond)
	}
	draw := func(n int64) int64 { return int64(simRand() % uint64(max(n, 1))) }
	ms := int64(time.Millisecond) // times are whole milliseconds, to read easily
	s := &Schedule{nodes: nodes, cut: make(map[[2]int]int)}
	for range opts.Faults {
		f := Fault{
			At:     time.Duration(draw(int64(opts.Within)/ms) * ms),
			Length: opts.MinLength + time.Duration(draw(int64(opts.MaxLength-opts.MinLength)/ms)*ms),
			From:   nodes[draw(int64(len(nodes)))],
		}
		kinds := int64(2)
		if opts.OneWay {
			kinds = 3
		}
		switch draw(kinds) {
		case 0:
			f.Kind = "isolate"
		case 1:
			f.Kind = "partition"
		default:
			f.Kind = "one-way"
		}
		if f.Kind != "isolate" {
			f.To = nodes[(indexOf(nodes, f.From)+1+int(draw(int64(len(nodes)-1))))%len(nodes)]
		}
		s.Faults = append(s.Faults, f)
	}
	// In time order, so the printed schedule reads as a story.
	for i := 1; i < len(s.Faults); i++ {
		for j := i; j > 0 && s.Faults[j].At < s.Faults[j-1].At; j-- {
			s.Faults[j], s.Faults[j-1] = s.Faults[j-1], s.Faults[j]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.Faults {
		s.timers = append(s.timers,
			time.AfterFunc(f.At, func() { s.apply(f, 1) }),
			time.AfterFunc(f.At+f.Length, func() { s.apply(f, -1) }))
	}
	return s, nil
}

func indexOf(nodes []*Node, n *Node) int {
	for i, m := range nodes {
		if m == n {
			return i
		}
	}
	return 0
}

// links returns the directed links that f cuts.
func (s *Schedule) links(f Fault) [][2]*Node {
	switch f.Kind {
	case "isolate":
		var l [][2]*Node
		for _, o := range s.nodes {
			if o != f.From {
				l = append(l, [2]*Node{f.From, o}, [2]*Node{o, f.From})
			}
		}
		return l
	case "partition":
		return [][2]*Node{{f.From, f.To}, {f.To, f.From}}
	default:
		return [][2]*Node{{f.From, f.To}}
	}
}

func (s *Schedule) apply(f Fault, delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cut == nil {
		return // stopped
	}
	for _, l := range s.links(f) {
		k := [2]int{l[0].id, l[1].id}
		s.cut[k] += delta
		switch {
		case delta > 0 && s.cut[k] == 1:
			setBlocked(l[0], l[1], true)
		case delta < 0 && s.cut[k] == 0:
			setBlocked(l[0], l[1], false)
		}
	}
}

// End returns when the last fault ends, after the schedule started.
func (s *Schedule) End() time.Duration {
	var end time.Duration
	for _, f := range s.Faults {
		end = max(end, f.At+f.Length)
	}
	return end
}

// Stop cancels the faults that have not started and removes those in
// force.
func (s *Schedule) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.timers {
		t.Stop()
	}
	for _, f := range s.Faults {
		for _, l := range s.links(f) {
			if s.cut[[2]int{l[0].id, l[1].id}] > 0 {
				setBlocked(l[0], l[1], false)
			}
		}
	}
	s.cut = nil
}

// String returns the schedule, one fault per line.
func (s *Schedule) String() string {
	var b strings.Builder
	for _, f := range s.Faults {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}
