package swarm

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A Group is the failures that share a signature: the same package,
// outcome, test, message (numbers aside) and top frames.
type Group struct {
	Signature string
	Count     int
	First     Record // the failing run with the smallest seed
	Seeds     []uint64
	Replay    string // the replay line to print: First.Replay, or a verified one naming the test
	Tape      string // a detgo replay -tape command for First's decision tape, if one was kept
	Note      string // what went wrong replaying First, if anything
}

// maxGroupSeeds is how many seeds a group lists (the smallest).
const maxGroupSeeds = 20

// A Summary counts the records of a swarm and groups its failures.
type Summary struct {
	Runs      int
	Failed    int
	ByOutcome map[string]int
	Packages  map[string]int   // runs per package
	RealNS    map[string]int64 // wall time of the runs, per package
	reported  map[string]int   // runs per package whose report counted choices
	choices   map[string]int   // runs per package that had a scheduling choice
	groups    map[string]*Group
}

func newSummary() *Summary {
	return &Summary{ByOutcome: map[string]int{}, Packages: map[string]int{}, RealNS: map[string]int64{},
		reported: map[string]int{}, choices: map[string]int{}, groups: map[string]*Group{}}
}

// add counts rec and reports whether it started a new failure group.
func (s *Summary) add(rec *Record) bool {
	s.Runs++
	s.ByOutcome[rec.Outcome]++
	s.Packages[rec.Package]++
	s.RealNS[rec.Package] += rec.RealNS
	if rec.Choices != nil {
		s.reported[rec.Package]++
		if *rec.Choices > 0 {
			s.choices[rec.Package]++
		}
	}
	if !rec.Failed() {
		return false
	}
	s.Failed++
	g := s.groups[rec.Signature]
	isNew := g == nil
	if isNew {
		g = &Group{Signature: rec.Signature, First: *rec}
		s.groups[rec.Signature] = g
	}
	g.Count++
	if rec.Seed < g.First.Seed {
		g.First = *rec
	}
	// Keep the smallest seeds, sorted.
	i, found := slices.BinarySearch(g.Seeds, rec.Seed)
	if !found && i < maxGroupSeeds {
		g.Seeds = slices.Insert(g.Seeds, i, rec.Seed)
		if len(g.Seeds) > maxGroupSeeds {
			g.Seeds = g.Seeds[:maxGroupSeeds]
		}
	}
	return isNew
}

// Groups returns the failure groups, most frequent first, then by package
// and smallest seed.
func (s *Summary) Groups() []*Group {
	var gs []*Group
	for _, g := range s.groups {
		if g.Replay == "" {
			g.Replay = g.First.Replay
		}
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b *Group) int {
		return cmp.Or(
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(a.First.Package, b.First.Package),
			cmp.Compare(a.First.Seed, b.First.Seed),
			cmp.Compare(a.Signature, b.Signature))
	})
	return gs
}

// counts describes the outcomes: "987 passed, 13 failed (12 fail, 1 timeout)".
func (s *Summary) counts() string {
	text := fmt.Sprintf("%d passed, %d failed", s.ByOutcome[Pass], s.Failed)
	var kinds []string
	for _, o := range []string{Fail, Timeout, Nondet, Error} {
		if n := s.ByOutcome[o]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(kinds) > 1 {
		text += " (" + strings.Join(kinds, ", ") + ")"
	}
	return text
}

// print writes the failure groups, each with a replay line.
func (s *Summary) print(w io.Writer) {
	gs := s.Groups()
	for _, g := range gs {
		printGroup(w, g)
	}
	var still []string
	for p, n := range s.reported {
		if n > 0 && s.choices[p] == 0 {
			still = append(still, p)
		}
	}
	slices.Sort(still)
	for _, p := range still {
		fmt.Fprintf(w, "detgo: note: the tests of %s never had two goroutines runnable at once, so seeds change only random values (maps, rand, temp names), not the interleaving\n", p)
	}
	groups := "1 failure group"
	if len(gs) != 1 {
		groups = fmt.Sprintf("%d failure groups", len(gs))
	}
	pkgs := ""
	if len(s.Packages) > 1 {
		pkgs = fmt.Sprintf(" of %d packages", len(s.Packages))
	}
	fmt.Fprintf(w, "detgo: swarm: %d runs%s: %s", s.Runs, pkgs, s.counts())
	if s.Failed > 0 {
		fmt.Fprintf(w, " in %s", groups)
	}
	fmt.Fprintln(w)
}

func printGroup(w io.Writer, g *Group) {
	r := g.First
	test := r.Test
	if test == "" {
		test = "(no test named)"
	}
	seeds := "1 seed"
	if g.Count != 1 {
		seeds = fmt.Sprintf("%d seeds", g.Count)
	}
	fmt.Fprintf(w, "detgo: %s %s (%s): %s, smallest seed=%d sched=%s [%s]\n",
		strings.ToUpper(r.Outcome), test, r.Package, seeds, r.Seed, r.Strategy, g.Signature)
	fmt.Fprintf(w, "    %s\n", r.Message)
	if len(r.Frames) > 0 {
		fmt.Fprintf(w, "    at %s\n", strings.Join(r.Frames, " < "))
	}
	if g.Count > 1 {
		var list []string
		for _, s := range g.Seeds {
			list = append(list, fmt.Sprint(s))
		}
		more := ""
		if g.Count > len(g.Seeds) {
			more = ", ..."
		}
		fmt.Fprintf(w, "    seeds %s%s\n", strings.Join(list, ","), more)
	}
	if g.Note != "" {
		fmt.Fprintf(w, "    note: %s\n", g.Note)
	}
	fmt.Fprintf(w, "detgo: replay: %s\n", g.Replay)
	if g.Tape != "" {
		fmt.Fprintf(w, "detgo: tape: %s\n", g.Tape)
	}
}
