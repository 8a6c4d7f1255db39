// Package testscripts drives the real detgo binary end to end, one user story
// per file in testdata/*.txtar (github.com/rogpeppe/go-internal/testscript).
//
// TestMain builds cmd/detgo once and puts it first in every script's PATH.
// Scripts share the host's Go build cache and detgo's toolchain cache, so
// the patched standard library is compiled once per machine, not per script.
package testscripts

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
			"replay":     cmdReplay("detgo: replay: "),
			"tapereplay": cmdReplay("detgo: tape: detgo replay "),
			"failcount":  cmdFailcount,
			"ndistinct":  cmdNdistinct,
			"cmpswarm":   cmdCmpswarm,
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

// replay file runs the replay command that detgo printed into file (the
// text after "detgo: replay: ") and keeps its output like exec does; tapereplay
// does the same with the "detgo: tape: detgo replay ..." line. They fail if
// the file has no such line; use "! replay" when the replayed run is
// expected to fail.
func cmdReplay(prefix string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: replay file")
		}
		var line string
		for _, l := range strings.Split(ts.ReadFile(args[0]), "\n") {
			if strings.HasPrefix(l, prefix) {
				line = strings.TrimPrefix(l, "detgo: tape: ")
				line = strings.TrimPrefix(line, "detgo: replay: ")
				break
			}
		}
		if line == "" {
			ts.Fatalf("no %q line in %s", prefix, args[0])
		}
		words, err := shellSplit(line)
		if err != nil {
			ts.Fatalf("replay line %q: %v", line, err)
		}
		if len(words) == 0 || words[0] != "detgo" {
			ts.Fatalf("replay line %q does not run detgo", line)
		}
		ts.Logf("replay: %s", line)
		err = ts.Exec(words[0], words[1:]...)
		if (err != nil) != neg {
			ts.Fatalf("replay: unexpected result: %v", err)
		}
	}
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
