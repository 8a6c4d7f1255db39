package gotest

import (
	"bytes"
	"fmt"
	"strings"
)

// A Run is the outcome of running a test binary once with one seed.
type Run struct {
	ExitCode  int
	Output    []byte // stdout and stderr, interleaved as written
	Report    Report
	ReportErr error // reading the report failed
}

// CompareRuns explains how two runs of the same seed differ, as the lines
// of one block (without the "detgo: -check: seed=N: two runs differ: "
// lead of the first), or returns nil if they are the same: the same exit
// code, byte-identical output and the same trace hash.
func CompareRuns(a, b Run) []string {
	var head []string
	var detail []string
	if a.ReportErr == nil && b.ReportErr == nil && a.Report.Hash != b.Report.Hash {
		head = append(head, fmt.Sprintf("trace hash 0x%016x vs 0x%016x", a.Report.Hash, b.Report.Hash))
		detail = append(detail, divergence(a.Report, b.Report))
		if a.Report.Nondet > 0 || b.Report.Nondet > 0 {
			// Switches at points chosen by real time: the runs could not be
			// equal by construction, which is not a determinism bug in detgo.
			detail = append(detail, fmt.Sprintf("the runs made %d and %d switches at points chosen by real time (nondet: the watchdog stopped a goroutine that reached no yield point), so they are not reproducible by construction",
				a.Report.Nondet, b.Report.Nondet))
		}
	}
	if a.ExitCode != b.ExitCode {
		head = append(head, fmt.Sprintf("exit code %d vs %d", a.ExitCode, b.ExitCode))
	}
	if !bytes.Equal(a.Output, b.Output) {
		n, la, lb := firstDiffLine(a.Output, b.Output)
		head = append(head, fmt.Sprintf("output differs at line %d", n))
		detail = append(detail,
			fmt.Sprintf("output line %d, run 1: %s", n, la),
			fmt.Sprintf("output line %d, run 2: %s", n, lb))
	}
	if len(head) == 0 {
		return nil
	}
	return append([]string{strings.Join(head, ", ")}, detail...)
}

// divergence names the checkpoint window in which two traces split.
func divergence(a, b Report) string {
	_, _, why := divergenceWindow(a, b)
	return why
}

// divergenceWindow returns the steps between which two traces split: from
// the last checkpoint at which both agreed to the first at which they differ
// (or the end), and says so in words.
func divergenceWindow(a, b Report) (from, to uint64, why string) {
	var last uint64 // the last step at which both traces still agreed
	for i := 0; i < len(a.Checkpoints) && i < len(b.Checkpoints); i++ {
		ca, cb := a.Checkpoints[i], b.Checkpoints[i]
		if ca.Step != cb.Step {
			// Both runs checkpoint at the same step counts; a mismatch
			// means the lists are not comparable from here on.
			break
		}
		if ca.Hash != cb.Hash {
			return last, ca.Step, fmt.Sprintf("diverged between step %d and step %d", last, ca.Step)
		}
		last = ca.Step
	}
	end := max(a.Steps, b.Steps)
	if a.Steps != b.Steps {
		return last, end, fmt.Sprintf("diverged after step %d (the runs took %d and %d steps)", last, a.Steps, b.Steps)
	}
	return last, end, fmt.Sprintf("diverged between step %d and the end at step %d", last, a.Steps)
}

// FirstEventDiff compares the decision logs of two runs (DETGO_TRACE) and
// returns the first line that differs in each, or ok=false if they agree.
func FirstEventDiff(a, b []byte) (la, lb string, ok bool) {
	if bytes.Equal(a, b) {
		return "", "", false
	}
	linesA, linesB := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; ; i++ {
		la, lb = "(no more decisions)", "(no more decisions)"
		if i < len(linesA) {
			la = linesA[i]
		}
		if i < len(linesB) {
			lb = linesB[i]
		}
		if la != lb {
			return la, lb, true
		}
	}
}

// firstDiffLine returns the 1-based number of the first line where a and b
// differ, and that line of each, quoted and shortened.
func firstDiffLine(a, b []byte) (n int, la, lb string) {
	for n = 1; ; n++ {
		ia, ib := bytes.IndexByte(a, '\n'), bytes.IndexByte(b, '\n')
		lineA, restA, okA := cutLine(a, ia)
		lineB, restB, okB := cutLine(b, ib)
		if !okA || !okB || !bytes.Equal(lineA, lineB) {
			return n, showLine(lineA, okA), showLine(lineB, okB)
		}
		if (ia < 0) != (ib < 0) { // the same last line, but only one ends in a newline
			la, lb = showLine(lineA, true), showLine(lineB, true)
			if ia < 0 {
				la += " (no newline at end)"
			} else {
				lb += " (no newline at end)"
			}
			return n, la, lb
		}
		a, b = restA, restB
	}
}

func cutLine(s []byte, i int) (line, rest []byte, ok bool) {
	switch {
	case len(s) == 0:
		return nil, nil, false
	case i < 0:
		return s, nil, true
	}
	return s[:i], s[i+1:], true
}

const maxShownLine = 120

func showLine(line []byte, ok bool) string {
	if !ok {
		return "(end of output)"
	}
	if len(line) > maxShownLine {
		return fmt.Sprintf("%q...", line[:maxShownLine])
	}
	return fmt.Sprintf("%q", line)
}
