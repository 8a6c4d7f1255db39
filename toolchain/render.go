package toolchain

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// reportURL is where a patch that no longer applies should be reported.
const reportURL = "https://github.com/detgo/detgo/issues"

// renderFormat names the layout of a rendered directory. It is part of the
// cache key: change it whenever render writes something different for the
// same inputs, so that old cache entries are not reused.
const renderFormat = "detgo-toolchain-render-v1"

// completeMarker is written last into a rendered directory, before it is
// renamed into place. A directory without it was not made by a finished render.
const completeMarker = "complete"

// rendering is the overlay for one host Go, computed in memory, so that a
// patch that does not apply fails before anything is written to the cache.
type rendering struct {
	host     hostGo
	files    map[string][]byte // GOROOT-relative slash path ("src/runtime/proc.go") → content for the overlay
	upstream map[string][]byte // GOROOT-relative path → the host's content, for each patched file
	sources  *sourceSet
	key      string // hex sha256 of everything above that can change the output
}

// plan applies every patch of host.line to the host's files and adds the
// shims, all in memory. Patches apply in file-name order; a file changed by
// two patches gets the second applied on top of the first.
func plan(src fs.FS, host hostGo) (*rendering, error) {
	s, err := loadSources(src, host.line)
	if err != nil {
		return nil, err
	}
	r := &rendering{host: host, files: map[string][]byte{}, upstream: map[string][]byte{}, sources: s}
	for _, p := range s.patches {
		for _, f := range p.files {
			if err := r.apply(p, f); err != nil {
				return nil, err
			}
		}
	}
	for _, sh := range s.shims {
		// A shim that replaced an upstream file would silently drop Go's own
		// code; changes to upstream files must be visible hunks in patches/.
		hostPath := r.hostPath(sh.target)
		if _, err := os.Lstat(hostPath); err == nil {
			return nil, fmt.Errorf("shim %s would replace %s, which exists in this Go (%s); shims must be new files: rename it, or change the upstream file with a patch",
				sh.name, hostPath, host.goversion)
		}
		r.files[sh.target] = sh.content
	}
	r.key = cacheKey(host, s, r.upstream)
	return r, nil
}

// apply applies one file's hunks from patch p, strictly: every context and
// removed line must match exactly, at exactly the stated position.
func (r *rendering) apply(p patchFile, f *gitdiff.File) error {
	target := f.NewName
	hostPath := r.hostPath(target)
	current, seen := r.files[target]
	if !seen {
		b, err := os.ReadFile(hostPath)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("patch %s changes %s, which does not exist: this Go (%s) differs from what detgo was made for; report it at %s",
				p.name, hostPath, r.host.goversion, reportURL)
		}
		if err != nil {
			return fmt.Errorf("patch %s: %v", p.name, err)
		}
		r.upstream[target] = b
		current = b
	}

	// TextApplier needs hunks in file order; applying them one by one (rather
	// than gitdiff.Apply) tells us which hunk failed.
	frags := slices.Clone(f.TextFragments)
	slices.SortStableFunc(frags, func(a, b *gitdiff.TextFragment) int {
		return cmp.Compare(a.OldPosition, b.OldPosition)
	})
	var out bytes.Buffer
	applier := gitdiff.NewTextApplier(&out, bytes.NewReader(current))
	for _, frag := range frags {
		if err := applier.ApplyFragment(frag); err != nil {
			return fmt.Errorf("patch %s does not apply to %s (hunk %s): this Go (%s) differs from what detgo was made for; report it at %s",
				p.name, hostPath, hunkHeader(frag), r.host.goversion, reportURL)
		}
	}
	if err := applier.Close(); err != nil {
		return fmt.Errorf("patch %s: applying to %s: %v", p.name, hostPath, err)
	}
	r.files[target] = out.Bytes()
	return nil
}

// hostPath is where a GOROOT-relative file lives on this machine, built from
// GOROOT exactly as go env printed it: the overlay keys must match the paths
// the go command computes from that same string.
func (r *rendering) hostPath(rel string) string {
	return filepath.Join(r.host.goroot, filepath.FromSlash(rel))
}

// cacheKey hashes everything a rendered directory depends on: the Go version
// and GOROOT (the overlay's keys), the upstream content of each patched file,
// and every patch and shim by name and content. Each field is
// length-prefixed and each list counted, so distinct inputs cannot run
// together into the same byte stream.
func cacheKey(host hostGo, s *sourceSet, upstream map[string][]byte) string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	count := func(n int) { field(binary.BigEndian.AppendUint64(nil, uint64(n))) }

	field([]byte(renderFormat))
	field([]byte(host.goversion))
	field([]byte(host.goroot))
	field([]byte(host.line))
	count(len(s.patches))
	for _, p := range s.patches {
		field([]byte(p.name))
		field(p.content)
	}
	paths := slices.Sorted(maps.Keys(upstream))
	count(len(paths))
	for _, rel := range paths {
		field([]byte(rel))
		field(upstream[rel])
	}
	count(len(s.shims))
	for _, sh := range s.shims {
		field([]byte(sh.name))
		field(sh.content)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// dirName is the cache directory's name: readable version, then enough of
// the key to tell renders apart.
func (r *rendering) dirName() string {
	return r.host.goversion + "-" + r.key[:16]
}

// overlayJSON is the file `go build -overlay` reads (see go help build).
type overlayJSON struct {
	Replace map[string]string
}

// overlay returns overlay.json for a rendering that lives (or will live) in dir.
func (r *rendering) overlay(dir string) []byte {
	o := overlayJSON{Replace: map[string]string{}}
	for rel := range r.files {
		o.Replace[r.hostPath(rel)] = filepath.Join(dir, filepath.FromSlash(rel))
	}
	b, err := json.MarshalIndent(o, "", "\t") // map keys are sorted: same input, same bytes
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return append(b, '\n')
}

// writeTree writes the rendering into tmp. The overlay names final, where tmp
// will be renamed to: the go command needs the backing files' real paths.
// The complete marker goes last.
func (r *rendering) writeTree(tmp, final string) error {
	for rel, content := range r.files {
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "overlay.json"), r.overlay(final), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tmp, completeMarker), []byte(r.key+"\n"), 0o644)
}
