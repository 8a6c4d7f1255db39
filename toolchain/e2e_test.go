package toolchain

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// hostGo126 returns the host Go, skipping the test unless it is a go1.26.x
// release: the probe patch below is only known to apply there.
func hostGo126(t *testing.T) hostGo {
	t.Helper()
	goroot, goversion, err := Host(context.Background())
	if err != nil {
		t.Skipf("no usable host go: %v", err)
	}
	line, err := lineFor(goversion, []string{"go1.26"})
	if err != nil {
		t.Skip(err)
	}
	return hostGo{goroot: goroot, goversion: goversion, line: line}
}

// probeSources patches the real $GOROOT/src/runtime/extern.go (a comment
// after its first three lines, which the patch quotes as context) and adds a
// shim runtime/detgo_probe.go.
func probeSources(t *testing.T, goroot string) fstest.MapFS {
	t.Helper()
	f, err := os.Open(filepath.Join(goroot, "src/runtime/extern.go"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var context []string
	for len(context) < 3 && sc.Scan() {
		context = append(context, " "+sc.Text()+"\n")
	}
	patch := "diff --git a/src/runtime/extern.go b/src/runtime/extern.go\n" +
		"--- a/src/runtime/extern.go\n+++ b/src/runtime/extern.go\n" +
		"@@ -1,3 +1,4 @@\n" + strings.Join(context, "") + "+// detgo: probe patch applied.\n"
	return fstest.MapFS{
		"patches/go1.26/probe.patch":          fileData(patch),
		"runtime-shim/runtime/detgo_probe.go": fileData("package runtime\n\nfunc detgoProbe() int { return 42 }\n"),
	}
}

// TestRealGOROOT renders a tiny real patch set against the host's GOROOT and
// asks the go command whether it sees the overlay.
func TestRealGOROOT(t *testing.T) {
	host := hostGo126(t)
	ctx := context.Background()
	tc, err := ensureIn(probeSources(t, host.goroot), t.TempDir(), host)
	if err != nil {
		t.Fatal(err)
	}
	patched, err := os.ReadFile(filepath.Join(tc.Dir, "src/runtime/extern.go"))
	if err != nil || !strings.Contains(string(patched), "\n// detgo: probe patch applied.\n") {
		t.Fatalf("patched extern.go lacks the probe line (err %v)", err)
	}

	goFiles := func(flags ...string) string {
		t.Helper()
		args := append(append([]string{"list"}, flags...), "-f", "{{.GoFiles}}", "runtime")
		cmd := exec.Command("go", args...)
		cmd.Env = tc.Env(os.Environ())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := goFiles(tc.BuildFlags()...); !strings.Contains(out, "detgo_probe.go") {
		t.Errorf("go list with the overlay does not list detgo_probe.go:\n%s", out)
	}
	if out := goFiles(); strings.Contains(out, "detgo_probe.go") {
		t.Errorf("go list without the overlay lists detgo_probe.go: the host GOROOT was written?\n%s", out)
	}

	if err := tc.Verify(ctx); err != nil {
		t.Errorf("Verify on a fresh render: %v", err)
	}

	// An overlay the go command does not apply (here: one that replaces
	// nothing) must fail the go list check.
	empty := filepath.Join(t.TempDir(), "overlay.json")
	writeFile(t, empty, `{"Replace": {}}`)
	broken := *tc
	broken.Overlay = empty
	r, err := plan(tc.src, host)
	if err != nil {
		t.Fatal(err)
	}
	err = broken.checkShimsListed(ctx, r.sources.shims)
	if err == nil || !strings.HasPrefix(err.Error(), "the patched runtime is not in effect: ") || !strings.Contains(err.Error(), "runtime/detgo_probe.go") {
		t.Errorf("checkShimsListed with an empty overlay: %v", err)
	}

	// An edited rendered file fails Verify.
	writeFile(t, filepath.Join(tc.Dir, "src/runtime/extern.go"), string(patched)+"// edited\n")
	if err := tc.Verify(ctx); err == nil || !strings.Contains(err.Error(), "extern.go is missing or was changed") {
		t.Errorf("Verify after editing extern.go: %v", err)
	}
}

// TestEmbeddedSourcesApplyToHost renders detgo's real patches and shims for
// the host Go, if detgo supports it: a patch that no longer applies to the
// installed Go fails here first.
func TestEmbeddedSourcesApplyToHost(t *testing.T) {
	goroot, goversion, err := Host(context.Background())
	if err != nil {
		t.Skipf("no usable host go: %v", err)
	}
	line, err := lineFor(goversion, Supported())
	if err != nil {
		t.Skip(err)
	}
	tc, err := ensureIn((&Toolchain{}).sources(), t.TempDir(), hostGo{goroot: goroot, goversion: goversion, line: line})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tc.checkRendered(); err != nil {
		t.Fatal(err)
	}
}
