// Package toolchain turns detgo's embedded sources (hook patches and
// runtime-shim files) into a `go build -overlay` file for the Go installed on
// this machine.
//
// The host GOROOT is never written: patched copies of upstream files and the
// new shim files are rendered once into the user cache, under a directory
// named by the Go version and a hash of everything that went into it, and
// overlay.json maps the GOROOT paths onto them. Every go command detgo runs
// then gets BuildFlags and Env.
package toolchain

import (
	"context"
	"io/fs"
	"strings"

	"github.com/detgo/detgo"
)

// Toolchain is a rendered overlay for one host Go.
type Toolchain struct {
	GOROOT    string // exactly as `go env GOROOT` printed it (symlinks not resolved)
	GoVersion string // e.g. "go1.26.8"
	Line      string // patch set used, e.g. "go1.26"
	Dir       string // rendered cache directory
	Overlay   string // Dir + "/overlay.json"

	// src is where the patches and shims came from; nil means detgo.Sources.
	// Tests render from an fstest.MapFS instead.
	src fs.FS
}

// Ensure finds the go in PATH, checks that detgo has patches for its
// version, and renders the overlay into the cache unless an identical one is
// already there. Concurrent callers, in this or other processes, render once.
func Ensure(ctx context.Context) (*Toolchain, error) {
	goroot, goversion, err := Host(ctx)
	if err != nil {
		return nil, err
	}
	line, err := lineFor(goversion, Supported())
	if err != nil {
		return nil, err
	}
	root, err := CacheRoot()
	if err != nil {
		return nil, err
	}
	return ensureIn(detgo.Sources, root, hostGo{goroot: goroot, goversion: goversion, line: line})
}

// BuildFlags are the flags every go build, test, list or vet run needs so
// that it compiles the patched standard library.
func (t *Toolchain) BuildFlags() []string {
	return []string{"-overlay=" + t.Overlay}
}

// Env returns base with the settings the overlay depends on, replacing any
// value base already has for them:
//   - GOTOOLCHAIN=local: otherwise a go.mod toolchain line can switch to a
//     different GOROOT, whose paths the overlay silently does not match;
//   - CGO_ENABLED=0: cgo is outside the simulation, and overlaid cgo files
//     have include-path limits.
func (t *Toolchain) Env(base []string) []string {
	env := setEnv(base, "GOTOOLCHAIN", "local")
	return setEnv(env, "CGO_ENABLED", "0")
}

func (t *Toolchain) sources() fs.FS {
	if t.src == nil {
		return detgo.Sources
	}
	return t.src
}

// setEnv returns a copy of env in which key has exactly one entry, key=value,
// at the end. Later entries win in os/exec, but duplicates confuse anyone
// reading a printed environment, so all earlier ones are dropped.
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}
