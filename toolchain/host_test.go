package toolchain

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLineFor(t *testing.T) {
	supported := []string{"go1.26", "go1.27"}
	for _, v := range []string{"go1.26.0", "go1.26.8", "go1.27.12"} {
		line, err := lineFor(v, supported)
		if err != nil || line != v[:len("go1.2x")] {
			t.Errorf("lineFor(%q) = %q, %v", v, line, err)
		}
	}
	for _, v := range []string{"go1.25.3", "go1.26rc1", "go1.26", "devel go1.27-1234abcd Tue Jan 1 00:00:00 2030 +0000", "go1.26.8 X:boringcrypto", "go1.260.1"} {
		_, err := lineFor(v, supported)
		want := "Go " + v + " is not supported by this detgo (supported: go1.26.x, go1.27.x); put a supported go first in PATH"
		if err == nil || err.Error() != want {
			t.Errorf("lineFor(%q) err = %v\nwant %s", v, err, want)
		}
	}
	_, err := lineFor("go1.26.8", nil)
	if err == nil || !strings.Contains(err.Error(), "(supported: none)") {
		t.Errorf("lineFor with no patch sets: %v", err)
	}
}

func TestSupportedLines(t *testing.T) {
	src := fstest.MapFS{
		"patches/README.md":          fileData("x"),
		"patches/go1.9/a.patch":      fileData("x"),
		"patches/go1.27/README.md":   fileData("x"),
		"patches/go1.26/a.patch":     fileData("x"),
		"patches/notes/x.md":         fileData("x"),
		"patches/go1.26.1/x.patch":   fileData("x"), // a release, not a line
		"runtime-shim/runtime/x.go":  fileData("x"),
		"runtime-shim/go1.28/x.go":   fileData("x"),
		"patches/go1.30rc1/x.patch":  fileData("x"),
		"patches/go1.31.md":          fileData("x"),
		"patches/go1.29/sub/x.patch": fileData("x"),
	}
	got := supportedLines(src)
	want := []string{"go1.9", "go1.26", "go1.27", "go1.29"}
	if !slices.Equal(got, want) {
		t.Errorf("supportedLines = %q, want %q", got, want)
	}
	if got := supportedLines(fstest.MapFS{}); len(got) != 0 {
		t.Errorf("supportedLines(empty) = %q", got)
	}
}

func TestEnv(t *testing.T) {
	tc := &Toolchain{}
	base := []string{"HOME=/h", "GOTOOLCHAIN=auto", "CGO_ENABLED=1", "PATH=/bin", "GOTOOLCHAIN=go1.27.0", "GOTOOLCHAINX=keep"}
	orig := slices.Clone(base)
	got := tc.Env(base)
	want := []string{"HOME=/h", "PATH=/bin", "GOTOOLCHAINX=keep", "GOTOOLCHAIN=local", "CGO_ENABLED=0"}
	if !slices.Equal(got, want) {
		t.Errorf("Env = %q\nwant %q", got, want)
	}
	if !slices.Equal(base, orig) {
		t.Errorf("Env modified its argument: %q", base)
	}
	if got := tc.Env(nil); !slices.Equal(got, []string{"GOTOOLCHAIN=local", "CGO_ENABLED=0"}) {
		t.Errorf("Env(nil) = %q", got)
	}
}

func TestBuildFlags(t *testing.T) {
	tc := &Toolchain{Overlay: "/c/toolchain/go1.26.8-0123456789abcdef/overlay.json"}
	if got := tc.BuildFlags(); !slices.Equal(got, []string{"-overlay=/c/toolchain/go1.26.8-0123456789abcdef/overlay.json"}) {
		t.Errorf("BuildFlags = %q", got)
	}
}

func TestCacheRoot(t *testing.T) {
	t.Setenv(envCache, "/some/where")
	if got, err := CacheRoot(); err != nil || got != "/some/where" {
		t.Errorf("CacheRoot with %s=/some/where: %q, %v", envCache, got, err)
	}
	// A relative DETGO_CACHE is made absolute: overlay.json needs absolute paths.
	t.Chdir(t.TempDir())
	wd, _ := os.Getwd()
	t.Setenv(envCache, "rel/cache")
	if got, err := CacheRoot(); err != nil || got != filepath.Join(wd, "rel/cache") {
		t.Errorf("CacheRoot with relative %s: %q, %v", envCache, got, err)
	}
	t.Setenv(envCache, "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got, err := CacheRoot(); err != nil || got != "/xdg/detgo" {
		t.Errorf("CacheRoot without %s: %q, %v", envCache, got, err)
	}
}

func TestUnwritableCache(t *testing.T) {
	// The tests run as root, for whom no permission bits make a directory
	// unwritable; a path below a regular file is unwritable for everyone.
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, "")
	root := filepath.Join(file, "cache")
	_, err := ensureIn(testSources(), root, testHost(fakeGOROOT(t)))
	want := `cache directory "` + root + `" is not writable: mkdir ` + file + `: not a directory; set DETGO_CACHE to a writable directory`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant  %s", err, want)
	}
}

func TestClean(t *testing.T) {
	root := t.TempDir()
	t.Setenv(envCache, root)
	if _, err := ensureIn(testSources(), root, testHost(fakeGOROOT(t))); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "other", "keep"), "not ours")
	if err := Clean(); err != nil {
		t.Fatal(err)
	}
	assertDirEntries(t, root, "other")
	if err := Clean(); err != nil { // nothing to clean is fine
		t.Fatal(err)
	}
}

func TestHostWithoutGo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, _, err := Host(t.Context())
	if err == nil || !strings.HasPrefix(err.Error(), "no go command found in PATH; install Go (supported: ") {
		t.Errorf("Host with no go in PATH: %v", err)
	}
}
