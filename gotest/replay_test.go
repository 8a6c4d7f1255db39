package gotest

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFailingTests(t *testing.T) {
	for _, tt := range []struct {
		name, out string
		want      []string
	}{
		{"none", "PASS\nok\n", nil},
		{"plain", `=== RUN   TestA
--- PASS: TestA (0.00s)
=== RUN   TestB
    b_test.go:4: boom
--- FAIL: TestB (0.00s)
    --- FAIL: TestC/sub (0.00s)
--- FAIL: TestD (1.50s)
    --- FAIL: TestD/x (0.00s)
--- FAIL: TestB (0.00s)
FAIL
`, []string{"TestB", "TestD"}},
		// With -json, go test runs the binary with -test.v=test2json, which
		// frames its lines with ^V, and subtests are not indented.
		{"test2json", "\x16=== RUN   TestFail\n\x16=== RUN   TestFail/x\n    a_test.go:4: boom\n\x16--- FAIL: TestFail/x (0.00s)\n\x16=== NAME  TestFail\n\x16--- FAIL: TestFail (0.00s)\n\x16FAIL\n", []string{"TestFail"}},
		{"crlf", "--- FAIL: TestWin (0.00s)\r\n", []string{"TestWin"}},
		{"not at column 0", "  --- FAIL: TestA (0.00s)\nlog: --- FAIL: TestB (0.00s)\n", nil},
		{"timeout", `panic: test timed out after 1s
	running tests:
		TestSleep (1s)
		TestSleep/sub (1s)
		TestOther (0s)

goroutine 5 [running]:
testing.(*M).startAlarm.func1()
		/usr/local/go/src/testing/testing.go:2802 +0x354
`, []string{"TestSleep", "TestOther"}},
		{"no newline at end", "--- FAIL: TestLast (0.00s)", []string{"TestLast"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := FailingTests([]byte(tt.out)); !slices.Equal(got, tt.want) {
				t.Errorf("FailingTests = %q, want %q", got, tt.want)
			}
			// The same, written a byte at a time, as a pipe may deliver it.
			var s failScanner
			for i := range len(tt.out) {
				s.Write([]byte{tt.out[i]})
			}
			if got := s.Names(); !slices.Equal(got, tt.want) {
				t.Errorf("FailingTests, byte by byte = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReplayString(t *testing.T) {
	for _, tt := range []struct {
		r    Replay
		want string
	}{
		{Replay{Tests: []string{"TestDeposits"}, Seed: 4711, Sched: "portfolio", Package: "./bank"},
			`detgo test -run '^TestDeposits$' -seed=4711 ./bank`},
		{Replay{Tests: []string{"TestA", "TestB"}, Seed: 7, Sched: "fifo", Package: "."},
			`detgo test -run '^(TestA|TestB)$' -seed=7 -sched=fifo .`},
		{Replay{Seed: 18446744073709551615, Package: "example.com/x/y"},
			`detgo test -seed=18446744073709551615 example.com/x/y`},
		{Replay{Tests: []string{"TestX"}, Seed: 1, Package: "./a b",
			Flags:      []string{"-tags=a b", "-race", "-ldflags=-X main.v=it's"},
			BinaryArgs: []string{"-name", "$HOME", ""}},
			`detgo test -run '^TestX$' -seed=1 '-tags=a b' -race '-ldflags=-X main.v=it'\''s' './a b' -args -name '$HOME' ''`},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("Replay%+v =\n%s\nwant\n%s", tt.r, got, tt.want)
		}
	}
}

// TestShellQuote runs quoted words through a real shell and checks that
// each comes back as it was.
func TestShellQuote(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	words := []string{"plain", "", " ", "a b", "it's", `"dq"`, "$HOME", "`id`", "*", "~", "~user", "=x", "-x=~",
		"a\nb", "\\", "^(TestA|TestB)$", "!", "#c", "%1", "{a,b}", "[ab]", ";", "&", "x>y", "tab\there", "ünï"}
	out, err := exec.Command(sh, "-c", "set -- "+shellJoin(words)+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Equal(got, words) {
		t.Fatalf("through sh:\n%q\nwant\n%q", got, words)
	}
	for _, w := range []string{"plain", "-seed=7", "./a/b", "example.com/x", "-cpu=1,2", "a:b@c+d"} {
		if q := shellQuote(w); q != w {
			t.Errorf("shellQuote(%q) = %s, want it bare", w, q)
		}
	}
}

func TestPackageArg(t *testing.T) {
	root := filepath.FromSlash("/home/u/proj")
	for _, tt := range []struct{ dir, cwd, path, want string }{
		{root, root, "ex.com/proj", "."},
		{filepath.Join(root, "bank"), root, "ex.com/proj/bank", "./bank"},
		{filepath.Join(root, "a", "b"), root, "ex.com/proj/a/b", "./a/b"},
		{root, filepath.Join(root, "a"), "ex.com/proj", "ex.com/proj"},
		{filepath.FromSlash("/usr/local/go/src/sync"), root, "sync", "sync"},
		{filepath.Join(root, "..x"), root, "ex.com/..x", "./..x"},
		{filepath.FromSlash("/elsewhere"), root, "", filepath.FromSlash("/elsewhere")},
	} {
		if got := PackageArg(tt.dir, tt.cwd, tt.path); got != tt.want {
			t.Errorf("PackageArg(%q, %q, %q) = %q, want %q", tt.dir, tt.cwd, tt.path, got, tt.want)
		}
	}
}

func TestTapeStatus(t *testing.T) {
	for _, tt := range []struct {
		r    Report
		want string
	}{
		{Report{TapeReplayed: 149}, "detgo: tape: followed to the end (149 decisions)"},
		{Report{TapeReplayed: 40, TapeDiverged: 41, TapeExpected: "a pick among tape_expected_n goroutines (the run has another number)", TapeExpectedN: 3},
			"detgo: tape: the run left the tape at decision 41, where the tape has a pick among 3 goroutines (the run has another number); 40 decisions came from the tape, the rest from the seed"},
	} {
		if got := tapeStatus(tt.r); got != tt.want {
			t.Errorf("tapeStatus(%+v) =\n%s\nwant\n%s", tt.r, got, tt.want)
		}
	}
}
