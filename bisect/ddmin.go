// Package bisect is detgo bisect: it shrinks a failing run's schedule to
// the few goroutine switches the failure needs.
//
// # What it shrinks
//
// A detgo run is a sequence of scheduling decisions, recorded in its
// decision tape (runtime-shim/runtime/detgo_tape.go): at every yield point
// the running goroutine stays or gives way, and whenever the scheduler must
// choose, it picks the k-th of the n runnable goroutines, in the canonical
// queue's FIFO order. Each decision has a default, what a plain
// run-to-completion scheduler would do:
//
//   - at a yield point: stay (the running goroutine keeps running);
//   - at a pick: k = 0, the goroutine that has waited longest.
//
// A run that takes every default switches goroutines only where one blocks
// or ends. Every other decision is a switch the strategy chose: a yield that
// gave way (the running goroutine is switched away from at that line), or a
// pick other than the head of the queue. A lost update, a missed wakeup, an
// order violation needs a few of these at the right places; the rest are
// noise that makes the failing run hard to read.
//
// # The protocol
//
//  1. Run the failing seed (or replay the given tape) and record its tape.
//     The failure's signature (the failing test, its first message with the
//     numbers masked, the top frames of a panic) is what must keep failing;
//     a candidate that fails differently does not count, so the search does
//     not drift to another bug.
//  2. The non-default decisions after the test started are the elements.
//     A candidate keeps a subset of them and turns the others into their
//     defaults (a yield that gave way stays, and the pick that followed it
//     is dropped; a pick becomes k = 0). It is replayed with
//     DETGO_TAPE_FORCE=1: every decision comes from the edited tape or is
//     the default, never from the seed.
//  3. Minimize runs ddmin (Zeller and Hildebrandt, "Simplifying and
//     Isolating Failure-Inducing Input", TSE 2002) over the elements: try
//     halves, then complements, then finer pieces, keeping any candidate
//     that still fails the same way.
//  4. Removing a switch shifts every later decision, so a candidate run may
//     not take all the switches it was given. Each candidate run records
//     the tape it really followed; when ddmin has shrunk the set, bisect
//     starts over from that recording, until ddmin can remove nothing: then
//     removing any single remaining switch makes the failure disappear (the
//     result is 1-minimal), and the recording replays exactly, without
//     DETGO_TAPE_FORCE.
//  5. Switches are placed by decision number, so a switch can look needed
//     only because dropping it moves the later ones off their marks (a pick
//     that changes which goroutine runs first changes how many decisions
//     come before the critical yield). Slide drops each switch in turn and
//     moves the ones after it by 1, -1, 2, -2, ... decisions (up to
//     slideWindow); a candidate that still fails starts step 4 again.
//  6. The minimal run is replayed once more with the detailed decision log
//     (DETGO_TRACE_DETAIL=1) to describe each remaining switch.
//
// # Reading the report
//
//	$ detgo bisect -seed=5 -sched=pct:3 ./examples/bank
//	detgo: bisect: TestDeposits seed=5 sched=pct:3: 1 of 17 non-default decisions are critical (22 runs, 74ms)
//	    bank_test.go:20: balance after deposits of 100, 250 and 400 = 500, want 750
//	switch 1 of 1 (decision 77, step 11, virtual time 0s):
//	    goroutine 7 gives way at Mutex.Unlock
//	        github.com/detgo/detgo/examples/bank.(*Account).Balance.deferwrap1 bank.go:29
//	        github.com/detgo/detgo/examples/bank.(*Account).Balance bank.go:30
//	        github.com/detgo/detgo/examples/bank.(*Account).Deposit bank.go:44
//	        github.com/detgo/detgo/examples/bank.TestDeposits.func1 bank_test.go:15
//	    goroutine 8 runs next, the one that waited longest (3 runnable), from
//	        github.com/detgo/detgo/examples/bank.TestDeposits.func1 bank_test.go:13
//	    goroutine 7 runs again at step 14, after goroutines 8, 9 ran
//	detgo: bisect: minimal tape (fails on replay): detgo replay -tape=TestDeposits.min.tape -run '^TestDeposits$' ./examples/bank
//
// A critical switch is one the failure needs: without it (everything else
// the same, everything not listed at its default) the test passes. Read
// each as "had goroutine A not been switched away from here, in favour of
// goroutine B, the test would have passed". Here: goroutine 7 read the
// balance (Deposit, bank.go:44) and gave way at the Unlock deferred in
// Balance, before writing it back; goroutines 8 and 9 made their deposits,
// and 7 then wrote back a stale balance. A switch is either a yield that gave
// way (the stack is where the goroutine stopped) or a pick of another
// goroutine than the one that waited longest, after the running one
// blocked (the report then gives the wait reason). The goroutine that runs
// instead is shown with the stack it resumes from, and the last line says
// which goroutines ran before the one switched away from ran again. The minimal tape
// replays the failure with only these switches: run the printed 'detgo
// replay' line, and add -timeline=FILE to see it in ui.perfetto.dev.
package bisect

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Minimize returns a 1-minimal subset of the elements 0..n-1 for which
// fails reports true: a subset S with fails(S) such that fails(S without
// e) is false for every e in S. fails(0..n-1) is assumed true and never
// asked. Subsets are passed sorted; fails is asked at most once per subset.
//
// Up to workers candidates are tried at once; the result does not depend
// on workers, since of the candidates tried together the first that fails,
// in ddmin's order, is taken. If ctx is done, Minimize returns the smallest
// failing subset found so far and ctx's error.
func Minimize(ctx context.Context, n, workers int, fails func(ctx context.Context, subset []int) bool) ([]int, error) {
	m := &minimizer{fails: fails, workers: max(workers, 1), seen: map[string]bool{}}
	current := make([]int, n)
	for i := range current {
		current[i] = i
	}
	m.seen[key(current)] = true
	// The empty set first: a failure that needs no switch at all.
	if len(current) > 0 && m.try(ctx, [][]int{{}}) == 0 {
		return []int{}, nil
	}
	granularity := 2
	for len(current) >= 2 && ctx.Err() == nil {
		chunks := split(current, granularity)
		// Reduce to a chunk: the failure lies in one piece.
		if i := m.try(ctx, chunks); i >= 0 {
			current, granularity = chunks[i], 2
			continue
		}
		// Reduce to a complement: one piece is not needed. (With two
		// chunks the complements are the chunks themselves.)
		if granularity > 2 {
			complements := make([][]int, len(chunks))
			for i := range chunks {
				complements[i] = without(current, chunks[i])
			}
			if i := m.try(ctx, complements); i >= 0 {
				current, granularity = complements[i], max(granularity-1, 2)
				continue
			}
		}
		if granularity >= len(current) {
			break // every single element was tried on its own: 1-minimal
		}
		granularity = min(2*granularity, len(current))
	}
	return current, ctx.Err()
}

type minimizer struct {
	fails   func(ctx context.Context, subset []int) bool
	workers int
	mu      sync.Mutex
	seen    map[string]bool // subsets asked (and their answers)
}

// try asks fails about the candidates, workers at a time, and returns the
// index of the first that fails, or -1. Answers are remembered.
func (m *minimizer) try(ctx context.Context, candidates [][]int) int {
	return firstTrue(ctx, len(candidates), m.workers, func(ctx context.Context, i int) bool {
		k := key(candidates[i])
		m.mu.Lock()
		failed, ok := m.seen[k]
		m.mu.Unlock()
		if !ok {
			failed = m.fails(ctx, candidates[i])
			m.mu.Lock()
			m.seen[k] = failed
			m.mu.Unlock()
		}
		return failed
	})
}

// firstTrue asks test about 0..n-1, workers at a time, in order, and
// returns the first i for which it is true, or -1. The answer does not
// depend on workers: a batch is finished before the next starts, and the
// lowest true index in it wins.
func firstTrue(ctx context.Context, n, workers int, test func(ctx context.Context, i int) bool) int {
	for start := 0; start < n && ctx.Err() == nil; start += workers {
		results := make([]bool, min(workers, n-start))
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = test(ctx, start+i)
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return -1
		}
		if i := slices.Index(results, true); i >= 0 {
			return start + i
		}
	}
	return -1
}

// split cuts s into n pieces of nearly equal length, in order.
func split(s []int, n int) [][]int {
	out := make([][]int, 0, n)
	for i := range n {
		lo, hi := i*len(s)/n, (i+1)*len(s)/n
		if lo < hi {
			out = append(out, s[lo:hi:hi])
		}
	}
	return out
}

// without returns the elements of s not in drop (both sorted).
func without(s, drop []int) []int {
	out := make([]int, 0, len(s))
	for _, x := range s {
		if _, found := slices.BinarySearch(drop, x); !found {
			out = append(out, x)
		}
	}
	return out
}

func key(s []int) string {
	var b strings.Builder
	for _, x := range s {
		b.WriteString(strconv.Itoa(x))
		b.WriteByte(',')
	}
	return b.String()
}
