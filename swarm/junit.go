package swarm

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// JUnit XML in the common schema (testsuites > testsuite > testcase >
// failure) that CI systems read: one test suite per package, with a passing
// summary test case ("swarm: N seeds") and one failing test case per failure
// group, named after the test and the signature.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(ns int64) string { return fmt.Sprintf("%.3f", float64(ns)/1e9) }

// JUnit renders the summary of the records as JUnit XML.
func JUnit(summary *Summary, h *Header) ([]byte, error) {
	realNS := summary.RealNS
	var pkgs []string
	for p := range summary.Packages {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	groups := summary.Groups()
	doc := junitSuites{Name: "detgo swarm"}
	var totalNS int64
	for _, p := range pkgs {
		suite := junitSuite{Name: p, Time: seconds(realNS[p])}
		suite.Properties = []junitProperty{{"sched", h.Sched}, {"config", h.Config}, {"runs", fmt.Sprint(summary.Packages[p])}}
		failed := 0
		var cases []junitCase
		for _, g := range groups {
			r := g.First
			if r.Package != p {
				continue
			}
			failed += g.Count
			name := r.Test
			if name == "" {
				name = "(no test named)"
			}
			var text strings.Builder
			fmt.Fprintf(&text, "%s in %d of %d seeds; smallest seed=%d sched=%s\n%s\n", r.Outcome, g.Count, summary.Packages[p], r.Seed, r.Strategy, r.Message)
			if len(r.Frames) > 0 {
				fmt.Fprintf(&text, "at %s\n", strings.Join(r.Frames, " < "))
			}
			var seeds []string
			for _, s := range g.Seeds {
				seeds = append(seeds, fmt.Sprint(s))
			}
			fmt.Fprintf(&text, "seeds: %s\nreplay: %s\n", strings.Join(seeds, ","), g.Replay)
			cases = append(cases, junitCase{
				Name:      fmt.Sprintf("%s [%s]", name, g.Signature),
				Classname: p,
				Time:      seconds(r.RealNS),
				Failure: &junitFailure{
					Message: fmt.Sprintf("%d seeds, smallest %d: %s", g.Count, r.Seed, r.Message),
					Type:    r.Outcome,
					Text:    text.String(),
				},
			})
		}
		summaryCase := junitCase{
			Name:      fmt.Sprintf("swarm: %d seeds", summary.Packages[p]),
			Classname: p,
			Time:      seconds(realNS[p]),
			SystemOut: fmt.Sprintf("%d runs, %d passed, %d failed, in %d failure groups\n", summary.Packages[p], summary.Packages[p]-failed, failed, len(cases)),
		}
		suite.Cases = append([]junitCase{summaryCase}, cases...)
		suite.Tests = len(suite.Cases)
		suite.Failures = len(cases)
		doc.Suites = append(doc.Suites, suite)
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		totalNS += realNS[p]
	}
	doc.Time = seconds(totalNS)
	out, err := xml.MarshalIndent(doc, "", "\t")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// writeJUnit writes the JUnit XML of a summary to path.
func writeJUnit(path string, summary *Summary, h *Header) error {
	data, err := JUnit(summary, h)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		os.MkdirAll(dir, 0o755)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
