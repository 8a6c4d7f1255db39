package gotest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGoTestBinaryArgs checks GoTestBinaryArgs against the arguments the
// real go test gives a test binary for the same command line: detgo swarm
// runs the binary itself and must run it exactly as detgo test would.
func TestGoTestBinaryArgs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":     "module example.com/a\n\ngo 1.26\n",
		"a_test.go":  "package a\n\nimport \"testing\"\n\nfunc TestA(t *testing.T) {}\n",
		"capture.sh": "#!/bin/sh\nshift\nprintf '%s\\n' \"$@\" > \"$ARGS_FILE\"\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	argsFile := filepath.Join(dir, "args")
	for _, line := range []string{
		"",
		"-v -short -run=X -failfast -count=2 -parallel=0x3 -shuffle=off -cpu=1,2",
		"-timeout=30s -v=false -skip=Y -short=1 -tags=x",
		"-json -run=X",
		"-test.v=true --test.count 3 -benchtime 2x",
		"-run X -args -foo bar",
	} {
		inv, err := ParseArgs(strings.Fields(line))
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		goArgs := append([]string{"test", "-exec=" + filepath.Join(dir, "capture.sh")}, inv.TestFlags()...)
		goArgs = append(goArgs, inv.Packages...)
		if inv.HasArgs {
			goArgs = append(append(goArgs, "-args"), inv.BinaryArgs...)
		}
		cmd := exec.Command("go", goArgs...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local", "ARGS_FILE="+argsFile)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %q: %v\n%s", goArgs, err, out)
		}
		data, err := os.ReadFile(argsFile)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if got := inv.GoTestBinaryArgs(); !slices.Equal(got, want) {
			t.Errorf("%q: GoTestBinaryArgs\n got %q\nwant %q (from go test)", line, got, want)
		}
		if got, want := inv.RunArgs(), binaryArgs(want, SimOptions{}); !slices.Equal(got, want) {
			t.Errorf("%q: RunArgs\n got %q\nwant %q", line, got, want)
		}
	}
}

func TestBuildFlags(t *testing.T) {
	inv, err := ParseArgs(strings.Fields("-v -race -run=X -json -vet=off -tags=a -gcflags=-N -count=3 ./p"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := inv.BuildFlags(), []string{"-tags=detgo,a", "-race", "-gcflags=-N"}; !slices.Equal(got, want) {
		t.Errorf("BuildFlags = %q, want %q", got, want)
	}
	if !inv.TimeoutGiven() {
		inv2, _ := ParseArgs([]string{"-timeout=5s"})
		if !inv2.TimeoutGiven() {
			t.Error("TimeoutGiven is false after -timeout=5s")
		}
	} else {
		t.Error("TimeoutGiven is true without -timeout")
	}
}
