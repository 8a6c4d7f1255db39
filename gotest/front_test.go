package gotest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fakeToolchain builds with the stock toolchain: the test package below
// writes the runtime's report itself.
type fakeToolchain struct{}

func (fakeToolchain) Env(base []string) []string { return append(base, "GOTOOLCHAIN=local") }
func (fakeToolchain) BuildFlags() []string       { return nil }

// A module whose test writes the report the detgo runtime would, from its
// TestMain, and fails for seeds divisible by 3.
var frontModule = map[string]string{
	"go.mod": "module example.com/m\n\ngo 1.26\n",
	"pkg/pkg_test.go": `package pkg

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
)

var name = flag.String("name", "", "")

// TestMain stands in for the detgo runtime, which writes a report at exit.
func TestMain(m *testing.M) {
	code := m.Run()
	os.WriteFile(os.Getenv("DETGO_REPORT"), fmt.Appendf(nil, "seed %d\nhash %#x\n", seed(), seed()*7), 0o644)
	os.Exit(code)
}

func seed() uint64 {
	s, _ := strconv.ParseUint(os.Getenv("DETGO_SEED"), 10, 64)
	return s
}

func TestOdd(t *testing.T) {
	t.Logf("timeout=%s", flag.Lookup("test.timeout").Value)
	if *name != "" {
		t.Logf("name=%s", *name)
	}
	if seed()%3 == 0 {
		t.Fatalf("seed %d", seed())
	}
}
`,
}

type frontResult struct {
	code           int
	err            error
	stdout, stderr string
}

func runFront(t *testing.T, dir string, args ...string) frontResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cache := filepath.Join(filepath.Dir(dir), "cache")
	code, err := Test(context.Background(), args, Options{
		Ensure:       func(context.Context) (Toolchain, error) { return fakeToolchain{}, nil },
		CacheRoot:    func() (string, error) { return cache, nil },
		Executable:   exe, // TestMain acts as detgo exec
		Surroundings: Surroundings{Stdout: &stdout, Stderr: &stderr, Dir: dir},
	})
	return frontResult{code, err, stdout.String(), stderr.String()}
}

func writeModule(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "m")
	for name, data := range frontModule {
		path := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func match(t *testing.T, what, text string, res ...string) {
	t.Helper()
	for _, re := range res {
		if !regexp.MustCompile("(?m)" + re).MatchString(text) {
			t.Errorf("%s has no line matching %s:\n%s", what, re, text)
		}
	}
}

// TestFront runs detgo test end to end on the stock toolchain: flags,
// go list, go test -exec through this test binary as detgo exec, replay
// lines and exit codes.
func TestFront(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs go test")
	}
	root := writeModule(t)

	r := runFront(t, root, "-seeds=1-4", "./pkg")
	if r.err != nil || r.code != 1 {
		t.Fatalf("detgo test -seeds=1-4 ./pkg = %d, %v\n%s%s", r.code, r.err, r.stdout, r.stderr)
	}
	match(t, "stdout", r.stdout,
		"^detgo: seed=1 sched=portfolio$",
		"^detgo: seed=4 sched=portfolio$",
		"^--- FAIL: TestOdd",
		"^detgo: FAIL seed=3 sched=portfolio$",
		`^detgo: replay: detgo test -run '\^TestOdd\$' -seed=3 \./pkg$`,
		"^FAIL\texample.com/m/pkg\t")

	// The replay line, run as printed, fails the same way.
	line := regexp.MustCompile(`(?m)^detgo: replay: (.*)$`).FindStringSubmatch(r.stdout)[1]
	words := splitArgs(line)
	if words[0] != "detgo" || words[1] != "test" {
		t.Fatalf("replay line %q", line)
	}
	r = runFront(t, root, words[2:]...)
	if r.code != 1 {
		t.Fatalf("replay %s = %d, %v\n%s%s", line, r.code, r.err, r.stdout, r.stderr)
	}
	match(t, "replay stdout", r.stdout, "^--- FAIL: TestOdd", "^detgo: FAIL seed=3 sched=portfolio$", "^detgo: replay: "+regexp.QuoteMeta(line)+"$")

	// Flags for go test, the test binary's after -args; the result cache
	// never answers (-count=1).
	for range 2 {
		r = runFront(t, root, "-v", "-seed=1", "./pkg", "-args", "-name=bob")
		if r.err != nil || r.code != 0 {
			t.Fatalf("detgo test -v -seed=1 = %d, %v\n%s%s", r.code, r.err, r.stdout, r.stderr)
		}
		match(t, "stdout", r.stdout, "name=bob$", "timeout=24h0m0s$", "^ok  \texample.com/m/pkg\t")
		if strings.Contains(r.stdout, "(cached)") {
			t.Errorf("go test answered from its cache:\n%s", r.stdout)
		}
	}

	// -timeout bounds each run in real time (the wrapper enforces it); the
	// binary's own alarm bounds simulated time.
	r = runFront(t, root, "-v", "-seeds=1-2", "-timeout=3s", "./pkg")
	match(t, "stdout", r.stdout, "timeout=24h0m0s$")
	if strings.Contains(r.stdout, "timeout=0s") || strings.Contains(r.stdout, "timeout=3s") {
		t.Errorf("a run had another -test.timeout than the simulated-time alarm:\n%s", r.stdout)
	}

	// -C: go runs in pkg, and the replay line is relative to where the user is.
	r = runFront(t, root, "-C=pkg", "-seed=6", "-count=2", ".")
	if r.code != 1 {
		t.Fatalf("detgo test -C=pkg -seed=6 = %d, %v\n%s%s", r.code, r.err, r.stdout, r.stderr)
	}
	match(t, "stdout", r.stdout, `^detgo: replay: detgo test -run '\^TestOdd\$' -seed=6 -count=2 \./pkg$`)

	// No seed: a random one, announced.
	r = runFront(t, filepath.Join(root, "pkg"))
	if r.err != nil || (r.code != 0 && r.code != 1) {
		t.Fatalf("detgo test = %d, %v\n%s%s", r.code, r.err, r.stdout, r.stderr)
	}
	match(t, "stderr", r.stderr, `^detgo: seed=(\d+) \(random; replay with -seed=\d+\)$`)
	seed := regexp.MustCompile(`seed=(\d+)`).FindStringSubmatch(r.stderr)[1]
	if r.code == 1 {
		match(t, "stdout", r.stdout, `^detgo: replay: detgo test -run '\^TestOdd\$' -seed=`+seed+` \.$`)
	}
}

func TestFrontErrors(t *testing.T) {
	root := writeModule(t)
	os.MkdirAll(filepath.Join(root, "empty"), 0o755)
	for _, tt := range []struct {
		args  []string
		err   string
		usage bool
	}{
		{[]string{"-frobnicate"}, "flag provided but not defined: -frobnicate (see 'go help testflag')", true},
		{[]string{"-seeds=1-x"}, `-seeds "1-x": "x" is not a number`, true},
		{[]string{"-seed=1", "./nope"}, `package "./nope": `, false},
		{[]string{"-seed=1", "./nope/..."}, `package "./nope/...": pattern ./nope/...: `, false},
		{[]string{"-seed=1", "./empty/..."}, `"./empty/..." matched no packages`, false},
	} {
		if testing.Short() && !tt.usage {
			continue
		}
		r := runFront(t, root, tt.args...)
		if r.code != 2 || r.err == nil || !strings.HasPrefix(r.err.Error(), tt.err) || strings.Contains(r.err.Error(), "\n") {
			t.Errorf("detgo test %q = %d, %v; want 2, %s...", tt.args, r.code, r.err, tt.err)
		}
		var ue *UsageError
		if errors.As(r.err, &ue) != tt.usage {
			t.Errorf("detgo test %q: usage error = %v, want %v", tt.args, !tt.usage, tt.usage)
		}
	}

	// A toolchain that cannot be had stops detgo before go runs.
	_, err := Test(context.Background(), []string{"-seed=1"}, Options{
		Ensure:       func(context.Context) (Toolchain, error) { return nil, errors.New("Go go1.25.3 is not supported") },
		Surroundings: Surroundings{Dir: root, Stdout: new(bytes.Buffer), Stderr: new(bytes.Buffer)},
	})
	if err == nil || err.Error() != "Go go1.25.3 is not supported" {
		t.Errorf("Test with a failing toolchain: error = %v", err)
	}

	if _, err := Test(context.Background(), []string{"-h"}, Options{}); !errors.Is(err, ErrHelp) {
		t.Errorf("Test -h: error = %v, want ErrHelp", err)
	}
}

func TestExecCommand(t *testing.T) {
	for _, tt := range []struct{ exe, want string }{
		{"/usr/bin/detgo", "/usr/bin/detgo exec"},
		{"/home/a b/detgo", "'/home/a b/detgo' exec"},
		{"/home/it's/detgo", `"/home/it's/detgo" exec`},
	} {
		if got, err := execCommand(tt.exe); err != nil || got != tt.want {
			t.Errorf("execCommand(%q) = %s, %v, want %s", tt.exe, got, err, tt.want)
		}
	}
	if _, err := execCommand(`/a'b"c/detgo`); err == nil {
		t.Errorf("execCommand with both quotes: no error")
	}
}
