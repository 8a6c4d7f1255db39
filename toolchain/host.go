package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"github.com/detgo/detgo"
)

// hostGo is the Go installation an overlay is rendered for.
type hostGo struct {
	goroot    string // as `go env GOROOT` printed it
	goversion string // e.g. "go1.26.8"
	line      string // e.g. "go1.26": which patches/<line> applies
}

// Host runs `go env GOROOT GOVERSION` with the go found in PATH. GOTOOLCHAIN
// is forced to local so that a go.mod toolchain line cannot make it report a
// different Go than the one detgo's builds will run.
func Host(ctx context.Context) (goroot, goversion string, err error) {
	cmd := exec.CommandContext(ctx, "go", "env", "-json", "GOROOT", "GOVERSION")
	cmd.Env = setEnv(os.Environ(), "GOTOOLCHAIN", "local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return "", "", fmt.Errorf("no go command found in PATH; install Go (supported: %s) and put it in PATH", supportedList(Supported()))
	}
	if err != nil {
		return "", "", fmt.Errorf("go env GOROOT GOVERSION failed: %s; check that the go in PATH works here", oneLine(stderr.String(), err))
	}
	var env struct{ GOROOT, GOVERSION string }
	if err := json.Unmarshal(out, &env); err != nil || env.GOROOT == "" || env.GOVERSION == "" {
		return "", "", fmt.Errorf("go env -json printed %q, not a GOROOT and GOVERSION; check the go in PATH", out)
	}
	return env.GOROOT, env.GOVERSION, nil
}

// Supported lists the release lines detgo has patches for, oldest first:
// the directories patches/<line> in the embedded sources.
func Supported() []string {
	return supportedLines(detgo.Sources)
}

func supportedLines(src fs.FS) []string {
	entries, _ := fs.ReadDir(src, "patches") // no patches directory: nothing supported
	var lines []string
	for _, e := range entries {
		// A line is a language version such as go1.26; anything else (README.md)
		// is not a patch set.
		if e.IsDir() && version.IsValid(e.Name()) && version.Lang(e.Name()) == e.Name() {
			lines = append(lines, e.Name())
		}
	}
	slices.SortFunc(lines, version.Compare)
	return lines
}

// releaseVersion matches released Go versions only: patches are made against
// release sources, so devel builds and release candidates are refused.
var releaseVersion = regexp.MustCompile(`^(go1\.[0-9]+)\.[0-9]+$`)

// lineFor maps a GOVERSION such as go1.26.8 to its patch set, go1.26.
func lineFor(goversion string, supported []string) (string, error) {
	if m := releaseVersion.FindStringSubmatch(goversion); m != nil && slices.Contains(supported, m[1]) {
		return m[1], nil
	}
	return "", fmt.Errorf("Go %s is not supported by this detgo (supported: %s); put a supported go first in PATH",
		goversion, supportedList(supported))
}

// supportedList formats lines for messages: "go1.26.x, go1.27.x".
func supportedList(lines []string) string {
	if len(lines) == 0 {
		return "none"
	}
	var s []string
	for _, l := range lines {
		s = append(s, l+".x")
	}
	return strings.Join(s, ", ")
}

// oneLine condenses a command's stderr into one line for an error message,
// falling back to err when the command printed nothing.
func oneLine(stderr string, err error) string {
	stderr = strings.TrimSpace(stderr)
	if stderr == "" {
		return err.Error()
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(stderr, "\n", "; ")), " ")
}
