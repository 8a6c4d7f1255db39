package gotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// execEnv is a user's environment for Exec tests: with variables the
// wrapper must drop or pin.
type wrapperTest struct {
	t        *testing.T
	cwd      string // where the "user" ran detgo test
	pkgDir   string // the package go test runs the wrapper in
	cache    string
	cfg      RunConfig
	env      []string // extra environment
	binArgs  []string
	out      bytes.Buffer
	exitCode int
}

func newWrapperTest(t *testing.T, spec string) *wrapperTest {
	root := t.TempDir()
	w := &wrapperTest{
		t:      t,
		cwd:    root,
		pkgDir: filepath.Join(root, "pkg"),
		cache:  filepath.Join(root, "cache"),
	}
	os.MkdirAll(w.pkgDir, 0o755)
	w.cfg = RunConfig{
		Seeds:       spec,
		Sched:       DefaultSched,
		Timeout:     DefaultTimeout,
		Cwd:         w.cwd,
		CacheRoot:   w.cache,
		ReplayFlags: []string{"-short"},
		FullFlags:   []string{"-run=Odd", "-short", "-failfast"},
		Packages:    map[string]string{w.pkgDir: "example.com/m/pkg"},
	}
	return w
}

func (w *wrapperTest) run() string {
	w.t.Helper()
	cfgPath, err := writeConfig(w.t.TempDir(), &w.cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	env := append([]string{
		"PATH=" + os.Getenv("PATH"),
		"GOMAXPROCS=7", "GOMEMLIMIT=1GiB", "GODEBUG=gctrace=1", "TZ=Europe/Paris", "TMPDIR=/elsewhere",
		"DETGO_OTHER=x", "DETGO_SEED=999", EnvRun + "=" + cfgPath,
	}, w.env...)
	w.out.Reset()
	args := append([]string{buildFake(w.t)}, w.binArgs...)
	w.exitCode, err = Exec(context.Background(), args, ExecOptions{Stdout: &w.out, Environ: env, Dir: w.pkgDir})
	if err != nil {
		w.t.Fatalf("Exec: %v", err)
	}
	return w.out.String()
}

func (w *wrapperTest) runDir() string {
	sum := sha256.Sum256([]byte(w.pkgDir))
	return filepath.Join(w.cache, "run", hex.EncodeToString(sum[:])[:12])
}

func (w *wrapperTest) wantExit(code int) {
	w.t.Helper()
	if w.exitCode != code {
		w.t.Errorf("exit code %d, want %d; output:\n%s", w.exitCode, code, w.out.String())
	}
}

// want checks that the output has a line matching each regexp, in order.
func (w *wrapperTest) want(res ...string) {
	w.t.Helper()
	out := w.out.String()
	for _, re := range res {
		loc := regexp.MustCompile("(?m)" + re).FindStringIndex(out)
		if loc == nil {
			w.t.Errorf("output has no line matching %s (after the previous match); output:\n%s", re, w.out.String())
			return
		}
		out = out[loc[1]:]
	}
}

func (w *wrapperTest) wantNot(re string) {
	w.t.Helper()
	if regexp.MustCompile("(?m)" + re).MatchString(w.out.String()) {
		w.t.Errorf("output matches %s; output:\n%s", re, w.out.String())
	}
}

func TestExecOneSeed(t *testing.T) {
	w := newWrapperTest(t, "7")
	// As go test passes them: its own flags, then the user's, then those after -args.
	w.binArgs = []string{"-test.paniconexit0", "-test.timeout=0s", "-test.v=true", "-test.run=X", "-test.timeout=0s"}
	w.run()
	w.wantExit(0)
	run := w.runDir()
	w.want(
		// A stable argv[0], under the cache, whatever go test's $WORK was.
		"^args0="+regexp.QuoteMeta(filepath.Join(run, "pkg.test"))+"$",
		// The run's timeout comes first and replaces go test's -test.timeout=0s;
		// a -test.timeout the user gave after -args comes later and wins.
		`^args=\["-test.timeout=24h0m0s" "-test.paniconexit0" "-test.v=true" "-test.run=X" "-test.timeout=0s"\]$`,
		`^env TZ=UTC GOGC=100 GODEBUG=asyncpreemptoff=1,updatemaxprocs=0,netdns=go,fips140=off GOMAXPROCS="" GOMEMLIMIT="" DETGO_OTHER="" DETGO_SCHED=portfolio$`,
		"^tmpdir="+regexp.QuoteMeta(filepath.Join(run, "tmp"))+" entries=0$",
		"^PASS$",
	)
	w.wantNot("^detgo: seed=") // one seed: no header, the output is go test's own
	w.wantNot("^detgo: FAIL")
	// Afterwards only the lock and the report are left.
	entries, _ := os.ReadDir(run)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"lock", "report"}) {
		t.Errorf("the run directory holds %q, want lock and report", names)
	}

	// The next run gets the same paths and an empty TMPDIR again.
	first := w.out.String()
	w.run()
	if w.out.String() != first {
		t.Errorf("second run's output differs:\n%s\nfirst:\n%s", w.out.String(), first)
	}
}

func TestExecSeeds(t *testing.T) {
	w := newWrapperTest(t, "1-4")
	w.run()
	w.wantExit(1)
	w.want(
		"^detgo: seed=1 sched=portfolio$", "^PASS$",
		"^detgo: seed=2 sched=portfolio$", "^PASS$",
		"^detgo: seed=3 sched=portfolio$", "^--- FAIL: TestOdd", "^    odd_test.go:9: boom$", "^FAIL$",
		"^detgo: FAIL seed=3 sched=portfolio$",
		`^detgo: replay: detgo test -run '\^TestOdd\$' -seed=3 -short \./pkg$`,
		// Without -failfast the remaining seeds still run.
		"^detgo: seed=4 sched=portfolio$", "^PASS$",
	)
	if got := strings.Count(w.out.String(), "detgo: FAIL"); got != 1 {
		t.Errorf("%d FAIL lines, want 1", got)
	}
}

func TestExecFailfast(t *testing.T) {
	w := newWrapperTest(t, "1-9")
	w.cfg.Sched = "fifo"
	w.binArgs = []string{"-test.failfast=true"}
	w.run()
	w.wantExit(1)
	w.want("^detgo: seed=3 sched=fifo$", "^detgo: FAIL seed=3 sched=fifo$",
		`^detgo: replay: detgo test -run '\^TestOdd\$' -seed=3 -sched=fifo -short \./pkg$`)
	w.wantNot("^detgo: seed=4 ")
}

func TestExecReplayPackage(t *testing.T) {
	// The package is the directory the user ran detgo in.
	w := newWrapperTest(t, "6")
	w.cfg.Cwd = w.pkgDir
	w.cfg.ReplayFlags = []string{"-tags=a b", "-v"}
	w.cfg.BinaryArgs = []string{"-name", "it's"}
	w.run()
	w.wantExit(1)
	w.want(`^detgo: replay: detgo test -run '\^TestOdd\$' -seed=6 '-tags=a b' -v \. -args -name 'it'\\''s'$`)

	// The package is outside the user's directory: its import path.
	w = newWrapperTest(t, "6")
	w.cfg.Cwd = filepath.Join(w.cwd, "elsewhere")
	w.cfg.ReplayFlags = nil
	w.run()
	w.want(`^detgo: replay: detgo test -run '\^TestOdd\$' -seed=6 example.com/m/pkg$`)
}

func TestExecNoReport(t *testing.T) {
	w := newWrapperTest(t, "1")
	w.env = []string{"FAKE_MODE=noreport"}
	w.run()
	// A passing test binary without a report never counts as a pass.
	w.wantExit(1)
	report := filepath.Join(w.runDir(), "report")
	w.want("^PASS$",
		"^detgo: the test binary did not run on the detgo runtime \\(no report at "+regexp.QuoteMeta(report)+"\\); run 'detgo toolchain verify'$",
		"^detgo: FAIL seed=1 sched=portfolio$",
		// No failing test to name: the replay runs the tests this run did.
		`^detgo: replay: detgo test -seed=1 -run=Odd -short -failfast \./pkg$`,
	)

	// A failing binary without a report is told apart.
	w = newWrapperTest(t, "3")
	w.env = []string{"FAKE_MODE=noreport"}
	w.run()
	w.wantExit(1)
	w.want("^detgo: no report at .*: the test binary exited with status 1 before the detgo runtime wrote one, or it did not run on the detgo runtime")

	// A stale report from an earlier run is not taken for this run's.
	w = newWrapperTest(t, "1")
	w.run()
	w.wantExit(0)
	w.env = []string{"FAKE_MODE=noreport"}
	w.run()
	w.wantExit(1)
	w.want("^detgo: the test binary did not run on the detgo runtime")
}

func TestExecWrongSeed(t *testing.T) {
	w := newWrapperTest(t, "1")
	w.env = []string{"FAKE_MODE=wrongseed"}
	w.run()
	w.wantExit(1)
	w.want("^detgo: the report at .* is for seed 2, not 1$", "^detgo: FAIL seed=1 ")
}

func TestExecCheck(t *testing.T) {
	w := newWrapperTest(t, "1-2")
	w.cfg.Check = true
	w.run()
	w.wantExit(0)
	// The first run's output is printed once per seed.
	w.want("^detgo: seed=1 sched=portfolio$", "^args0=", "^PASS$", "^detgo: seed=2 sched=portfolio$", "^args0=", "^PASS$")
	if got := strings.Count(w.out.String(), "args0="); got != 2 {
		t.Errorf("%d outputs printed, want 2:\n%s", got, w.out.String())
	}
	w.wantNot("differ")

	// Runs that differ fail and say where.
	w = newWrapperTest(t, "4")
	w.cfg.Check = true
	w.env = []string{"FAKE_MODE=nondet", "FAKE_COUNTER=" + filepath.Join(t.TempDir(), "counter")}
	w.run()
	w.wantExit(1)
	w.want(
		`^detgo: -check: seed=4: two runs differ: trace hash 0x[0-9a-f]{16} vs 0x[0-9a-f]{16}, output differs at line 5$`,
		"^\tdiverged between step 1024 and step 2048$",
		`^\toutput line 5, run 1: "PASS"$`,
		`^\toutput line 5, run 2: "a different line"$`,
		// Two more runs with the decision log on for steps 1024-2048.
		`^\tfirst differing decision, run 1: step 2 vnow 5 pick goroutine 7 of 2 at main.f x.go:9$`,
		`^\tfirst differing decision, run 2: step 2 vnow 5 pick goroutine 8 of 2 at main.f x.go:9$`,
		"^detgo: FAIL seed=4 sched=portfolio$",
		`^detgo: replay: detgo test -seed=4 -run=Odd -short -failfast \./pkg$`,
	)
}

// TestExecReplayVerified: a replay line names the failing tests only if the
// binary fails with just them.
func TestExecReplayVerified(t *testing.T) {
	w := newWrapperTest(t, "3")
	w.env = []string{"FAKE_MODE=needsall"} // fails only without -test.run
	w.binArgs = []string{"-test.paniconexit0", "-test.timeout=0s", "-test.failfast=true"}
	w.run()
	w.wantExit(1)
	w.want(
		"^--- FAIL: TestOdd",
		"^detgo: FAIL seed=3 sched=portfolio$",
		`^detgo: seed=3 passes with -run '\^TestOdd\$' alone; the replay runs the same tests as this run$`,
		`^detgo: replay: detgo test -seed=3 -run=Odd -short -failfast \./pkg$`,
	)
	// The check ran the binary as the replay line would: quietly.
	if n := strings.Count(w.out.String(), "args0="); n != 1 {
		t.Errorf("%d outputs printed, want 1:\n%s", n, w.out.String())
	}
}

func TestNarrowedArgs(t *testing.T) {
	for _, tt := range []struct {
		given   []string
		nBinary int
		want    []string
	}{
		{
			[]string{"-test.paniconexit0", "-test.count=1", "-test.timeout=0s", "-test.run=X", "-test.v=true", "-test.failfast=true"}, 0,
			[]string{"-test.paniconexit0", "-test.count=1", "-test.timeout=0s", "-test.run=^(TestA|TestB)$", "-test.v=true"},
		},
		{
			// After -args, nothing is touched.
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=0s", "-test.run=Y", "-test.run=Z", "-x"}, 2,
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=0s", "-test.run=^(TestA|TestB)$", "-test.run=Z", "-x"},
		},
		{
			[]string{"-test.paniconexit0"}, 0,
			[]string{"-test.paniconexit0", "-test.run=^(TestA|TestB)$"},
		},
	} {
		if got := narrowedArgs(tt.given, tt.nBinary, []string{"TestA", "TestB"}); !slices.Equal(got, tt.want) {
			t.Errorf("narrowedArgs(%q, %d) =\n%q\nwant\n%q", tt.given, tt.nBinary, got, tt.want)
		}
	}
}

// TestExecLock runs two wrappers on one package at once: the lock makes
// them take turns, so neither sees the other's files in TMPDIR.
func TestExecLock(t *testing.T) {
	w1 := newWrapperTest(t, "1")
	w2 := newWrapperTest(t, "2")
	w2.cwd, w2.pkgDir, w2.cache = w1.cwd, w1.pkgDir, w1.cache
	w2.cfg = w1.cfg
	w2.cfg.Seeds = "2"
	w1.env = []string{"FAKE_SLEEP=300ms"}
	w2.env = w1.env
	var wg sync.WaitGroup
	start := time.Now()
	for _, w := range []*wrapperTest{w1, w2} {
		wg.Go(func() { w.run() })
	}
	wg.Wait()
	for _, w := range []*wrapperTest{w1, w2} {
		w.wantExit(0)
		w.want(" entries=0$")
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("two wrappers on one package finished in %v: they ran at once", d)
	}
}

func TestExecErrors(t *testing.T) {
	_, err := Exec(context.Background(), nil, ExecOptions{})
	if err == nil || !strings.Contains(err.Error(), "no test binary given") {
		t.Errorf("Exec() error = %v", err)
	}
	_, err = Exec(context.Background(), []string{"x.test"}, ExecOptions{Environ: []string{}, Dir: t.TempDir()})
	if err == nil || err.Error() != "exec: $DETGO_RUN is not set (detgo exec is run by detgo test through go test -exec)" {
		t.Errorf("Exec without DETGO_RUN: error = %v", err)
	}
}

// A run that outlives -timeout in real time gets SIGQUIT (a Go binary then
// prints every goroutine's stack) and is reported with its seed.
func TestExecRealTimeout(t *testing.T) {
	w := newWrapperTest(t, "1")
	w.cfg.Timeout = 300 * time.Millisecond
	w.env = []string{"FAKE_SLEEP=1h"}
	start := time.Now()
	w.run()
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("wrapper took %v to stop a run with -timeout=300ms", d)
	}
	w.wantExit(1)
	w.want(
		`(?m)^SIGQUIT: quit$`,
		`(?m)^goroutine \d+ .*\[sleep\]:$`,
		`(?m)^detgo: test binary still running after -timeout=300ms of real time \(seed=1\); stopped it with SIGQUIT \(goroutine dump above\)$`,
		`(?m)^detgo: FAIL seed=1 sched=portfolio$`,
	)
}
