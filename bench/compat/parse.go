package main

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Outcome is what one `go test -v` or `detgo test -v` run of one package
// printed, reduced to top-level tests and verdicts.
type Outcome struct {
	Status     string   `json:"status"` // ok, fail, timeout, build-failed, no-tests, error
	PkgSeconds float64  `json:"pkg_seconds"`
	Passed     []string `json:"passed"`
	Failed     []string `json:"failed,omitempty"`
	Skipped    []string `json:"skipped,omitempty"`
	// Incomplete are tests that started but never reported: the binary
	// panicked, was killed or timed out while they ran.
	Incomplete []string `json:"incomplete,omitempty"`
	Panic      string   `json:"panic,omitempty"` // the first panic line, if any
	// Last is the incomplete top-level test named last by a === RUN, CONT
	// or NAME line: the one most likely running when the binary stopped
	// (the others had paused, as parallel tests do, or were waiting on it).
	Last string `json:"last,omitempty"`

	// detgo only
	Differ       bool   `json:"differ,omitempty"` // -check: the two runs of the seed differed
	DifferDetail string `json:"differ_detail,omitempty"`
	Nondet       bool   `json:"nondet,omitempty"`        // the difference came from watchdog (real-time) switches
	DetgoTimeout bool   `json:"detgo_timeout,omitempty"` // detgo's real-time -timeout stopped the binary
	NoReport     bool   `json:"no_report,omitempty"`     // detgo found no runtime report
	Replay       string `json:"replay,omitempty"`
}

var (
	resultLine = regexp.MustCompile(`^--- (PASS|FAIL|SKIP): (\S+) \(`)
	runLine    = regexp.MustCompile(`^=== RUN\s+(\S+)$`)
	contLine   = regexp.MustCompile(`^=== (?:RUN|CONT|NAME)\s+(\S+)$`)
	pkgLine    = regexp.MustCompile(`^(ok|FAIL)\s+(\S+)\s+([0-9.]+)s`)
	buildFail  = regexp.MustCompile(`^FAIL\s+\S+\s+\[(build failed|setup failed)\]`)
	noTests    = regexp.MustCompile(`^(ok|\?)\s+\S+\s+.*\[no test files\]`)
)

// Parse reads the combined output of one go test -v (or detgo test -v)
// invocation for one package.
func Parse(out []byte) Outcome {
	var o Outcome
	started := map[string]bool{}
	var order []string
	done := map[string]bool{}
	var last string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "\x16")
		if m := contLine.FindStringSubmatch(line); m != nil {
			top, _, _ := strings.Cut(m[1], "/")
			last = top
		}
		if m := runLine.FindStringSubmatch(line); m != nil && !strings.Contains(m[1], "/") {
			if !started[m[1]] {
				started[m[1]] = true
				order = append(order, m[1])
			}
			continue
		}
		if m := resultLine.FindStringSubmatch(line); m != nil {
			name := m[2]
			done[name] = true
			switch m[1] {
			case "PASS":
				o.Passed = append(o.Passed, name)
			case "FAIL":
				o.Failed = append(o.Failed, name)
			case "SKIP":
				o.Skipped = append(o.Skipped, name)
			}
			continue
		}
		switch {
		case strings.HasPrefix(line, "panic: ") && o.Panic == "":
			o.Panic = line
		case strings.HasPrefix(line, "detgo: -check: "):
			o.Differ = true
			if o.DifferDetail == "" {
				o.DifferDetail = strings.TrimPrefix(line, "detgo: -check: ")
			}
		case strings.Contains(line, "not reproducible by construction") || strings.Contains(line, "switches at points chosen by real time"):
			o.Nondet = true
		case strings.HasPrefix(line, "detgo: test binary still running after -timeout"):
			o.DetgoTimeout = true
		case strings.HasPrefix(line, "detgo: no report at") || strings.HasPrefix(line, "detgo: the test binary did not run on the detgo runtime"):
			o.NoReport = true
		case strings.HasPrefix(line, "detgo: replay: "):
			o.Replay = strings.TrimPrefix(line, "detgo: replay: ")
		case buildFail.MatchString(line):
			o.Status = "build-failed"
		case noTests.MatchString(line):
			o.Status = "no-tests"
		}
		if m := pkgLine.FindStringSubmatch(line); m != nil {
			o.PkgSeconds, _ = strconv.ParseFloat(m[3], 64)
			if o.Status == "" {
				o.Status = map[string]string{"ok": "ok", "FAIL": "fail"}[m[1]]
			}
		}
	}
	for _, name := range order {
		if !done[name] {
			o.Incomplete = append(o.Incomplete, name)
			if name == last {
				o.Last = last
			}
		}
	}
	if o.Last == "" && len(o.Incomplete) > 0 {
		o.Last = o.Incomplete[len(o.Incomplete)-1]
	}
	// Subtests never reach the lists (they are indented); top-level names
	// are unique within one run.
	for _, l := range []*[]string{&o.Passed, &o.Failed, &o.Skipped} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	if o.Status == "ok" && (len(o.Failed) > 0 || o.Differ) {
		o.Status = "fail"
	}
	if o.Status == "" {
		o.Status = "error"
	}
	return o
}
