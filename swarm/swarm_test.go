package swarm

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/detgo/detgo/gotest"
)

// The engine tests build with the stock toolchain: the module below writes
// the report the detgo runtime would, from its TestMain, and its results
// are a function of the seed by construction. (realruntime_test.go runs the
// real patched runtime.)

type fakeToolchain struct{}

func (fakeToolchain) Env(base []string) []string {
	return append(base, "GOTOOLCHAIN=local", "GOFLAGS=")
}
func (fakeToolchain) BuildFlags() []string { return nil }

var fakeModule = map[string]string{
	"go.mod": "module example.com/m\n\ngo 1.26\n",
	"pkg/pkg_test.go": `package pkg

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestMain stands in for the detgo runtime, which writes a report at exit.
func TestMain(m *testing.M) {
	code := m.Run()
	s := seed()
	// Like the runtime, name the strategy a portfolio picks for the seed.
	sched := os.Getenv("DETGO_SCHED")
	if sched == "portfolio" {
		sched = []string{"random", "fifo"}[s%2]
	}
	hash := s * 0x9e3779b97f4a7c15
	if os.Getenv("NONDET") != "" {
		hash ^= uint64(time.Now().UnixNano())
	}
	os.WriteFile(os.Getenv("DETGO_REPORT"), fmt.Appendf(nil, "seed %d\nsched %s\nhash %#x\nsteps %d\nvnow %d\n", s, sched, hash, s%50, s*1000), 0o644)
	os.Exit(code)
}

func seed() uint64 {
	s, _ := strconv.ParseUint(os.Getenv("DETGO_SEED"), 10, 64)
	return s
}

func TestOdd(t *testing.T) {
	if d, err := time.ParseDuration(os.Getenv("SLOW")); err == nil {
		time.Sleep(d)
	}
	if seed()%3 == 0 {
		t.Fatalf("seed %d is divisible by 3", seed())
	}
}

type counter struct{ m map[int]int }

func (c *counter) inc() { c.m[1]++ }

func TestPanic(t *testing.T) {
	if seed()%7 == 0 {
		var c counter
		c.inc()
	}
}

func TestHang(t *testing.T) {
	if os.Getenv("HANG") != "" && seed()%10 == 5 {
		time.Sleep(time.Hour)
	}
}
`,
	"other/other_test.go": `package other

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	os.WriteFile(os.Getenv("DETGO_REPORT"), fmt.Appendf(nil, "seed %s\nhash 0x1\n", os.Getenv("DETGO_SEED")), 0o644)
	os.Exit(code)
}

func TestNothing(t *testing.T) {}
`,
	"notests/notests.go": "package notests\n",
}

func writeModule(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "m")
	for name, data := range fakeModule {
		path := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

type swarmResult struct {
	code           int
	err            error
	stdout, stderr string
}

func fakeOptions(dir, cache string, env ...string) Options {
	return Options{
		Ensure:       func(context.Context) (gotest.Toolchain, error) { return fakeToolchain{}, nil },
		CacheRoot:    func() (string, error) { return cache, nil },
		Surroundings: gotest.Surroundings{Dir: dir, Environ: append(os.Environ(), env...)},
	}
}

// runSwarm runs detgo swarm in dir with the stock toolchain.
func runSwarm(t *testing.T, dir string, env []string, args ...string) swarmResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	opts := fakeOptions(dir, filepath.Join(filepath.Dir(dir), "cache"), env...)
	opts.Stdout, opts.Stderr = &stdout, &stderr
	code, err := Run(context.Background(), args, opts)
	return swarmResult{code, err, stdout.String(), stderr.String()}
}

func readFile(t *testing.T, path string) *Contents {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadResults(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// contentJSON is content as JSON lines, for comparing.
func contentJSON(recs []Record) string {
	var b strings.Builder
	for _, r := range content(recs) {
		data, _ := json.Marshal(r)
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}

// content returns the records without what may differ between two swarms
// of the same seeds (wall time and worker), sorted.
func content(recs []Record) []Record {
	out := slices.Clone(recs)
	for i := range out {
		out[i].RealNS, out[i].Worker = 0, 0
	}
	slices.SortFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Package, b.Package), cmp.Compare(a.Seed, b.Seed))
	})
	return out
}

func wantCode(t *testing.T, r swarmResult, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d (err %v), want %d\nstdout:\n%s\nstderr:\n%s", r.code, r.err, code, r.stdout, r.stderr)
	}
}

func match(t *testing.T, what, text string, res ...string) {
	t.Helper()
	for _, re := range res {
		if !regexp.MustCompile("(?m)" + re).MatchString(text) {
			t.Errorf("%s has no line matching %s:\n%s", what, re, text)
		}
	}
}

// A swarm's results do not depend on the number of workers: the same
// records, in another order.
func TestWorkersSameContent(t *testing.T) {
	dir := writeModule(t)
	one := runSwarm(t, dir, nil, "-workers=1", "-seeds=1-60", "-results=one.jsonl", "./...")
	wantCode(t, one, 1)
	four := runSwarm(t, dir, nil, "-workers", "4", "-seeds=1-60", "-results=four.jsonl", "./...")
	wantCode(t, four, 1)
	a, b := readFile(t, filepath.Join(dir, "one.jsonl")), readFile(t, filepath.Join(dir, "four.jsonl"))
	if len(a.Records) != 120 {
		t.Fatalf("%d records with 1 worker, want 120 (2 packages with tests x 60 seeds)", len(a.Records))
	}
	ca := content(a.Records)
	if ja, jb := contentJSON(a.Records), contentJSON(b.Records); ja != jb {
		t.Errorf("records differ between 1 and 4 workers:\n%s\n%s", ja, jb)
	}
	workers := map[int]bool{}
	for _, r := range b.Records {
		workers[r.Worker] = true
	}
	if len(workers) < 2 {
		t.Errorf("4 workers: runs went to workers %v only", workers)
	}
	if a.Header.Config != b.Header.Config {
		t.Errorf("config %s vs %s: the worker count is not part of a swarm's configuration", a.Header.Config, b.Header.Config)
	}
	// The failures: seeds divisible by 3 (t.Fatalf) and by 7 (a panic).
	fails := map[uint64]Record{}
	for _, r := range ca {
		if r.Failed() {
			fails[r.Seed] = r
		}
	}
	for s := uint64(1); s <= 60; s++ {
		r, failed := fails[s]
		if failed != (s%3 == 0 || s%7 == 0) {
			t.Errorf("seed %d: failed=%v", s, failed)
		}
		if !failed {
			continue
		}
		if r.Outcome != Fail || r.Sched != gotest.DefaultSched {
			t.Errorf("seed %d: record %+v", s, r)
		}
		if s%7 == 0 {
			// The panic ends the binary before its TestMain writes a report.
			if r.Exit != 2 || r.Hash != "" || r.Strategy != gotest.DefaultSched || r.Replay != fmt.Sprintf("detgo test -seed=%d ./pkg", s) {
				t.Errorf("seed %d: record %+v", s, r)
			}
			continue
		}
		// The replay line names the strategy the portfolio picked.
		strategy := []string{"random", "fifo"}[s%2]
		if r.Exit != 1 || r.Hash != fmt.Sprintf("0x%016x", s*0x9e3779b97f4a7c15) || r.VirtualNS != s*1000 || r.Steps != s%50 ||
			r.Strategy != strategy || r.Replay != fmt.Sprintf("detgo test -seed=%d -sched=%s ./pkg", s, strategy) {
			t.Errorf("seed %d: report fields not recorded: %+v", s, r)
		}
	}
	// Two groups: the t.Fatalf (its numbers normalized away) and the panic.
	match(t, "stdout", one.stdout,
		`^detgo: FAIL TestOdd \(example.com/m/pkg\): 20 seeds, smallest seed=3 sched=fifo \[[0-9a-f]{16}\]$`,
		`^    pkg_test.go:\d+: seed 3 is divisible by 3$`,
		`^detgo: replay: detgo test -run '\^TestOdd\$' -seed=3 -sched=fifo ./pkg$`,
		`^detgo: FAIL TestPanic \(example.com/m/pkg\): 6 seeds, smallest seed=7 sched=portfolio`,
		`^    panic: assignment to entry in nil map`,
		`^    at example.com/m/pkg.\(\*counter\).inc < example.com/m/pkg.TestPanic$`,
		`^detgo: replay: detgo test -run '\^TestPanic\$' -seed=7 ./pkg$`,
		`^detgo: swarm: 120 runs of 2 packages: 94 passed, 26 failed in 2 failure groups$`,
	)
	if !strings.Contains(one.stderr, "example.com/m/notests: no test files") {
		t.Errorf("stderr does not mention the package without tests:\n%s", one.stderr)
	}
}

// Shards 1/n..n/n of a seed list are disjoint and together the whole, and
// detgo swarm merge puts them back together.
func TestShardsPartition(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 7} {
		var seen [100]int
		for k := uint64(1); k <= n; k++ {
			for s := uint64(0); s < 100; s++ {
				if (Shard{k, n}).Has(s) {
					seen[s]++
				}
			}
		}
		for s, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: seed %d is in %d shards", n, s, c)
			}
		}
	}
	if !(Shard{1, 2}).Has(1) || !(Shard{2, 2}).Has(2) || !(Shard{2, 2}).Has(0) || !(Shard{3, 3}).Has(1<<64-1) {
		t.Error("Shard.Has: seed s belongs to shard ((s-1) mod n)+1")
	}

	dir := writeModule(t)
	whole := runSwarm(t, dir, nil, "-seeds=1-40,100", "-results=whole.jsonl", "./pkg")
	wantCode(t, whole, 1)
	var files []string
	for k := 1; k <= 3; k++ {
		name := fmt.Sprintf("s%d.jsonl", k)
		r := runSwarm(t, dir, nil, "-seeds=1-40,100", "-shard", fmt.Sprintf("%d/3", k), "-results="+name, "./pkg")
		wantCode(t, r, 1)
		files = append(files, name)
		for _, rec := range readFile(t, filepath.Join(dir, name)).Records {
			if !(Shard{uint64(k), 3}).Has(rec.Seed) {
				t.Errorf("shard %d/3 ran seed %d", k, rec.Seed)
			}
		}
	}
	var stdout, stderr bytes.Buffer
	opts := Options{Surroundings: gotest.Surroundings{Dir: dir, Stdout: &stdout, Stderr: &stderr}}
	code, err := Merge(context.Background(), append([]string{"-o", "merged.jsonl", "-junit=merged.xml"}, files...), opts)
	if code != 1 || err != nil {
		t.Fatalf("merge: %d %v\n%s%s", code, err, stdout.String(), stderr.String())
	}
	w, m := readFile(t, filepath.Join(dir, "whole.jsonl")), readFile(t, filepath.Join(dir, "merged.jsonl"))
	if got, want := contentJSON(m.Records), contentJSON(w.Records); len(m.Records) != 41 || got != want {
		t.Errorf("merged shards:\n%s\nwhole:\n%s", got, want)
	}
	if len(m.Sessions) != 3 || stderr.Len() != 0 {
		t.Errorf("merged file has %d sessions, want 3; stderr: %s", len(m.Sessions), stderr.String())
	}
	match(t, "merge output", stdout.String(),
		`^detgo: FAIL TestOdd \(example.com/m/pkg\): 13 seeds, smallest seed=3`,
		`^detgo: swarm merge: 3 files, 41 runs from 3 shards$`)

	// A missing shard and a file of another swarm.
	stdout.Reset()
	stderr.Reset()
	code, _ = Merge(context.Background(), files[:2], opts)
	if code != 1 || !strings.Contains(stderr.String(), "warning: no results for shard 3/3") {
		t.Errorf("merge of 2 of 3 shards: exit %d, stderr:\n%s", code, stderr.String())
	}
	other := runSwarm(t, dir, nil, "-seeds=1-3", "-sched=fifo", "-results=other.jsonl", "./pkg")
	wantCode(t, other, 1)
	code, err = Merge(context.Background(), []string{files[0], "other.jsonl"}, opts)
	if code != 2 || err == nil || !strings.Contains(err.Error(), "results of different swarms") || !strings.Contains(err.Error(), "(-sched: portfolio and fifo)") {
		t.Errorf("merge of different swarms: %d %v", code, err)
	}
}

// TestMain lets this test binary be a detgo swarm process for the kill test.
func TestMain(m *testing.M) {
	if args := os.Getenv("SWARM_TEST_ARGS"); args != "" {
		var list []string
		json.Unmarshal([]byte(args), &list)
		dir, _ := os.Getwd()
		opts := fakeOptions(dir, os.Getenv("SWARM_TEST_CACHE"))
		code, err := Run(context.Background(), list, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "detgo:", err)
		}
		os.Exit(code)
	}
	plainEvery = 50 * time.Millisecond
	os.Exit(m.Run())
}

// A swarm killed with SIGKILL resumes from its results file, and the two
// sessions together run every seed exactly once.
func TestResumeAfterKill(t *testing.T) {
	dir := writeModule(t)
	cache := filepath.Join(filepath.Dir(dir), "cache")
	results := filepath.Join(dir, "r.jsonl")
	args := []string{"-seeds=1-300", "-workers=2", "-results=r.jsonl", "./pkg"}
	data, _ := json.Marshal(args)
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SWARM_TEST_ARGS="+string(data), "SWARM_TEST_CACHE="+cache, "SLOW=10ms")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some seeds are recorded.
	deadline := time.Now().Add(60 * time.Second)
	for {
		data, _ := os.ReadFile(results)
		if bytes.Count(data, []byte(`"type":"seed"`)) >= 30 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no 30 seeds recorded in 60s:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := readFile(t, results)
	if n := len(before.Records); n >= 300 {
		t.Fatalf("the swarm finished (%d seeds) before it was killed", n)
	}
	r := runSwarm(t, dir, []string{"SLOW=1ms"}, args...)
	wantCode(t, r, 1)
	match(t, "stdout", r.stdout, fmt.Sprintf(`^detgo: swarm: resuming r.jsonl: %d runs recorded \(`, len(before.Records)))
	after := readFile(t, results)
	count := map[uint64]int{}
	for _, rec := range after.Records {
		count[rec.Seed]++
	}
	for s := uint64(1); s <= 300; s++ {
		if count[s] != 1 {
			t.Errorf("seed %d recorded %d times", s, count[s])
		}
	}
	if len(after.Records) != 300 || len(after.Sessions) != 2 {
		t.Errorf("%d records in %d sessions, want 300 in 2", len(after.Records), len(after.Sessions))
	}
	// Resuming a finished swarm runs nothing and reports the same.
	again := runSwarm(t, dir, nil, args...)
	wantCode(t, again, 1)
	match(t, "stdout", again.stdout, `^detgo: swarm: this session: 0 runs`, `^detgo: swarm: 300 runs: 172 passed, 128 failed in 2 failure groups$`)
}

// A seed that hangs is stopped at -timeout with SIGQUIT and recorded as a
// timeout, with the test and the frames where it hung; the others go on.
func TestHangingSeed(t *testing.T) {
	dir := writeModule(t)
	start := time.Now()
	r := runSwarm(t, dir, []string{"HANG=1"}, "-seeds=1-6", "-timeout=1s", "-results=r.jsonl", "./pkg")
	wantCode(t, r, 1)
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("swarm with a hanging seed took %v", d)
	}
	var hung *Record
	recs := readFile(t, filepath.Join(dir, "r.jsonl")).Records
	for i := range recs {
		if recs[i].Seed == 5 {
			hung = &recs[i]
		}
	}
	if len(recs) != 6 || hung == nil {
		t.Fatalf("%d records, want 6 with seed 5", len(recs))
	}
	if hung.Outcome != Timeout || hung.Test != "TestHang" || !slices.Contains(hung.Frames, "example.com/m/pkg.TestHang") ||
		hung.Message != "still running after -timeout=1s of real time; stopped with SIGQUIT" || hung.RealNS < int64(time.Second) {
		t.Errorf("hanging seed's record: %+v", hung)
	}
	match(t, "stdout", r.stdout,
		`^detgo: TIMEOUT TestHang \(example.com/m/pkg\): 1 seed, smallest seed=5`,
		`^detgo: replay: detgo test -seed=5 -timeout=1s ./pkg$`)
}

// Stop rules: -failfast, -max-failures and -duration; stopped runs are not
// recorded.
func TestStopRules(t *testing.T) {
	dir := writeModule(t)
	r := runSwarm(t, dir, []string{"SLOW=20ms"}, "-seeds=1-100", "-failfast", "-results=ff.jsonl", "./pkg")
	wantCode(t, r, 1)
	recs := readFile(t, filepath.Join(dir, "ff.jsonl")).Records
	if len(recs) >= 30 {
		t.Errorf("-failfast: %d seeds ran", len(recs))
	}
	match(t, "stdout", r.stdout, `stopped after 1 failed runs`)

	r = runSwarm(t, dir, []string{"SLOW=20ms"}, "-seeds=1-100", "-max-failures=3", "-workers=1", "-results=mf.jsonl", "./pkg")
	wantCode(t, r, 1)
	if recs := readFile(t, filepath.Join(dir, "mf.jsonl")).Records; len(recs) != 7 {
		t.Errorf("-max-failures=3 with one worker: %d seeds ran, want 7 (the third failure is seed 7)", len(recs))
	}

	start := time.Now()
	r = runSwarm(t, dir, []string{"SLOW=20ms"}, "-duration=1s", "-run=TestHang", "-progress=plain", "-results=d.jsonl", "./pkg")
	wantCode(t, r, 0)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("-duration=1s took %v", d)
	}
	c := readFile(t, filepath.Join(dir, "d.jsonl"))
	if len(c.Records) < 5 || c.Sessions[0].Seeds != "1-" {
		t.Errorf("-duration=1s: %d seeds, session %+v", len(c.Records), c.Sessions[0])
	}
	match(t, "stdout", r.stdout, `stopped after -duration=1s`)
	match(t, "stderr", r.stderr, `^detgo: swarm: \d+ seeds, [\d.]+ seeds/s, 0 failed, ETA \d+s$`)
}

// A results file of another swarm is refused; -fresh starts over.
func TestResultsMismatch(t *testing.T) {
	dir := writeModule(t)
	wantCode(t, runSwarm(t, dir, nil, "-seeds=1-2", "./pkg"), 0)
	r := runSwarm(t, dir, nil, "-seeds=1-2", "-sched=fifo", "./pkg")
	if r.code != 2 || r.err == nil || !strings.Contains(r.err.Error(), "detgo-swarm.jsonl holds the results of another swarm (-sched: portfolio there, fifo now); use -fresh") {
		t.Errorf("another -sched on the same file: %d %v", r.code, r.err)
	}
	// Another binary: the code changed.
	os.WriteFile(filepath.Join(dir, "pkg", "more_test.go"), []byte("package pkg\n\nimport \"testing\"\n\nfunc TestMore(t *testing.T) {}\n"), 0o644)
	r = runSwarm(t, dir, nil, "-seeds=1-2", "./pkg")
	if r.code != 2 || r.err == nil || !strings.Contains(r.err.Error(), "the test binary of example.com/m/pkg is not the one") {
		t.Errorf("changed code on the same file: %d %v", r.code, r.err)
	}
	r = runSwarm(t, dir, nil, "-seeds=1-4", "-fresh", "./pkg")
	wantCode(t, r, 1)
	if c := readFile(t, filepath.Join(dir, "detgo-swarm.jsonl")); len(c.Records) != 4 || len(c.Sessions) != 1 {
		t.Errorf("-fresh: %d records, %d sessions", len(c.Records), len(c.Sessions))
	}
}

func TestJUnit(t *testing.T) {
	dir := writeModule(t)
	r := runSwarm(t, dir, nil, "-seeds=1-21", "-junit=out/report.xml", "./pkg", "./other")
	wantCode(t, r, 1)
	data, err := os.ReadFile(filepath.Join(dir, "out", "report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if len(doc.Suites) != 2 || doc.Tests != 4 || doc.Failures != 2 {
		t.Fatalf("JUnit: %d suites, %d tests, %d failures\n%s", len(doc.Suites), doc.Tests, doc.Failures, data)
	}
	s := doc.Suites[1]
	if s.Name != "example.com/m/pkg" || s.Cases[0].Name != "swarm: 21 seeds" || s.Cases[0].Failure != nil {
		t.Errorf("suite %s, summary case %+v", s.Name, s.Cases[0])
	}
	f := s.Cases[1]
	if !strings.HasPrefix(f.Name, "TestOdd [") || f.Failure == nil || f.Failure.Type != "fail" ||
		!strings.Contains(f.Failure.Text, "replay: detgo test -run '^TestOdd$' -seed=3 -sched=fifo ./pkg") ||
		!strings.Contains(f.Failure.Text, "seeds: 3,6,9,12,15,18,21") {
		t.Errorf("failure case: %+v", f)
	}
}

// -check runs every seed twice; runs that differ are recorded as nondet.
func TestCheck(t *testing.T) {
	dir := writeModule(t)
	r := runSwarm(t, dir, nil, "-seeds=1-4", "-check", "-run=TestHang", "-results=ok.jsonl", "./pkg")
	wantCode(t, r, 0)
	r = runSwarm(t, dir, []string{"NONDET=1"}, "-seeds=1-4", "-check", "-run=TestHang", "-results=nd.jsonl", "./pkg")
	wantCode(t, r, 1)
	for _, rec := range readFile(t, filepath.Join(dir, "nd.jsonl")).Records {
		if rec.Outcome != Nondet || !strings.HasPrefix(rec.Message, "two runs of the seed differ: trace hash 0x") ||
			!strings.HasPrefix(rec.Replay, "detgo test -seed=") || !strings.Contains(rec.Replay, " -check -run=TestHang ./pkg") {
			t.Errorf("record %+v", rec)
		}
	}
	match(t, "stdout", r.stdout, `^detgo: NONDET \(no test named\) \(example.com/m/pkg\): 4 seeds, smallest seed=1`)
}
