package gotest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReplayArgs(t *testing.T) {
	dir := t.TempDir()
	tape := filepath.Join(dir, "seed-7.tape")
	os.WriteFile(tape, []byte("detgo-tape 1 seed=7 sched=pct:3\n\x02\x00"), 0o644)
	bad := filepath.Join(dir, "bad.tape")
	os.WriteFile(bad, []byte("hello\n"), 0o644)

	args, got, err := ReplayArgs([]string{"-tape=" + tape, "-v", "./pkg", "-args", "-tape=x"})
	if err != nil || got != tape {
		t.Fatalf("ReplayArgs = %q, %q, %v", args, got, err)
	}
	if want := []string{"-seed=7", "-sched=pct:3", "-v", "./pkg", "-args", "-tape=x"}; !slices.Equal(args, want) {
		t.Errorf("args = %q, want %q", args, want)
	}
	if args, got, err := ReplayArgs([]string{"-tape", tape}); err != nil || got != tape || args[0] != "-seed=7" {
		t.Errorf("ReplayArgs(-tape FILE) = %q, %q, %v", args, got, err)
	}
	// Without -tape, detgo replay is detgo test.
	if args, got, err := ReplayArgs([]string{"-seed=3", "."}); err != nil || got != "" || !slices.Equal(args, []string{"-seed=3", "."}) {
		t.Errorf("ReplayArgs(-seed=3 .) = %q, %q, %v", args, got, err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-tape=" + tape, "-seed=3"}, "-seed: the tape names the seed and strategy; leave -seed out"},
		{[]string{"-sched=fifo", "-tape=" + tape}, "-sched: the tape names"},
		{[]string{"-tape"}, "flag needs an argument: -tape"},
		{[]string{"-tape=" + bad}, "is not a detgo tape"},
		{[]string{"-tape=" + filepath.Join(dir, "missing")}, "no such file"},
	} {
		if _, _, err := ReplayArgs(tt.args); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReplayArgs(%q) error = %v, want it to contain %q", tt.args, err, tt.want)
		}
	}
}
