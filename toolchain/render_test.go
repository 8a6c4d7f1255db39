package toolchain

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	goroot := fakeGOROOT(t)
	root := t.TempDir()
	tc, err := ensureIn(testSources(), root, testHost(goroot))
	if err != nil {
		t.Fatal(err)
	}
	if tc.GOROOT != goroot || tc.GoVersion != "go1.26.8" || tc.Line != "go1.26" {
		t.Errorf("toolchain = %+v", tc)
	}
	if !regexp.MustCompile(`^go1\.26\.8-[0-9a-f]{16}$`).MatchString(filepath.Base(tc.Dir)) ||
		filepath.Dir(tc.Dir) != filepath.Join(root, "toolchain") {
		t.Errorf("Dir = %s, want %s/toolchain/go1.26.8-<16 hex>", tc.Dir, root)
	}
	if tc.Overlay != filepath.Join(tc.Dir, "overlay.json") {
		t.Errorf("Overlay = %s", tc.Overlay)
	}
	checkRenderedTree(t, tc)
	if _, err := tc.checkRendered(); err != nil {
		t.Errorf("checkRendered on a fresh render: %v", err)
	}

	// Only the rendered directory and its lock are left: no temporary dirs.
	assertDirEntries(t, filepath.Join(root, "toolchain"), filepath.Base(tc.Dir), filepath.Base(tc.Dir)+".lock")

	// Rendering again reuses the directory.
	stamp := filepath.Join(tc.Dir, "src", "runtime", "proc.go")
	before, _ := os.Stat(stamp)
	tc2, err := ensureIn(testSources(), root, testHost(goroot))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(stamp)
	if tc2.Dir != tc.Dir || !os.SameFile(before, after) {
		t.Errorf("second ensure re-rendered: %s vs %s", tc2.Dir, tc.Dir)
	}
}

func TestCheckRenderedDetectsEdits(t *testing.T) {
	tc, err := ensureIn(testSources(), t.TempDir(), testHost(fakeGOROOT(t)))
	if err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(tc.Dir, "src", "sync", "mutex.go")
	writeFile(t, edited, "package sync\n")
	_, err = tc.checkRendered()
	if err == nil || !strings.Contains(err.Error(), edited) {
		t.Fatalf("checkRendered after editing %s: err = %v", edited, err)
	}
}

func TestHunkDoesNotApply(t *testing.T) {
	goroot := fakeGOROOT(t)
	src := testSources()
	// The second hunk's context no longer matches: upstream changed under us.
	src["patches/go1.26/c-bad.patch"] = fileData(`diff --git a/src/runtime/extern.go b/src/runtime/extern.go
--- a/src/runtime/extern.go
+++ b/src/runtime/extern.go
@@ -1,1 +1,2 @@
 package runtime
+// fine
@@ -3,1 +4,2 @@
-func Caller(skip int) {}
+func Caller(skip int) { detgoCaller() }
+// detgo
`)
	root := filepath.Join(t.TempDir(), "cache")
	_, err := ensureIn(src, root, testHost(goroot))
	want := "patch go1.26/c-bad.patch does not apply to " + filepath.Join(goroot, "src/runtime/extern.go") +
		" (hunk @@ -3,1 +4,2 @@): this Go (go1.26.8) differs from what detgo was made for; report it at " + reportURL
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant  %s", err, want)
	}
	// Nothing was written: not even the cache root.
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(root)
		t.Errorf("cache root exists after a failed patch (stat err %v, entries %v)", err, entries)
	}
}

func TestPatchedFileMissing(t *testing.T) {
	goroot := fakeGOROOT(t)
	os.Remove(filepath.Join(goroot, "src/sync/mutex.go"))
	_, err := plan(testSources(), testHost(goroot))
	if err == nil || !strings.Contains(err.Error(), "changes "+filepath.Join(goroot, "src/sync/mutex.go")+", which does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestShimCollidesWithUpstream(t *testing.T) {
	goroot := fakeGOROOT(t)
	src := testSources()
	src["runtime-shim/runtime/extern.go"] = fileData("package runtime\n")
	root := filepath.Join(t.TempDir(), "cache")
	_, err := ensureIn(src, root, testHost(goroot))
	want := "shim runtime-shim/runtime/extern.go would replace " + filepath.Join(goroot, "src/runtime/extern.go") +
		", which exists in this Go (go1.26.8); shims must be new files"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v\nwant prefix %s", err, want)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("cache root exists after a failed render")
	}
}

func TestRejectedPatches(t *testing.T) {
	for name, tt := range map[string]struct{ patch, want string }{
		"empty": {"just words\n", "patch go1.26/x.patch contains no file diffs"},
		"new file": {`diff --git a/src/runtime/new.go b/src/runtime/new.go
new file mode 100644
--- /dev/null
+++ b/src/runtime/new.go
@@ -0,0 +1 @@
+package runtime
`, "patch go1.26/x.patch creates src/runtime/new.go; new files belong in runtime-shim/"},
		"outside src": {`diff --git a/misc/x.go b/misc/x.go
--- a/misc/x.go
+++ b/misc/x.go
@@ -1 +1 @@
-a
+b
`, `patch go1.26/x.patch changes "misc/x.go", which is not a clean path under src/`},
		"bad counts": {`diff --git a/src/runtime/proc.go b/src/runtime/proc.go
--- a/src/runtime/proc.go
+++ b/src/runtime/proc.go
@@ -1,2 +1,3 @@
 package runtime
+// x
`, "patch go1.26/x.patch is not a valid git diff"},
	} {
		t.Run(name, func(t *testing.T) {
			src := testSources()
			src["patches/go1.26/x.patch"] = fileData(tt.patch)
			_, err := plan(src, testHost(fakeGOROOT(t)))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tt.want)
			}
		})
	}
}

func TestKeyChanges(t *testing.T) {
	goroot := fakeGOROOT(t)
	key := func(src map[string]string, host hostGo) string {
		t.Helper()
		fs := testSources()
		for name, content := range src {
			fs[name] = fileData(content)
		}
		r, err := plan(fs, host)
		if err != nil {
			t.Fatal(err)
		}
		return r.key
	}
	base := key(nil, testHost(goroot))
	if again := key(nil, testHost(goroot)); again != base {
		t.Fatalf("key not deterministic: %s vs %s", base, again)
	}
	otherVersion := testHost(goroot)
	otherVersion.goversion = "go1.26.9"
	otherRoot := fakeGOROOT(t) // same content, different path
	changed := map[string]string{
		"patch content": key(map[string]string{"patches/go1.26/b-runq.patch": strings.Replace(runqPatch, "one canonical queue", "the canonical queue", 1)}, testHost(goroot)),
		"patch name":    key(map[string]string{"patches/go1.26/c-more.patch": "diff --git a/src/runtime/extern.go b/src/runtime/extern.go\n--- a/src/runtime/extern.go\n+++ b/src/runtime/extern.go\n@@ -1,1 +1,2 @@\n package runtime\n+// x\n"}, testHost(goroot)),
		"shim content":  key(map[string]string{"runtime-shim/internal/poll/detgo_linux.go": "package poll // changed\n"}, testHost(goroot)),
		"new shim":      key(map[string]string{"runtime-shim/os/detgo.go": "package os\n"}, testHost(goroot)),
		"go version":    key(nil, otherVersion),
		"GOROOT path":   key(nil, testHost(otherRoot)),
	}
	// An upstream change that the patches still apply to (a line appended
	// after every hunk) must change the key too: the patched copy differs.
	writeFile(t, filepath.Join(goroot, "src/runtime/proc.go"), upstreamFiles["src/runtime/proc.go"]+"\nfunc more() {}\n")
	changed["upstream content"] = key(nil, testHost(goroot))
	// A file no patch touches is not part of the key.
	writeFile(t, filepath.Join(goroot, "src/runtime/proc.go"), upstreamFiles["src/runtime/proc.go"])
	writeFile(t, filepath.Join(goroot, "src/runtime/unrelated.go"), "package runtime\n")
	if k := key(nil, testHost(goroot)); k != base {
		t.Errorf("an untouched GOROOT file changed the key")
	}
	for what, k := range changed {
		if k == base {
			t.Errorf("changing the %s did not change the key", what)
		}
	}
}

func TestStaleTempDirAndIncompleteDirAreReplaced(t *testing.T) {
	goroot := fakeGOROOT(t)
	root := t.TempDir()
	r, err := plan(testSources(), testHost(goroot))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(root, "toolchain")
	// What a crash mid-render leaves behind, and a final directory that lacks
	// the complete marker (not made by a finished render).
	crashed := filepath.Join(base, r.dirName()+".tmp-123")
	writeFile(t, filepath.Join(crashed, "src/runtime/proc.go"), "half")
	writeFile(t, filepath.Join(base, r.dirName(), "src/runtime/proc.go"), "junk")

	tc, err := ensureIn(testSources(), root, testHost(goroot))
	if err != nil {
		t.Fatal(err)
	}
	checkRenderedTree(t, tc)
	assertDirEntries(t, base, r.dirName(), r.dirName()+".lock")
}

func TestRenderFromEmbeddedSourcesLoads(t *testing.T) {
	// The real sources must at least parse, whatever the host Go is.
	for _, line := range Supported() {
		if _, err := loadSources((&Toolchain{}).sources(), line); err != nil {
			t.Errorf("embedded sources for %s: %v", line, err)
		}
	}
}

func assertDirEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}
