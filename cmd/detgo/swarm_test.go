package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestSwarmHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "swarm"}, {"swarm", "-h"}, {"swarm", "./x", "--help"}, {"swarm", "merge", "-h"}} {
		code, out, _ := detgo(t, args...)
		if code != 0 {
			t.Errorf("detgo %q: exit %d", args, code)
		}
		for _, want := range []string{"usage: detgo swarm", "detgo swarm merge", "-workers N", "-duration D", "-shard k/n",
			"-failfast", "-max-failures N", "-results FILE", "-junit FILE", "-timeout D", "resume", "Exit status"} {
			if !strings.Contains(out, want) {
				t.Errorf("detgo %q does not say %q:\n%s", args, want, out)
			}
		}
	}
	if _, out, _ := detgo(t); !strings.Contains(out, "swarm") {
		t.Errorf("detgo: the command list has no swarm:\n%s", out)
	}
}

func TestSwarmErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"swarm", "-shard=0/3"}, `^detgo: -shard "0/3": want k/n with 1 <= k <= n, e.g. -shard 3/8$`},
		{[]string{"swarm", "-duration", "1x"}, `^detgo: -duration "1x": want a positive duration`},
		{[]string{"swarm", "-workers=many"}, `^detgo: -workers "many": want a number from 1 to 999$`},
		{[]string{"swarm", "-frobnicate"}, `^detgo: flag provided but not defined: -frobnicate`},
		{[]string{"swarm", "-coverprofile=c.out"}, `^detgo: -coverprofile is not supported by detgo swarm: every run would write the same profile$`},
		{[]string{"swarm", "merge"}, `^detgo: swarm merge: no results files given`},
	} {
		code, stdout, stderr := detgo(t, tt.args...)
		if code != 2 || stdout != "" {
			t.Errorf("detgo %q: exit %d, stdout %q; want 2 and nothing", tt.args, code, stdout)
		}
		if !regexp.MustCompile(tt.want).MatchString(strings.TrimSuffix(stderr, "\n")) {
			t.Errorf("detgo %q: stderr\n%s\nwant it to match %s", tt.args, stderr, tt.want)
		}
	}
}
