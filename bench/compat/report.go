package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Report is compat.json.
type Report struct {
	Corpus       string      `json:"corpus"`
	Seeds        []uint64    `json:"seeds"`
	Started      string      `json:"started"`
	Finished     string      `json:"finished,omitempty"`
	Machine      string      `json:"machine"`
	GoVersion    string      `json:"go_version"`
	Detgo        string      `json:"detgo_revision"`
	LoopbackOnly bool        `json:"loopback_only_netns"`
	Packages     []PkgResult `json:"packages"`
}

// Run is one command's outcome.
type Run struct {
	Outcome
	Exit int     `json:"exit"`
	Wall float64 `json:"wall_seconds"` // the whole command: build (warm cache), run(s), replay check
	Log  string  `json:"log"`
	Note string  `json:"note,omitempty"`
}

// SeedRun is one seed under detgo test -check.
type SeedRun struct {
	Seed uint64 `json:"seed"`
	Run
}

// PkgResult is one package.
type PkgResult struct {
	Package    string    `json:"package"`
	Module     string    `json:"module,omitempty"`
	Flags      []string  `json:"flags,omitempty"`
	Note       string    `json:"note,omitempty"`
	RunTimeout string    `json:"run_timeout"`
	Native     Run       `json:"native"`
	Detgo      []SeedRun `json:"detgo"`
	Summary    Summary   `json:"summary"`
}

// Summary is a package's row of the table.
type Summary struct {
	NativePassed  int `json:"native_passed"`
	NativeFailed  int `json:"native_failed"`
	NativeSkipped int `json:"native_skipped"`
	// SeedsPassed counts seeds whose run passed as a whole; SeedsIdentical
	// those whose two runs were the same (-check).
	SeedsPassed    int `json:"seeds_passed"`
	SeedsIdentical int `json:"seeds_identical"`
	SeedsRun       int `json:"seeds_run"`
	// DetgoPassedAll counts the tests that passed natively and under every seed.
	DetgoPassedAll int `json:"detgo_passed_all_seeds"`
	// NativeSeconds is go test's own time for the test binary (build
	// excluded); DetgoSecondsPerRun is detgo's, halved (-check runs each
	// seed twice), median over seeds.
	NativeSeconds      float64 `json:"native_seconds"`
	DetgoSecondsPerRun float64 `json:"detgo_seconds_per_run"`
	Ratio              float64 `json:"ratio"`
	// Failures are tests that passed natively and did not pass under detgo,
	// with the seeds where that happened.
	Failures []Failure `json:"failures,omitempty"`
	Verdict  string    `json:"verdict"`
}

// A Failure is one test that passed natively but not under detgo.
type Failure struct {
	Test  string   `json:"test"`
	Seeds []uint64 `json:"seeds"`
	How   string   `json:"how"` // fail, incomplete (crash or timeout), missing (never ran), differ
	Cause string   `json:"cause,omitempty"`
}

func (pr *PkgResult) summarize() {
	pr.Summary = Summary{}
	s := &pr.Summary
	s.NativePassed, s.NativeFailed, s.NativeSkipped = len(pr.Native.Passed), len(pr.Native.Failed), len(pr.Native.Skipped)
	s.NativeSeconds = pr.Native.PkgSeconds
	if s.NativeSeconds == 0 {
		s.NativeSeconds = pr.Native.Wall
	}
	var per []float64
	fails := map[string]*Failure{}
	passedAll := map[string]int{}
	for _, sr := range pr.Detgo {
		if sr.Status == "not-run" {
			continue
		}
		s.SeedsRun++
		if sr.Status == "ok" {
			s.SeedsPassed++
		}
		if !sr.Differ && sr.Status != "timeout" {
			s.SeedsIdentical++
		}
		if sr.PkgSeconds > 0 && sr.Status != "timeout" {
			per = append(per, sr.PkgSeconds/2)
		}
		passed := map[string]bool{}
		for _, t := range sr.Passed {
			passed[t] = true
		}
		for _, t := range sr.Skipped {
			passed[t] = true // skipped both ways, or skipped under detgo by the test's own choice
		}
		for _, t := range pr.Native.Passed {
			if passed[t] {
				passedAll[t]++
				continue
			}
			how := "missing"
			switch {
			case slices.Contains(sr.Failed, t):
				how = "fail"
			case t == sr.Last:
				how = "incomplete"
				if sr.Status == "timeout" {
					how = "timeout"
				}
			}
			f := fails[t]
			if f == nil {
				f = &Failure{Test: t, How: how}
				fails[t] = f
			}
			f.Seeds = append(f.Seeds, sr.Seed)
		}
	}
	for _, n := range passedAll {
		if n == s.SeedsRun {
			s.DetgoPassedAll++
		}
	}
	if len(per) > 0 {
		sort.Float64s(per)
		s.DetgoSecondsPerRun = per[len(per)/2]
		if s.NativeSeconds > 0 {
			s.Ratio = s.DetgoSecondsPerRun / s.NativeSeconds
		}
	}
	s.Failures = nil
	for _, f := range fails {
		f.Cause = knownCause(pr.Package, f.Test)
		s.Failures = append(s.Failures, *f)
	}
	sort.Slice(s.Failures, func(i, j int) bool { return s.Failures[i].Test < s.Failures[j].Test })
	switch {
	case pr.Native.Status != "ok" && len(pr.Native.Passed) == 0:
		s.Verdict = "native " + pr.Native.Status
	case s.SeedsRun == 0:
		s.Verdict = "not run"
	case s.SeedsPassed == s.SeedsRun && s.SeedsIdentical == s.SeedsRun:
		s.Verdict = "compatible"
	case s.SeedsPassed == s.SeedsRun:
		s.Verdict = "passes, not reproducible"
	default:
		s.Verdict = "incompatible"
		for _, sr := range pr.Detgo {
			if sr.Status == "timeout" {
				s.Verdict = "incompatible (timeout)"
			}
		}
	}
	if pr.Native.Status != "ok" && len(pr.Native.Passed) > 0 {
		// Compared on the tests that passed natively: the verdict is about those.
		s.Verdict += fmt.Sprintf(" (native run: %s, %d failed)", pr.Native.Status, len(pr.Native.Failed))
		if len(s.Failures) == 0 && s.SeedsIdentical == s.SeedsRun {
			s.Verdict = fmt.Sprintf("compatible (native run: %s, %d failed)", pr.Native.Status, len(pr.Native.Failed))
		}
	}
}

// Write writes compat.json and compat.md into dir.
func (r *Report) Write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "compat.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "compat.md"), []byte(r.Markdown()), 0o644)
}

// Markdown renders the table and the list of failures.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Corpus `%s`, seeds %s, detgo %s, %s, %s; tests run in a loopback-only network namespace: %v.\n\n",
		r.Corpus, seedSpan(r.Seeds), r.Detgo, r.GoVersion, r.Machine, r.LoopbackOnly)
	b.WriteString("| package | flags | native pass/fail/skip | native s | detgo seeds passed | identical (-check) | tests passing every seed | detgo s/run | ratio | verdict |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	var tot Summary
	for _, p := range r.Packages {
		s := p.Summary
		name := p.Package
		if p.Module != "" {
			_, ver, _ := strings.Cut(p.Module, "@")
			name += " @" + ver
		}
		fmt.Fprintf(&b, "| %s | %s | %d/%d/%d | %.2f | %d/%d | %d/%d | %d/%d | %s | %s | %s |\n",
			name, strings.Join(p.Flags, " "), s.NativePassed, s.NativeFailed, s.NativeSkipped, s.NativeSeconds,
			s.SeedsPassed, s.SeedsRun, s.SeedsIdentical, s.SeedsRun, s.DetgoPassedAll, s.NativePassed,
			secs(s.DetgoSecondsPerRun), ratio(s.Ratio), s.Verdict)
		tot.NativePassed += s.NativePassed
		tot.DetgoPassedAll += s.DetgoPassedAll
		tot.SeedsPassed += s.SeedsPassed
		tot.SeedsRun += s.SeedsRun
		tot.SeedsIdentical += s.SeedsIdentical
	}
	compatible := 0
	for _, p := range r.Packages {
		if p.Summary.Verdict == "compatible" {
			compatible++
		}
	}
	fmt.Fprintf(&b, "\n**Totals:** %d packages, %d compatible (every seed passed and was identical); package-seeds passed %d/%d, identical %d/%d; top-level tests passing natively %d, of which passing under every seed %d.\n",
		len(r.Packages), compatible, tot.SeedsPassed, tot.SeedsRun, tot.SeedsIdentical, tot.SeedsRun, tot.NativePassed, tot.DetgoPassedAll)

	var fails []string
	for _, p := range r.Packages {
		// Tests that never ran (a test before them hung or crashed the
		// binary) are one line per package: their cause is that test.
		var missing []string
		var missingSeeds []uint64
		for _, f := range p.Summary.Failures {
			if f.How == "missing" && f.Cause == "" {
				missing = append(missing, f.Test)
				for _, s := range f.Seeds {
					if !slices.Contains(missingSeeds, s) {
						missingSeeds = append(missingSeeds, s)
					}
				}
			}
		}
		if len(missing) > 0 {
			slices.Sort(missingSeeds)
			var stoppers []string
			for _, sr := range p.Detgo {
				if slices.Contains(missingSeeds, sr.Seed) {
					if sr.Last != "" && !slices.Contains(stoppers, sr.Last) {
						stoppers = append(stoppers, sr.Last)
					}
				}
			}
			fails = append(fails, fmt.Sprintf("| %s | %d other tests | missing | %s | never finished: the binary was stopped in %s |",
				p.Package, len(missing), seedSpan(missingSeeds), strings.Join(stoppers, ", ")))
		}
		for _, f := range p.Summary.Failures {
			if f.How == "missing" && f.Cause == "" {
				continue
			}
			cause := f.Cause
			if cause == "" {
				cause = "UNDIAGNOSED"
			}
			fails = append(fails, fmt.Sprintf("| %s | %s | %s | %s | %s |", p.Package, f.Test, f.How, seedSpan(f.Seeds), cause))
		}
		// Runs that differed under -check without a test that hung there.
		var differ []uint64
		for _, sr := range p.Detgo {
			if sr.Differ && sr.Status != "timeout" {
				differ = append(differ, sr.Seed)
			}
		}
		if len(differ) > 0 {
			fails = append(fails, fmt.Sprintf("| %s | (whole run) | differ | %s | %s |", p.Package, seedSpan(differ), orUndiagnosed(knownCause(p.Package, "-check"))))
		}
	}
	if len(fails) > 0 {
		b.WriteString("\nTests that pass natively and not under detgo (how: fail = reported FAIL, differ = the two runs of a seed differed (-check), incomplete = running when the binary died, timeout = running when the real-time limit hit, missing = not run or not finished because the binary was stopped in another test):\n\n")
		b.WriteString("| package | test | how | seeds | cause |\n|---|---|---|---|---|\n")
		b.WriteString(strings.Join(fails, "\n") + "\n")
	}
	return b.String()
}

func orUndiagnosed(s string) string {
	if s == "" {
		return "UNDIAGNOSED"
	}
	return s
}

func secs(f float64) string {
	if f == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", f)
}

func ratio(f float64) string {
	if f == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", f)
}

// seedSpan prints 1,2,3,5 as 1-3,5.
func seedSpan(s []uint64) string {
	var parts []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", s[i], s[j]))
		} else {
			parts = append(parts, fmt.Sprint(s[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
