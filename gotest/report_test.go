package gotest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseReport(t *testing.T) {
	data := `seed 7
sched random
hash 0x1f2e3d4c5b6a7988
steps 12345
yields 678
jumps 9
vnow 3000000000
nondet 0
checkpoint 1024 0x0123456789abcdef
checkpoint 2048 0xfedcba9876543210

future-key with several values
mcount 3
`
	got, err := ParseReport([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := Report{
		Seed: 7, Sched: "random", Hash: 0x1f2e3d4c5b6a7988, Steps: 12345, Yields: 678, Jumps: 9,
		VNow: 3000000000, Nondet: 0,
		Checkpoints: []Checkpoint{{1024, 0x0123456789abcdef}, {2048, 0xfedcba9876543210}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseReport =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseReportErrors(t *testing.T) {
	for _, tt := range []struct{ data, err string }{
		{"seed 1\n", "no hash line"},
		{"hash 0x1\n", "no seed line"},
		{"", "no seed line"},
		{"seed x\nhash 1\n", `line 1: seed: "x" is not a number`},
		{"seed 1\nhash\n", "line 2: hash: missing value"},
		{"seed 1\nhash 1\ncheckpoint 1024\n", "line 3: checkpoint: missing value"},
		{"seed 1\nhash 1\nsteps -3\n", `line 3: steps: "-3" is not a number`},
		{"seed 1\nhash 1\nsched\n", "line 3: sched: missing value"},
	} {
		_, err := ParseReport([]byte(tt.data))
		if err == nil || err.Error() != tt.err {
			t.Errorf("ParseReport(%q) error = %v, want %s", tt.data, err, tt.err)
		}
	}
}

func TestReadReport(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadReport(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing report: error = %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(dir, "report")
	os.WriteFile(path, []byte("seed 3\nhash 0x10\n"), 0o644)
	r, err := ReadReport(path)
	if err != nil || r.Seed != 3 || r.Hash != 16 {
		t.Fatalf("ReadReport = %+v, %v", r, err)
	}
	os.WriteFile(path, []byte("seed 3\n"), 0o644)
	if _, err := ReadReport(path); err == nil || err.Error() != "report "+path+": no hash line" {
		t.Fatalf("ReadReport error = %v", err)
	}
}
