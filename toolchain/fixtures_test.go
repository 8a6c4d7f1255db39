package toolchain

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
)

// The fake GOROOT: a few upstream files, one of which nothing patches.
var upstreamFiles = map[string]string{
	"src/runtime/proc.go": `package runtime

func schedule() {
	gp := findRunnable()
	execute(gp)
}

func findRunnable() *g {
	return runq.pop()
}
`,
	"src/sync/mutex.go": `package sync

func (m *Mutex) Lock() {
	m.lockSlow()
}
`,
	"src/runtime/extern.go": `package runtime

func Caller() {}
`,
}

// a-sched.patch changes two files; b-runq.patch changes proc.go again, on top
// of a-sched.patch (its line numbers count a-sched's two added lines), which
// only works if patches apply in file-name order.
const schedPatch = `Hook the scheduler and the mutex.

diff --git a/src/runtime/proc.go b/src/runtime/proc.go
index 1111111..2222222 100644
--- a/src/runtime/proc.go
+++ b/src/runtime/proc.go
@@ -3,4 +3,6 @@ package runtime
 func schedule() {
 	gp := findRunnable()
+	// detgo: the seeded scheduler picks instead.
+	gp = detgoPick(gp)
 	execute(gp)
 }
diff --git a/src/sync/mutex.go b/src/sync/mutex.go
index 3333333..4444444 100644
--- a/src/sync/mutex.go
+++ b/src/sync/mutex.go
@@ -3,3 +3,4 @@ package sync
 func (m *Mutex) Lock() {
+	detgoYield() // detgo: a lock is a yield point.
 	m.lockSlow()
 }
`

const runqPatch = `diff --git a/src/runtime/proc.go b/src/runtime/proc.go
--- a/src/runtime/proc.go
+++ b/src/runtime/proc.go
@@ -10,3 +10,3 @@ func schedule() {
 func findRunnable() *g {
-	return runq.pop()
+	return detgoRunq.pop() // detgo: one canonical queue.
 }
`

// What the overlay must contain for the fixtures above.
var wantRendered = map[string]string{
	"src/runtime/proc.go": `package runtime

func schedule() {
	gp := findRunnable()
	// detgo: the seeded scheduler picks instead.
	gp = detgoPick(gp)
	execute(gp)
}

func findRunnable() *g {
	return detgoRunq.pop() // detgo: one canonical queue.
}
`,
	"src/sync/mutex.go": `package sync

func (m *Mutex) Lock() {
	detgoYield() // detgo: a lock is a yield point.
	m.lockSlow()
}
`,
	"src/runtime/detgo_sched.go":       "package runtime\n\nfunc detgoPick(gp *g) *g { return gp }\n",
	"src/runtime/detgo_amd64.s":        "#include \"textflag.h\"\n",
	"src/internal/poll/detgo_linux.go": "package poll\n",
}

// testSources is laid out like detgo.Sources, with files that must be ignored.
func testSources() fstest.MapFS {
	return fstest.MapFS{
		"patches/README.md":                         {Data: []byte("not a patch")},
		"patches/go1.26/README.md":                  {Data: []byte("not a patch either")},
		"patches/go1.26/a-sched.patch":              {Data: []byte(schedPatch)},
		"patches/go1.26/b-runq.patch":               {Data: []byte(runqPatch)},
		"runtime-shim/README.md":                    {Data: []byte("docs")},
		"runtime-shim/runtime/NOTES.md":             {Data: []byte("docs, not source")},
		"runtime-shim/runtime/detgo_sched.go":       {Data: []byte(wantRendered["src/runtime/detgo_sched.go"])},
		"runtime-shim/runtime/detgo_amd64.s":        {Data: []byte(wantRendered["src/runtime/detgo_amd64.s"])},
		"runtime-shim/internal/poll/detgo_linux.go": {Data: []byte(wantRendered["src/internal/poll/detgo_linux.go"])},
	}
}

// fakeGOROOT writes upstreamFiles into a new temporary GOROOT.
func fakeGOROOT(t *testing.T) string {
	t.Helper()
	goroot := t.TempDir()
	for rel, content := range upstreamFiles {
		writeFile(t, filepath.Join(goroot, rel), content)
	}
	return goroot
}

func testHost(goroot string) hostGo {
	return hostGo{goroot: goroot, goversion: "go1.26.8", line: "go1.26"}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkRenderedTree checks that tc's overlay maps exactly the patched and
// shim files of the fixtures to files with the right content, and that the
// fake GOROOT was not written.
func checkRenderedTree(t *testing.T, tc *Toolchain) {
	t.Helper()
	data, err := os.ReadFile(tc.Overlay)
	if err != nil {
		t.Fatal(err)
	}
	var o struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatalf("overlay.json: %v\n%s", err, data)
	}
	want := map[string]string{}
	for rel := range wantRendered {
		want[filepath.Join(tc.GOROOT, rel)] = filepath.Join(tc.Dir, rel)
	}
	if !maps.Equal(o.Replace, want) {
		t.Fatalf("overlay Replace =\n%v\nwant\n%v", fmtMap(o.Replace), fmtMap(want))
	}
	for rel, content := range wantRendered {
		got, err := os.ReadFile(o.Replace[filepath.Join(tc.GOROOT, rel)])
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Errorf("rendered %s =\n%s\nwant\n%s", rel, got, content)
		}
	}
	for rel, content := range upstreamFiles {
		got, err := os.ReadFile(filepath.Join(tc.GOROOT, rel))
		if err != nil || string(got) != content {
			t.Errorf("GOROOT file %s was changed (err %v)", rel, err)
		}
	}
}

func fmtMap(m map[string]string) string {
	s := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s += "\t" + k + " → " + m[k] + "\n"
	}
	return s
}

func fileData(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
