package toolchain

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// envCache overrides where detgo keeps its cache.
const envCache = "DETGO_CACHE"

// CacheRoot is $DETGO_CACHE if set, else the user cache directory + "/detgo".
// It is made absolute: overlay.json must name its files by absolute paths.
func CacheRoot() (string, error) {
	root := os.Getenv(envCache)
	if root == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no user cache directory: %v; set %s to a writable directory", err, envCache)
		}
		root = filepath.Join(dir, "detgo")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("cache directory %q: %v; set %s to an absolute path", root, err, envCache)
	}
	return abs, nil
}

// Clean removes every rendered toolchain (but not the go build cache).
func Clean() error {
	root, err := CacheRoot()
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "toolchain")
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("cannot remove %q: %v; remove it by hand", dir, err)
	}
	return nil
}

// afterRenderHook, if set, is called with the temporary directory after each
// complete render and before it is renamed into place. Tests use it to count
// renders and to widen the window in which other processes must wait.
var afterRenderHook func(tmp string)

// ensureIn returns the toolchain for host rendered from src under the cache
// root, rendering it first unless a complete one is already there.
//
// Protocol: a rendered directory is never written after it appears under its
// final name, so finding one with the complete marker means it can be used
// without a lock. Otherwise take the per-directory file lock, look again
// (another process may have just finished), and render into a temporary
// sibling that is renamed into place. A crash leaves only the temporary
// directory, which the next lock holder removes.
func ensureIn(src fs.FS, root string, host hostGo) (*Toolchain, error) {
	// Patches are applied before the cache is touched: a patch that does not
	// apply must leave nothing behind.
	r, err := plan(src, host)
	if err != nil {
		return nil, err
	}
	base := filepath.Join(root, "toolchain")
	dir := filepath.Join(base, r.dirName())
	t := &Toolchain{
		GOROOT:    host.goroot,
		GoVersion: host.goversion,
		Line:      host.line,
		Dir:       dir,
		Overlay:   filepath.Join(dir, "overlay.json"),
		src:       src,
	}
	if isComplete(dir) {
		return t, nil
	}

	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, notWritable(root, err)
	}
	unlock, err := lockedfile.MutexAt(filepath.Join(base, r.dirName()+".lock")).Lock()
	if err != nil {
		return nil, notWritable(root, err)
	}
	defer unlock()
	if isComplete(dir) {
		return t, nil
	}
	if err := install(r, base); err != nil {
		return nil, notWritable(root, err)
	}
	return t, nil
}

// install renders r into a temporary directory under base and renames it to
// its final name. The caller holds the lock for that name.
func install(r *rendering, base string) error {
	name := r.dirName()
	final := filepath.Join(base, name)
	// Only a lock holder creates temporary directories, so any that exist now
	// are left over from a render that crashed.
	stale, _ := filepath.Glob(filepath.Join(base, name+".tmp-*"))
	for _, d := range stale {
		os.RemoveAll(d)
	}
	// The final name without the marker was not made by a finished render.
	if err := os.RemoveAll(final); err != nil {
		return err
	}

	tmp, err := os.MkdirTemp(base, name+".tmp-")
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it private; it holds nothing secret
		os.RemoveAll(tmp)
		return err
	}
	if err := r.writeTree(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if afterRenderHook != nil {
		afterRenderHook(tmp)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return nil
}

func isComplete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, completeMarker))
	return err == nil
}

func notWritable(root string, err error) error {
	return fmt.Errorf("cache directory %q is not writable: %v; set %s to a writable directory", root, err, envCache)
}
