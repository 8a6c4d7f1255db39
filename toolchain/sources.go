package toolchain

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// sourceSet is what detgo adds to one Go release line: the hook patches of
// patches/<line>/ and the whole new files of runtime-shim/.
type sourceSet struct {
	patches []patchFile // in file-name order, the order they are applied in
	shims   []shimFile  // in path order
}

// patchFile is one patches/<line>/*.patch; it may change several files.
type patchFile struct {
	name    string // relative to patches/, e.g. "go1.26/proc.patch", as messages name it
	content []byte
	files   []*gitdiff.File // each changes one existing GOROOT file, named "src/..."
}

// shimFile is one runtime-shim/<std import path>/<file>.
type shimFile struct {
	name    string // e.g. "runtime-shim/runtime/detgo_sched.go"
	pkg     string // std import path, e.g. "runtime"
	target  string // GOROOT-relative, e.g. "src/runtime/detgo_sched.go"
	content []byte
}

// shimExts are the kinds of files a std package can be given; anything else
// under runtime-shim (notes, READMEs) is documentation, not source.
var shimExts = []string{".go", ".s", ".h"}

// loadSources reads and parses the patch set for line and all shims from
// src, which is laid out like detgo.Sources. Nothing is decided here about
// the host: that is plan's job.
func loadSources(src fs.FS, line string) (*sourceSet, error) {
	dir := "patches/" + line
	entries, err := fs.ReadDir(src, dir)
	if err != nil {
		return nil, fmt.Errorf("no patch set %s in detgo's sources: %v; this detgo binary is broken, reinstall it", dir, err)
	}
	var s sourceSet
	for _, e := range entries { // ReadDir sorts by name
		if e.IsDir() || path.Ext(e.Name()) != ".patch" {
			continue // READMEs and notes
		}
		content, err := fs.ReadFile(src, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		p, err := parsePatch(line+"/"+e.Name(), content)
		if err != nil {
			return nil, err
		}
		s.patches = append(s.patches, p)
	}

	err = fs.WalkDir(src, "runtime-shim", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(name, "runtime-shim/")
		pkg := path.Dir(rel)
		// Files directly in runtime-shim/ belong to no std package.
		if pkg == "." || !hasShimExt(name) {
			return nil
		}
		content, err := fs.ReadFile(src, name)
		if err != nil {
			return err
		}
		s.shims = append(s.shims, shimFile{name: name, pkg: pkg, target: "src/" + rel, content: content})
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // no runtime-shim directory: no shims
		return nil, err
	}
	return &s, nil
}

func hasShimExt(name string) bool {
	for _, ext := range shimExts {
		if path.Ext(name) == ext {
			return true
		}
	}
	return false
}

// parsePatch parses a git-style diff and rejects anything an overlay of
// patched copies cannot express or that hook patches should not do.
func parsePatch(name string, content []byte) (patchFile, error) {
	files, _, err := gitdiff.Parse(bytes.NewReader(content))
	if err != nil {
		return patchFile{}, fmt.Errorf("patch %s is not a valid git diff: %v", name, err)
	}
	if len(files) == 0 {
		return patchFile{}, fmt.Errorf("patch %s contains no file diffs; write it with git diff (paths a/src/... b/src/...)", name)
	}
	for _, f := range files {
		target := f.NewName
		switch {
		case f.IsBinary:
			return patchFile{}, fmt.Errorf("patch %s changes %s as binary; only text changes are supported", name, target)
		case f.IsNew:
			return patchFile{}, fmt.Errorf("patch %s creates %s; new files belong in runtime-shim/", name, target)
		case f.IsDelete || f.IsRename || f.IsCopy || f.OldName != f.NewName:
			return patchFile{}, fmt.Errorf("patch %s deletes, renames or copies %s; patches may only change lines of existing files", name, f.OldName)
		case len(f.TextFragments) == 0:
			return patchFile{}, fmt.Errorf("patch %s has no hunks for %s; patches may only change lines of existing files", name, target)
		case !strings.HasPrefix(target, "src/") || path.Clean(target) != target:
			return patchFile{}, fmt.Errorf("patch %s changes %q, which is not a clean path under src/; use paths like a/src/runtime/proc.go", name, target)
		}
		for _, frag := range f.TextFragments {
			if err := frag.Validate(); err != nil {
				return patchFile{}, fmt.Errorf("patch %s is malformed (%s, hunk %s): %v", name, target, hunkHeader(frag), err)
			}
		}
	}
	return patchFile{name: name, content: content, files: files}, nil
}

// hunkHeader is the hunk's @@ line without the trailing function context,
// which is all a reader needs to find it in the patch.
func hunkHeader(f *gitdiff.TextFragment) string {
	return fmt.Sprintf("@@ -%d,%d +%d,%d @@", f.OldPosition, f.OldLines, f.NewPosition, f.NewLines)
}
