package gotest

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// failScanner is an io.Writer that watches a test binary's output for the
// top-level tests that failed:
//
//	--- FAIL: TestName (0.01s)         a failed or panicking test
//	panic: test timed out after 10m0s  followed by
//	    running tests:
//	        TestName (10m0s)           the tests still running at the timeout
//
// Lines may start with ^V (0x16): with -json, go test runs the binary with
// -test.v=test2json, which frames its own lines that way.
type failScanner struct {
	line    []byte // the current partial line (only its start matters)
	running bool   // inside the "running tests:" list of a timeout panic
	names   []string
}

const maxScannedLine = 4096

func (s *failScanner) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxScannedLine - len(s.line); room > 0 {
			s.line = append(s.line, chunk[:min(room, len(chunk))]...)
		}
		if i < 0 {
			break
		}
		s.scanLine(s.line)
		s.line = s.line[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Names returns the failing top-level tests in the order they were reported,
// without repeats.
func (s *failScanner) Names() []string {
	if len(s.line) > 0 {
		s.scanLine(s.line)
		s.line = s.line[:0]
	}
	return s.names
}

func (s *failScanner) add(name string) {
	name, _, _ = strings.Cut(name, "/") // a subtest fails its parent
	if name != "" && !slices.Contains(s.names, name) {
		s.names = append(s.names, name)
	}
}

func (s *failScanner) scanLine(b []byte) {
	line := strings.TrimSuffix(string(bytes.TrimPrefix(b, []byte{0x16})), "\r")
	if s.running {
		// "\t\tTestName (10m0s)"
		if rest, ok := strings.CutPrefix(line, "\t\t"); ok {
			if name, _, ok := strings.Cut(rest, " ("); ok {
				s.add(name)
				return
			}
		}
		s.running = false
	}
	if rest, ok := strings.CutPrefix(line, "--- FAIL: "); ok {
		if name, _, ok := strings.Cut(rest, " ("); ok {
			s.add(name)
		}
		return
	}
	if line == "\trunning tests:" {
		s.running = true
	}
}

// FailingTests returns the failing top-level tests named in a test binary's output.
func FailingTests(output []byte) []string {
	var s failScanner
	s.Write(output)
	return s.Names()
}

// Replay describes the command that reproduces one run.
type Replay struct {
	Tests      []string // failing top-level tests; -run is left out if empty
	Seed       uint64
	Sched      string   // left out if it is the default
	Flags      []string // go test flags to repeat, in -name=value form
	Package    string   // as the user would type it: ./dir, . or an import path
	BinaryArgs []string // after -args, if any
}

// String returns the replay command line, quoted for a POSIX shell.
func (r Replay) String() string {
	args := []string{"detgo", "test"}
	if len(r.Tests) > 0 {
		args = append(args, "-run", runPattern(r.Tests))
	}
	args = append(args, "-seed="+strconv.FormatUint(r.Seed, 10))
	if r.Sched != "" && r.Sched != DefaultSched {
		args = append(args, "-sched="+r.Sched)
	}
	args = append(args, r.Flags...)
	args = append(args, r.Package)
	if len(r.BinaryArgs) > 0 {
		args = append(args, "-args")
		args = append(args, r.BinaryArgs...)
	}
	return shellJoin(args)
}

// TapeString returns the command that replays the decision tape at path with
// the same flags and package as the replay line.
func (r Replay) TapeString(path string) string {
	args := []string{"detgo", "replay", "-tape=" + path}
	args = append(args, r.Flags...)
	args = append(args, r.Package)
	if len(r.BinaryArgs) > 0 {
		args = append(args, "-args")
		args = append(args, r.BinaryArgs...)
	}
	return shellJoin(args)
}

// runPattern is the -run pattern that selects exactly the top-level tests.
func runPattern(tests []string) string {
	if len(tests) == 1 {
		return "^" + tests[0] + "$"
	}
	return "^(" + strings.Join(tests, "|") + ")$"
}

// PackageArg names the package in directory dir the way a user in directory
// cwd would type it: "." for cwd itself, "./sub/dir" below it, and the
// import path for anything outside.
func PackageArg(dir, cwd, importPath string) string {
	rel, err := filepath.Rel(cwd, dir)
	switch {
	case err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel):
		if importPath != "" {
			return importPath
		}
		return dir
	case rel == ".":
		return "."
	}
	return "./" + filepath.ToSlash(rel)
}

// shellJoin quotes each argument for a POSIX shell (sh, bash, zsh) and joins
// them with spaces. Plain words stay bare so replay lines read naturally.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.ContainsRune("-_./,:+@", c):
		case c == '=' && i > 0: // a leading = expands in zsh
		default:
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// tapeStatus says how far a run followed the decision tape it replayed.
func tapeStatus(r Report) string {
	if r.TapeDiverged == 0 {
		return fmt.Sprintf("detgo: tape: followed to the end (%d decisions)", r.TapeReplayed)
	}
	expected := r.TapeExpected
	if r.TapeExpectedN != 0 {
		expected = strings.Replace(expected, "tape_expected_n", strconv.FormatUint(r.TapeExpectedN, 10), 1)
	}
	return fmt.Sprintf("detgo: tape: the run left the tape at decision %d, where the tape has %s; %d decisions came from the tape, the rest from the seed",
		r.TapeDiverged, expected, r.TapeReplayed)
}
