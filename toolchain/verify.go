package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
)

// Prebuild compiles the patched standard library once (`go build std` with
// the overlay), so that the go build cache is warm for later test builds.
// The go command's output goes to stdout and stderr.
func (t *Toolchain) Prebuild(ctx context.Context, stdout, stderr io.Writer) error {
	cmd := t.goCommand(ctx, append([]string{"build"}, append(t.BuildFlags(), "std")...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the patched standard library with %s failed: %v; see the go command's output above", t.GOROOT, err)
	}
	return nil
}

// Verify checks that builds with this toolchain really use detgo's runtime:
// the rendered files are what the sources and the host's GOROOT make now,
// the go in PATH is still the one rendered for, and the go command sees
// every shim file through the overlay.
func (t *Toolchain) Verify(ctx context.Context) error {
	r, err := t.checkRendered()
	if err != nil {
		return err
	}
	goroot, goversion, err := Host(ctx)
	if err != nil {
		return err
	}
	if goroot != t.GOROOT || goversion != t.GoVersion {
		return fmt.Errorf("the patched runtime is not in effect: the go in PATH is %s at %s, but the toolchain was rendered for %s at %s; run detgo again with the same go in PATH",
			goversion, goroot, t.GoVersion, t.GOROOT)
	}
	return t.checkShimsListed(ctx, r.sources.shims)
}

// checkRendered renders the toolchain again in memory and compares it with
// what is on disk: a changed source, a host Go updated in place, or an edited
// cache file all show up here.
func (t *Toolchain) checkRendered() (*rendering, error) {
	r, err := plan(t.sources(), hostGo{goroot: t.GOROOT, goversion: t.GoVersion, line: t.Line})
	if err != nil {
		return nil, err
	}
	if want := filepath.Join(filepath.Dir(t.Dir), r.dirName()); want != t.Dir {
		return nil, fmt.Errorf("toolchain %s is stale: detgo's sources or %s changed since it was rendered; run detgo again to render %s", t.Dir, t.GOROOT, want)
	}
	want := map[string][]byte{
		filepath.Join(t.Dir, "overlay.json"): r.overlay(t.Dir),
		filepath.Join(t.Dir, completeMarker): []byte(r.key + "\n"),
	}
	for rel, content := range r.files {
		want[filepath.Join(t.Dir, filepath.FromSlash(rel))] = content
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want[name]) {
			return nil, fmt.Errorf("rendered file %s is missing or was changed; run \"detgo toolchain clean\" and try again", name)
		}
	}
	return r, nil
}

// checkShimsListed asks `go list` with the overlay for the files of every std
// package that has shims. A shim the go command does not see means the
// overlay is not in effect (wrong GOROOT, flags overridden, ...). A .go shim
// may appear among IgnoredGoFiles: that proves the overlay is seen, and only
// says that its build constraints exclude this GOOS/GOARCH.
func (t *Toolchain) checkShimsListed(ctx context.Context, shims []shimFile) error {
	wantByPkg := map[string][]string{}
	for _, sh := range shims {
		if path.Ext(sh.name) == ".go" {
			wantByPkg[sh.pkg] = append(wantByPkg[sh.pkg], path.Base(sh.name))
		}
	}
	if len(wantByPkg) == 0 {
		return nil
	}
	pkgs := slices.Sorted(maps.Keys(wantByPkg))
	args := append([]string{"list"}, t.BuildFlags()...)
	args = append(args, "-json=ImportPath,GoFiles,IgnoredGoFiles")
	cmd := t.goCommand(ctx, append(args, pkgs...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("the patched runtime is not in effect: go list %s failed: %s", pkgs, oneLine(stderr.String(), err))
	}
	seen := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath              string
			GoFiles, IgnoredGoFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("reading go list output: %v", err)
		}
		seen[p.ImportPath] = append(p.GoFiles, p.IgnoredGoFiles...)
	}
	for _, pkg := range pkgs {
		for _, file := range wantByPkg[pkg] {
			if !slices.Contains(seen[pkg], file) {
				return fmt.Errorf("the patched runtime is not in effect: go list %s does not show %s/%s from %s; check that GOFLAGS and GOROOT do not override detgo's settings",
					t.BuildFlags()[0], pkg, file, t.Overlay)
			}
		}
	}
	return nil
}

// goCommand runs the go in PATH, as Host does, with the toolchain's
// environment. It runs in the rendered directory, which has no go.mod: std
// builds need no module, and the user's go.mod or go.work must not get in
// the way.
func (t *Toolchain) goCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = t.Env(os.Environ())
	cmd.Dir = t.Dir
	return cmd
}
