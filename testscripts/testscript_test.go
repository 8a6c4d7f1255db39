// Package testscripts drives the real detgo binary end to end, one user story
// per file in testdata/*.txtar (github.com/rogpeppe/go-internal/testscript).
//
// TestMain builds cmd/detgo once and puts it first in every script's PATH.
// Scripts share the host's Go build cache and detgo's toolchain cache, so
// the patched standard library is compiled once per machine, not per script.
package testscripts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/detgo/detgo/toolchain"
)

var (
	binDir    string // holds the detgo binary under test
	repoDir   string // this repository's root, $REPO in scripts
	sharedEnv []string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "detgo-testscripts-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	binDir = dir
	if repoDir, err = filepath.Abs(".."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "detgo"), "../cmd/detgo")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building detgo:", err)
		return 2
	}
	// Scripts get a fresh HOME; hand them the real caches so that the
	// patched std is built once, here, and reused by every script.
	cacheRoot, err := toolchain.CacheRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	sharedEnv = []string{"DETGO_CACHE=" + cacheRoot}
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		out, err := exec.Command("go", "env", v).Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "go env:", err)
			return 2
		}
		sharedEnv = append(sharedEnv, v+"="+strings.TrimSpace(string(out)))
	}
	sharedEnv = append(sharedEnv, "GOPROXY=off", "GOFLAGS=")
	pre := exec.Command(filepath.Join(dir, "detgo"), "toolchain", "build")
	pre.Env = append(os.Environ(), sharedEnv...)
	pre.Stdout, pre.Stderr = os.Stdout, os.Stderr
	if err := pre.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "detgo toolchain build:", err)
		return 2
	}
	return m.Run()
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			env.Setenv("REPO", repoDir)
			for _, kv := range sharedEnv {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":     cmdStatus,
			"cmptest":    cmdCmptest,
			"replay":     cmdReplay("detgo: replay: ", "detgo ", nil),
			"tapereplay": cmdReplay("detgo: tape: ", "detgo replay ", nil),
			"minreplay":  cmdReplay("detgo: bisect: minimal tape (fails on replay): ", "detgo replay ", nil),
			"bisecttape": cmdReplay("detgo: tape: ", "detgo replay ", bisectTape),
			"failcount":  cmdFailcount,
			"ndistinct":  cmdNdistinct,
			"cmpswarm":   cmdCmpswarm,
			"tracejson":  cmdTraceJSON,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "short" {
				return testing.Short(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// status N prog args... runs prog and fails unless it exits with status N.
// Its stdout and stderr are kept for the stdout/stderr commands.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %q is not a number", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// summaryLine matches go test's per-package summary, whose real elapsed
// time differs from run to run: "ok  \tpkg\t0.012s" or "FAIL\tpkg\t0.012s".
var summaryLine = regexp.MustCompile(`(?m)^(ok|FAIL)\s+\S+\s+\d+\.\d+s.*\n`)

// cmptest a b compares two files of test output, ignoring go test's
// summary lines (they hold real wall time).
func cmdCmptest(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmptest file1 file2")
	}
	a := summaryLine.ReplaceAllString(ts.ReadFile(args[0]), "")
	b := summaryLine.ReplaceAllString(ts.ReadFile(args[1]), "")
	if (a == b) == neg {
		if neg {
			ts.Fatalf("%s and %s are the same test output", args[0], args[1])
		}
		ts.Logf("%s:\n%s\n%s:\n%s", args[0], a, args[1], b)
		ts.Fatalf("%s and %s differ", args[0], args[1])
	}
}

// ndistinct N file... fails unless the files hold at least N distinct test
// outputs (ignoring go test's summary lines).
func cmdNdistinct(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: ndistinct N file...")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("ndistinct: %q is not a number", args[0])
	}
	seen := map[string]bool{}
	for _, f := range args[1:] {
		seen[summaryLine.ReplaceAllString(ts.ReadFile(f), "")] = true
	}
	if len(seen) < want {
		ts.Fatalf("%d distinct outputs among %d files, want at least %d", len(seen), len(args)-1, want)
	}
}

// replay file [args] runs the replay command that detgo printed into file
// (the text after "detgo: replay: "), with args put after its command name,
// and keeps its output like exec does; tapereplay does the same with the
// "detgo: tape: detgo replay ..." line, minreplay with the minimal tape line
// of detgo bisect. bisecttape runs detgo bisect on the run of a "detgo:
// tape:" line, with the tape line's flags and package and args (e.g. -o
// min.tape). They fail if the file has no such line; use "! replay" when
// the replayed run is expected to fail.
func cmdReplay(lead, command string, rewrite func(words, extra []string) []string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 1 {
			ts.Fatalf("usage: replay file [extra arguments]")
		}
		var line string
		for _, l := range strings.Split(ts.ReadFile(args[0]), "\n") {
			if rest, ok := strings.CutPrefix(l, lead); ok && strings.HasPrefix(rest, command) {
				line = rest
				break
			}
		}
		if line == "" {
			ts.Fatalf("no %q line in %s", lead+command, args[0])
		}
		words, err := shellSplit(line)
		if err != nil {
			ts.Fatalf("replay line %q: %v", line, err)
		}
		if len(words) == 0 || words[0] != "detgo" {
			ts.Fatalf("replay line %q does not run detgo", line)
		}
		if rewrite == nil {
			rewrite = insertArgs
		}
		words = rewrite(words, args[1:])
		ts.Logf("replay: %s", strings.Join(words, " "))
		err = ts.Exec(words[0], words[1:]...)
		if (err != nil) != neg {
			ts.Fatalf("replay: unexpected result: %v", err)
		}
	}
}

// insertArgs puts extra after the command name: "detgo replay extra ...".
func insertArgs(words, extra []string) []string {
	if len(words) < 2 {
		return append(words, extra...)
	}
	return slices.Concat(words[:2], extra, words[2:])
}

// bisectTape turns "detgo replay -tape=F flags pkg" into "detgo bisect
// -tape=F extra flags pkg".
func bisectTape(words, extra []string) []string {
	out := []string{"detgo", "bisect"}
	out = append(out, words[2])
	out = append(out, extra...)
	return append(out, words[3:]...)
}

// failcount N file fails unless file reports at least N failing seeds
// ("detgo: FAIL seed=" lines).
func cmdFailcount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: failcount N file")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("failcount: %q is not a number", args[0])
	}
	got := strings.Count(ts.ReadFile(args[1]), "\ndetgo: FAIL seed=")
	ts.Logf("%d failing seeds", got)
	if got < want {
		ts.Fatalf("%d failing seeds, want at least %d", got, want)
	}
}

// shellSplit splits a POSIX shell command line with single quotes, double
// quotes and backslashes, which is all a replay line uses.
func shellSplit(s string) ([]string, error) {
	var words []string
	var cur bytes.Buffer
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// tracejson file regexp... fails unless file is a Trace Event Format file
// that Perfetto and chrome://tracing can open: a JSON object whose
// traceEvents each have a name, a phase (M metadata, X a slice with a
// duration, i an instant on its thread's track), a time, pid and tid, with
// no two slices of one track overlapping; and unless each regexp matches
// the name of a track (thread_name) or of an event.
func cmdTraceJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: tracejson file [regexp...]")
	}
	var trace struct {
		TraceEvents []struct {
			Name *string         `json:"name"`
			Cat  string          `json:"cat"`
			Ph   string          `json:"ph"`
			Ts   *float64        `json:"ts"`
			Dur  *float64        `json:"dur"`
			Pid  *int            `json:"pid"`
			Tid  *uint64         `json:"tid"`
			S    string          `json:"s"`
			Args json.RawMessage `json:"args"`
		} `json:"traceEvents"`
		DisplayTimeUnit string `json:"displayTimeUnit"`
	}
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile(args[0])))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&trace); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	if len(trace.TraceEvents) == 0 {
		ts.Fatalf("%s: no traceEvents", args[0])
	}
	var names []string
	busyUntil := map[uint64]float64{}
	nSlices, nInstants := 0, 0
	for i, e := range trace.TraceEvents {
		if e.Name == nil || e.Ts == nil || e.Pid == nil || e.Tid == nil || *e.Ts < 0 {
			ts.Fatalf("%s: event %d lacks a name, ts, pid or tid", args[0], i)
		}
		switch e.Ph {
		case "M":
			var a struct{ Name string }
			json.Unmarshal(e.Args, &a)
			if *e.Name == "thread_name" {
				names = append(names, a.Name)
			}
			continue
		case "X":
			if e.Dur == nil || *e.Dur < 0 {
				ts.Fatalf("%s: slice %q has no duration", args[0], *e.Name)
			}
			if *e.Ts < busyUntil[*e.Tid]-1e-6 { // less than a nanosecond is float rounding
				ts.Fatalf("%s: slice %q at %v overlaps the one before on track %d", args[0], *e.Name, *e.Ts, *e.Tid)
			}
			busyUntil[*e.Tid] = *e.Ts + *e.Dur
			nSlices++
		case "i":
			if e.S != "t" {
				ts.Fatalf("%s: instant %q is not on a thread track", args[0], *e.Name)
			}
			nInstants++
		default:
			ts.Fatalf("%s: event %q has phase %q", args[0], *e.Name, e.Ph)
		}
		names = append(names, *e.Name)
	}
	ts.Logf("%s: %d tracks, %d slices, %d instants", args[0], len(busyUntil), nSlices, nInstants)
	for _, pat := range args[1:] {
		re, err := regexp.Compile(pat)
		if err != nil {
			ts.Fatalf("tracejson: %v", err)
		}
		if !anyMatch(names, re) {
			ts.Fatalf("%s: no track or event named like %q", args[0], pat)
		}
	}
}

func anyMatch(names []string, re *regexp.Regexp) bool {
	for _, n := range names {
		if re.MatchString(n) {
			return true
		}
	}
	return false
}
