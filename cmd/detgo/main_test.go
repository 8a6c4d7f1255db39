package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func detgo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"detgo"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "test"}, {"test", "-h"}, {"test", "./x", "--help"}} {
		code, out, _ := detgo(t, args...)
		if code != 0 {
			t.Errorf("detgo %q: exit %d", args, code)
		}
		for _, want := range []string{"usage: detgo test", "-seed N", "-seeds SPEC", "-check", "-sched NAME", "random", "fifo",
			"Every go test flag", "detgo: replay: detgo test -run '^TestDeposits$' -seed=4711 ./bank"} {
			if !strings.Contains(out, want) {
				t.Errorf("detgo %q does not say %q:\n%s", args, want, out)
			}
		}
	}
	code, out, _ := detgo(t)
	if code != 0 || !strings.Contains(out, "test") || !strings.Contains(out, "toolchain") || strings.Contains(out, "exec") {
		t.Errorf("detgo: exit %d, want the command list without the hidden exec:\n%s", code, out)
	}
}

// TestErrors checks that every error is one line on stderr, "detgo: ...",
// with exit status 2.
func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "-frobnicate"}, `^detgo: flag provided but not defined: -frobnicate \(see 'go help testflag'\)$`},
		{[]string{"test", "-seeds=1-x"}, `^detgo: -seeds "1-x": "x" is not a number$`},
		{[]string{"test", "-seed=1", "-seeds=1-3"}, `^detgo: -seed and -seeds cannot be used together$`},
		{[]string{"test", "-sched=bogus"}, `^detgo: -sched "bogus": unknown strategy "bogus" \(valid: portfolio, random, pct, pos, delay, fifo\)$`},
		{[]string{"test", "-exec=x"}, `^detgo: -exec is not supported: `},
		{[]string{"frobnicate"}, "^detgo frobnicate: unknown command\nRun 'detgo help' for usage.$"},
		{[]string{"-frobnicate"}, `^detgo: flag provided but not defined: -frobnicate$`},
		{[]string{"exec"}, `^detgo: exec: no test binary given`},
		{[]string{"toolchain", "frobnicate"}, `^detgo: toolchain frobnicate: unknown command \(want show, build, verify or clean\)$`},
		{[]string{"toolchain", "show", "-frobnicate"}, `^detgo: toolchain show: flag provided but not defined: -frobnicate$`},
		{[]string{"toolchain", "clean", "extra"}, `^detgo: toolchain clean: unexpected argument "extra"$`},
	} {
		code, stdout, stderr := detgo(t, tt.args...)
		if code != 2 {
			t.Errorf("detgo %q: exit %d, want 2", tt.args, code)
		}
		if !regexp.MustCompile(tt.want).MatchString(strings.TrimSuffix(stderr, "\n")) {
			t.Errorf("detgo %q: stderr\n%s\nwant it to match %s", tt.args, stderr, tt.want)
		}
		if stdout != "" {
			t.Errorf("detgo %q: stdout %q, want nothing", tt.args, stdout)
		}
	}
	t.Run("exec without DETGO_RUN", func(t *testing.T) {
		t.Setenv("DETGO_RUN", "")
		code, _, stderr := detgo(t, "exec", "x.test")
		if code != 2 || stderr != "detgo: exec: $DETGO_RUN is not set (detgo exec is run by detgo test through go test -exec)\n" {
			t.Errorf("detgo exec x.test: exit %d, stderr %q", code, stderr)
		}
	})
}

func TestToolchainShow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	cache := t.TempDir()
	t.Setenv("DETGO_CACHE", cache)
	code, out, stderr := detgo(t, "toolchain", "show")
	if code != 0 {
		t.Fatalf("detgo toolchain show: exit %d\n%s", code, stderr)
	}
	for _, re := range []string{`(?m)^GOROOT: +/`, `(?m)^version: +go1\.`, `(?m)^patches: +go1\.\d+ \(supported: `,
		`(?m)^cache: +` + regexp.QuoteMeta(cache) + `$`, `(?m)^overlay: +` + regexp.QuoteMeta(cache) + `/.*/overlay\.json$`,
		`(?m)^rendered: +yes \(just now\)$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("detgo toolchain show: no line matching %s:\n%s", re, out)
		}
	}
	_, out, _ = detgo(t, "toolchain", "show")
	if !regexp.MustCompile(`(?m)^rendered: +yes$`).MatchString(out) {
		t.Errorf("second detgo toolchain show:\n%s", out)
	}
	code, overlay, _ := detgo(t, "toolchain", "show", "-overlay")
	if code != 0 || !regexp.MustCompile(`^`+regexp.QuoteMeta(cache)+`/\S+/overlay\.json\n$`).MatchString(overlay) {
		t.Errorf("detgo toolchain show -overlay: exit %d, %q", code, overlay)
	}
	if code, _, stderr := detgo(t, "toolchain", "clean"); code != 0 {
		t.Errorf("detgo toolchain clean: exit %d: %s", code, stderr)
	}
}
