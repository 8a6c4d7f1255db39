package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const sampleDetgo = `detgo: test binary still running after -timeout=2m0s of real time (seed=1); stopped it with SIGQUIT (goroutine dump above)
=== RUN   TestA
--- PASS: TestA (0.00s)
=== RUN   TestB
=== RUN   TestB/sub
    --- FAIL: TestB/sub (0.00s)
--- FAIL: TestB (0.01s)
=== RUN   ExampleC
--- SKIP: ExampleC (0.00s)
=== RUN   TestHang
SIGQUIT: quit
detgo: -check: seed=1: two runs differ: output differs at line 21
	the runs made 3 and 0 switches at points chosen by real time (nondet: the watchdog stopped a goroutine that reached no yield point), so they are not reproducible by construction
detgo: FAIL seed=1 sched=portfolio
detgo: replay: detgo test -seed=1 -v sync
FAIL	sync	480.324s
FAIL
`

func TestParse(t *testing.T) {
	o := Parse([]byte(sampleDetgo))
	check := func(name string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	check("passed", o.Passed, []string{"TestA"})
	check("failed", o.Failed, []string{"TestB"})
	check("skipped", o.Skipped, []string{"ExampleC"})
	check("incomplete", o.Incomplete, []string{"TestHang"})
	if o.Last != "TestHang" {
		t.Errorf("last = %q", o.Last)
	}
	if o.Status != "fail" || o.PkgSeconds != 480.324 || !o.Differ || !o.Nondet || !o.DetgoTimeout || o.Replay != "detgo test -seed=1 -v sync" {
		t.Errorf("parsed %+v", o)
	}

	ok := Parse([]byte("=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\nok  \tsort\t1.101s\n"))
	if ok.Status != "ok" || ok.PkgSeconds != 1.101 || len(ok.Passed) != 1 {
		t.Errorf("parsed %+v", ok)
	}
	bf := Parse([]byte("# x\nFAIL\tx [build failed]\nFAIL\n"))
	if bf.Status != "build-failed" {
		t.Errorf("build failure parsed as %q", bf.Status)
	}
}

func TestSummary(t *testing.T) {
	pr := PkgResult{Package: "p",
		Native: Run{Outcome: Outcome{Status: "ok", PkgSeconds: 2, Passed: []string{"TestA", "TestB"}}},
		Detgo: []SeedRun{
			{Seed: 1, Run: Run{Outcome: Outcome{Status: "ok", PkgSeconds: 6, Passed: []string{"TestA", "TestB"}}}},
			{Seed: 2, Run: Run{Outcome: Outcome{Status: "fail", PkgSeconds: 8, Passed: []string{"TestA"}, Failed: []string{"TestB"}, Differ: true}}},
			{Seed: 3, Run: Run{Outcome: Outcome{Status: "timeout", Passed: []string{"TestA"}, Incomplete: []string{"TestB"}, Last: "TestB"}}},
		}}
	pr.summarize()
	s := pr.Summary
	if s.SeedsRun != 3 || s.SeedsPassed != 1 || s.SeedsIdentical != 1 || s.DetgoPassedAll != 1 || s.DetgoSecondsPerRun != 4 || s.Ratio != 2 {
		t.Errorf("summary %+v", s)
	}
	if len(s.Failures) != 1 || s.Failures[0].Test != "TestB" || !slices.Equal(s.Failures[0].Seeds, []uint64{2, 3}) || s.Failures[0].How != "fail" {
		t.Errorf("failures %+v", s.Failures)
	}
	if s.Verdict != "incompatible (timeout)" {
		t.Errorf("verdict %q", s.Verdict)
	}
	if got := seedSpan([]uint64{1, 2, 3, 5, 7, 8}); got != "1-3,5,7-8" {
		t.Errorf("seedSpan = %q", got)
	}
}

// TestSmoke runs the smoke corpus (a few quick std suites) natively and
// under detgo -check for two seeds, and checks that the table and the JSON
// come out whole and that every suite passes both ways, identically.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs std test suites under detgo")
	}
	dir := t.TempDir()
	detgo := filepath.Join(dir, "detgo")
	if out, err := exec.Command("go", "build", "-o", detgo, "../../cmd/detgo").CombinedOutput(); err != nil {
		t.Fatalf("building detgo: %v\n%s", err, out)
	}
	var log strings.Builder
	out := filepath.Join(dir, "results")
	rep, err := Main(context.Background(), Options{Corpus: "smoke", Seeds: "1-2", Work: dir, Out: out, Detgo: detgo, NetNS: "auto"}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(rep.Packages) != len(Smoke) {
		t.Fatalf("%d packages in the report, want %d", len(rep.Packages), len(Smoke))
	}
	for _, p := range rep.Packages {
		s := p.Summary
		if s.Verdict != "compatible" || s.SeedsRun != 2 || s.NativePassed == 0 || s.DetgoPassedAll != s.NativePassed {
			t.Errorf("%s: %s (native %d passed, %d passed every seed, seeds %d/%d passed, %d identical); logs: %s",
				p.Package, s.Verdict, s.NativePassed, s.DetgoPassedAll, s.SeedsPassed, s.SeedsRun, s.SeedsIdentical, p.Native.Log)
		}
	}
	var back Report
	b, err := os.ReadFile(filepath.Join(out, "compat.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil || len(back.Packages) != len(Smoke) || back.Finished == "" {
		t.Fatalf("compat.json: %v (%d packages, finished %q)", err, len(back.Packages), back.Finished)
	}
	md, err := os.ReadFile(filepath.Join(out, "compat.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range Smoke {
		if !strings.Contains(string(md), "\n| "+e.Pattern+" |") {
			t.Errorf("compat.md has no row for %s:\n%s", e.Pattern, md)
		}
	}
	t.Logf("\n%s", md)
}
