package gotest

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestCompareRuns(t *testing.T) {
	report := func(hash uint64, steps uint64, cps ...uint64) Report {
		r := Report{Seed: 7, Hash: hash, Steps: steps}
		for i := 0; i < len(cps); i += 2 {
			r.Checkpoints = append(r.Checkpoints, Checkpoint{cps[i], cps[i+1]})
		}
		return r
	}
	out := "=== RUN   TestA\nstep one\n--- PASS: TestA (0.00s)\nPASS\n"
	same := Run{Output: []byte(out), Report: report(0xabc, 3000, 1024, 1, 2048, 2)}
	for _, tt := range []struct {
		name string
		a, b Run
		want []string
	}{
		{"same", same, same, nil},
		{
			"everything differs",
			same,
			Run{ExitCode: 1, Output: []byte(strings.Replace(out, "--- PASS", "--- FAIL", 1)),
				Report: report(0xdef, 3000, 1024, 1, 2048, 3)},
			[]string{
				"trace hash 0x0000000000000abc vs 0x0000000000000def, exit code 0 vs 1, output differs at line 3",
				"diverged between step 1024 and step 2048",
				`output line 3, run 1: "--- PASS: TestA (0.00s)"`,
				`output line 3, run 2: "--- FAIL: TestA (0.00s)"`,
			},
		},
		{
			"first window",
			same,
			Run{Output: same.Output, Report: report(0xdef, 3000, 1024, 9, 2048, 2)},
			[]string{"trace hash 0x0000000000000abc vs 0x0000000000000def", "diverged between step 0 and step 1024"},
		},
		{
			"after the last checkpoint",
			same,
			Run{Output: same.Output, Report: report(0xdef, 3000, 1024, 1, 2048, 2)},
			[]string{"trace hash 0x0000000000000abc vs 0x0000000000000def", "diverged between step 2048 and the end at step 3000"},
		},
		{
			"different lengths",
			same,
			Run{Output: same.Output, Report: report(0xdef, 5000, 1024, 1, 2048, 2, 3072, 5, 4096, 6)},
			[]string{"trace hash 0x0000000000000abc vs 0x0000000000000def", "diverged after step 2048 (the runs took 3000 and 5000 steps)"},
		},
		{
			"outside inputs",
			same,
			Run{Output: same.Output, Report: Report{Seed: 7, Hash: 0xdef, Steps: 3000, Nondet: 2,
				Checkpoints: []Checkpoint{{1024, 1}, {2048, 2}}}},
			[]string{"trace hash 0x0000000000000abc vs 0x0000000000000def",
				"diverged between step 2048 and the end at step 3000",
				"the runs made 0 and 2 switches at points chosen by real time (nondet: the watchdog stopped a goroutine that reached no yield point), so they are not reproducible by construction"},
		},
		{
			"output only, extra line",
			same,
			Run{Output: []byte(out + "extra\n"), Report: same.Report},
			[]string{"output differs at line 5", `output line 5, run 1: (end of output)`, `output line 5, run 2: "extra"`},
		},
		{
			"output only, missing newline",
			same,
			Run{Output: []byte(strings.TrimSuffix(out, "\n")), Report: same.Report},
			[]string{"output differs at line 4", `output line 4, run 1: "PASS"`, `output line 4, run 2: "PASS" (no newline at end)`},
		},
		{
			"long line",
			Run{Output: []byte(strings.Repeat("x", 200) + "a\n"), Report: same.Report},
			Run{Output: []byte(strings.Repeat("x", 200) + "b\n"), Report: same.Report},
			[]string{"output differs at line 1",
				`output line 1, run 1: "` + strings.Repeat("x", 120) + `"...`,
				`output line 1, run 2: "` + strings.Repeat("x", 120) + `"...`},
		},
		{
			// A missing report is reported on its own; the hash is not compared.
			"no report",
			same,
			Run{Output: same.Output, ReportErr: fs.ErrNotExist},
			nil,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CompareRuns(tt.a, tt.b); !slices.Equal(got, tt.want) {
				t.Errorf("CompareRuns =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
