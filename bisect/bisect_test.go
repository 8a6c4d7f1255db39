package bisect

import (
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	cfg, err := ParseArgs([]string{"-seed=7", "-sched=pct:3", "-o", "min.tape", "-workers=1", "-run", "TestX", "./pkg"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Out != "min.tape" || cfg.Workers != 1 || cfg.Tape != "" {
		t.Errorf("ParseArgs: %+v", cfg)
	}
	if inv := cfg.Inv; inv.Seeds.Len() != 1 || inv.Sched != "pct:3" || len(inv.Packages) != 1 || inv.Packages[0] != "./pkg" {
		t.Errorf("ParseArgs: invocation %+v", inv)
	}
	if cfg, err := ParseArgs([]string{"-seed=1"}); err != nil || cfg.Workers != 2 {
		t.Errorf("ParseArgs(-seed=1) = %+v, %v; want 2 workers", cfg, err)
	}
}

func TestParseArgsRejects(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"."}, "needs the failing run: give -seed=N or -tape=FILE"},
		{[]string{"-seeds=1-3", "."}, "-seeds 1-3: bisect shrinks one failing run"},
		{[]string{"-seed=1", "-check", "."}, "-check: not for bisect"},
		{[]string{"-seed=1", "./a", "./b"}, "takes one package, not 2"},
		{[]string{"-seed=1", "-workers=0"}, `-workers "0"`},
		{[]string{"-seed=1", "-o"}, "flag needs an argument: -o"},
		{[]string{"-tape=/nonexistent/x.tape"}, "-tape=/nonexistent/x.tape: no such file or directory"},
		{[]string{"-seed=x"}, `-seed "x"`},
	} {
		_, err := ParseArgs(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseArgs(%q) = %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}
