package gotest

import (
	"cmp"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	for _, tt := range []struct {
		args       string
		seeds      string // canonical spec; "" if no seed was given
		sched      string
		check      bool
		timeout    time.Duration
		flags      string // go test flags, space-separated
		packages   string
		binaryArgs []string
		testFlags  string // TestFlags(), space-separated
		listFlags  string
		replay     string
	}{
		{
			args: "", packages: ".",
			testFlags: "-tags=detgo -count=1 -timeout=0", listFlags: "-tags=detgo",
		},
		{
			// detgo's own flags in all forms.
			args: "-seed=7 -check -sched fifo ./a", seeds: "7", sched: "fifo", check: true, packages: "./a",
			testFlags: "-tags=detgo -count=1 -timeout=0", listFlags: "-tags=detgo",
		},
		{args: "-seed 7", seeds: "7", packages: "."},
		{args: "--seed=0x10", seeds: "16", packages: "."},
		{args: "--seeds 1-3,9 --check=false", seeds: "1-3,9", packages: "."},
		{args: "-seeds=5,1-3 -check=true -sched=random", seeds: "5,1-3", check: true, sched: "random", packages: "."},
		{
			// Value flags take the next argument, bool flags do not.
			args:  "-run TestX -v ./a ./b/...",
			flags: "-run=TestX -v", packages: "./a ./b/...",
			testFlags: "-tags=detgo -count=1 -timeout=0 -run=TestX -v",
			replay:    "-v",
		},
		{
			// -test.name is the same flag as -name for test flags.
			args:  "-test.run=X -test.v=true --test.count 3",
			flags: "-run=X -v=true -count=3", packages: ".",
			testFlags: "-tags=detgo -timeout=0 -run=X -v=true -count=3",
			replay:    "-v=true -count=3",
		},
		{
			// -count given: no -count=1 is added.
			args:  "-count=5 -short",
			flags: "-count=5 -short", packages: ".",
			testFlags: "-tags=detgo -timeout=0 -count=5 -short",
			replay:    "-count=5 -short",
		},
		{
			// -timeout is the wrapper's, per run; go test gets -timeout=0.
			args: "-timeout 30s -race", timeout: 30 * time.Second,
			flags: "-race", packages: ".",
			testFlags: "-tags=detgo -count=1 -timeout=0 -race",
			listFlags: "-tags=detgo -race",
			replay:    "-timeout=30s -race",
		},
		{
			// Tags merge with detgo's; the last -tags wins, as in go.
			args:  "-tags=old -tags 'a, b detgo' -mod=mod -x",
			flags: "-mod=mod -x", packages: ".",
			testFlags: "-tags=detgo,a,b -count=1 -timeout=0 -mod=mod -x",
			listFlags: "-tags=detgo,a,b -mod=mod",
			replay:    "'-tags=a, b detgo' -mod=mod -x",
		},
		{
			// Replay lines leave out -run and -failfast, and keep what changes
			// the test binary's path: -json, -v, -count and the rest.
			args:  "-run=X -json -v -failfast -count=2 -cpu=1,2 -shuffle=on -parallel 4 pkg",
			flags: "-run=X -json -v -failfast -count=2 -cpu=1,2 -shuffle=on -parallel=4", packages: "pkg",
			replay: "-json -v -count=2 -cpu=1,2 -shuffle=on -parallel=4",
		},
		{
			// Everything after -args is the test binary's, untouched.
			args: "-v ./a -args -seed=3 -v foo", flags: "-v", packages: "./a",
			binaryArgs: []string{"-seed=3", "-v", "foo"}, replay: "-v",
		},
		{args: "--args", packages: ".", binaryArgs: []string{}},
		{
			// As in go test, -- and everything after it go to the test binary.
			args: "./a -- -x", packages: "./a", binaryArgs: []string{"--", "-x"},
		},
		{
			// Packages may come before and after flags.
			args: "./a -v ./b", flags: "-v", packages: "./a ./b", replay: "-v",
		},
		{args: "-C sub -v", flags: "-v", packages: ".", replay: "-v"},
	} {
		t.Run(tt.args, func(t *testing.T) {
			inv, err := ParseArgs(splitArgs(tt.args))
			if err != nil {
				t.Fatal(err)
			}
			if got := inv.Seeds.String(); got != tt.seeds || inv.SeedGiven != (tt.seeds != "") {
				t.Errorf("seeds = %q (given %v), want %q", got, inv.SeedGiven, tt.seeds)
			}
			if want := cmp.Or(tt.sched, DefaultSched); inv.Sched != want {
				t.Errorf("sched = %q, want %q", inv.Sched, want)
			}
			if inv.Check != tt.check {
				t.Errorf("check = %v, want %v", inv.Check, tt.check)
			}
			if want := cmp.Or(tt.timeout, DefaultTimeout); inv.Timeout != want {
				t.Errorf("timeout = %v, want %v", inv.Timeout, want)
			}
			var flags []string
			for _, a := range inv.Flags {
				flags = append(flags, a.String())
			}
			if got := strings.Join(flags, " "); got != tt.flags {
				t.Errorf("flags = %q, want %q", got, tt.flags)
			}
			if got := strings.Join(inv.Packages, " "); got != tt.packages {
				t.Errorf("packages = %q, want %q", got, tt.packages)
			}
			if !slices.Equal(inv.BinaryArgs, tt.binaryArgs) || inv.HasArgs != (tt.binaryArgs != nil) {
				t.Errorf("binary args = %q (HasArgs %v), want %q", inv.BinaryArgs, inv.HasArgs, tt.binaryArgs)
			}
			if tt.testFlags != "" {
				if got := strings.Join(inv.TestFlags(), " "); got != tt.testFlags {
					t.Errorf("TestFlags = %q, want %q", got, tt.testFlags)
				}
			}
			if tt.listFlags != "" {
				if got := strings.Join(inv.ListFlags(), " "); got != tt.listFlags {
					t.Errorf("ListFlags = %q, want %q", got, tt.listFlags)
				}
			}
			if got := shellJoin(inv.ReplayFlags()); got != tt.replay && (tt.replay != "" || len(inv.ReplayFlags()) != 0) {
				t.Errorf("ReplayFlags = %s, want %s", got, tt.replay)
			}
		})
	}
}

func TestParseArgsC(t *testing.T) {
	inv, err := ParseArgs([]string{"-C=sub", "./x"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Dir != "sub" || len(inv.Flags) != 0 || len(inv.ReplayFlags()) != 0 {
		t.Fatalf("Dir = %q, Flags = %v, ReplayFlags = %v", inv.Dir, inv.Flags, inv.ReplayFlags())
	}
}

func TestParseArgsErrors(t *testing.T) {
	for _, tt := range []struct{ args, err string }{
		{"-foo", "flag provided but not defined: -foo (see 'go help testflag')"},
		{"--foo=3 ./a", "flag provided but not defined: -foo (see 'go help testflag')"},
		{"-test.race", "flag provided but not defined: -test.race (see 'go help testflag')"},
		{"-test.seed=3", "flag provided but not defined: -test.seed (see 'go help testflag')"},
		{"-run", "flag needs an argument: -run"},
		{"-seed", "flag needs an argument: -seed"},
		{"-v -sched", "flag needs an argument: -sched"},
		{"---v", "bad flag syntax: ---v"},
		{"-=3", "bad flag syntax: -=3"},
		{"-exec=foo", "-exec is not supported: detgo runs the test binary through its own -exec wrapper"},
		{"-overlay x.json", "-overlay is not supported: detgo sets -overlay to the patched runtime's overlay"},
		{"-o x.test", "-o is not supported: detgo runs the test binary itself and keeps it at a stable path"},
		{"-c", `-c is not supported: detgo runs the test binary itself; build with go test -c -overlay="$(detgo toolchain show -overlay)"`},
		{"-seed=1 -seeds=2-3", "-seed and -seeds cannot be used together"},
		{"-seed=-4", `-seed "-4": not an unsigned 64-bit number`},
		{"-seeds=1-x", `-seeds "1-x": "x" is not a number`},
		{"-seeds 9-3", `-seeds "9-3": range end 3 is below its start 9`},
		{"-sched=pct", `-sched "pct": pct needs a parameter, e.g. pct:2`},
		{"-sched=pct:9", `-sched "pct:9": "9" is not a number from 1 to 8`},
		{"-sched=random+alloc=0", `-sched "random+alloc=0": option "alloc=0": want +alloc=N, N > 0 (every N-th allocation is a yield point)`},
		{"-sched=pos+x", `-sched "pos+x": option "x": want +alloc=N, N > 0 (every N-th allocation is a yield point)`},
		{"-sched=delay:2:0", `-sched "delay:2:0": K "0" is not a positive number`},
		{"-sched=bogus", `-sched "bogus": unknown strategy "bogus" (valid: portfolio, random, pct, pos, delay, fifo)`},
		{"-sched fifo:3", `-sched "fifo:3": fifo takes no parameters`},
		{"-check=maybe", `invalid boolean value "maybe" for -check`},
		{"-timeout=soon", `invalid value "soon" for flag -timeout: parse error`},
	} {
		_, err := ParseArgs(splitArgs(tt.args))
		if err == nil || err.Error() != tt.err {
			t.Errorf("ParseArgs(%s) error = %v, want %s", tt.args, err, tt.err)
		}
	}
	for _, h := range []string{"-h", "-help", "--help"} {
		if _, err := ParseArgs([]string{"./a", h}); !errors.Is(err, ErrHelp) {
			t.Errorf("ParseArgs(%s) error = %v, want ErrHelp", h, err)
		}
	}
}

// TestGoFlagsTable checks the flag table against 'go help testflag' and
// 'go help build' of the go command on this machine: every flag they
// document must be known, so no go test flag is refused by detgo.
func TestGoFlagsTable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	seen := 0
	for _, topic := range []string{"testflag", "build"} {
		out, err := exec.Command("go", "help", topic).Output()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(out)) {
			// Flag definitions are indented by exactly one tab: "\t-name value".
			rest, ok := strings.CutPrefix(line, "\t-")
			if !ok || strings.HasPrefix(line, "\t\t") {
				continue
			}
			fields := strings.Fields(rest)
			name := fields[0]
			seen++
			f, ok := goFlags[name]
			if !ok {
				t.Errorf("go help %s documents -%s, which detgo does not know", topic, name)
				continue
			}
			// "-name value" takes a value; "-name" alone is a bool flag.
			if takes := len(fields) > 1; takes != f.value {
				t.Errorf("go help %s: -%s takes a value: %v; the table says %v", topic, name, takes, f.value)
			}
		}
	}
	if seen < 50 {
		t.Errorf("found only %d flags in go help; has its format changed?", seen)
	}
}

// splitArgs splits a command line at spaces, honouring single quotes.
func splitArgs(s string) []string {
	var args []string
	var cur strings.Builder
	in, any := false, false
	for _, c := range s {
		switch {
		case c == '\'':
			in, any = !in, true
		case c == ' ' && !in:
			if any {
				args = append(args, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(c)
			any = true
		}
	}
	if any {
		args = append(args, cur.String())
	}
	return args
}

func TestFullReplayFlags(t *testing.T) {
	inv, err := ParseArgs(splitArgs("-run=X -json -tags=old -v -failfast -C=dir -count=2 -timeout=5s -tags=a pkg -args -z"))
	if err != nil {
		t.Fatal(err)
	}
	// Everything but -C, in order (the last -tags only).
	if got, want := shellJoin(inv.FullReplayFlags()), "-run=X -json -v -failfast -count=2 -timeout=5s -tags=a"; got != want {
		t.Errorf("FullReplayFlags = %s, want %s", got, want)
	}
	if got, want := shellJoin(inv.ReplayFlags()), "-json -v -count=2 -timeout=5s -tags=a"; got != want {
		t.Errorf("ReplayFlags = %s, want %s", got, want)
	}
}
