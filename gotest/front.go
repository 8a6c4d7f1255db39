package gotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/detgo/detgo/seeds"
)

// Toolchain is what driving go test needs from the patched toolchain
// (package toolchain's *Toolchain).
type Toolchain interface {
	Env(base []string) []string // the go command's environment: GOTOOLCHAIN=local, CGO_ENABLED=0, ...
	BuildFlags() []string       // -overlay=...
}

// Surroundings are what a command sees of its process. Zero values mean
// the process's own (Fill).
type Surroundings struct {
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string
	Dir     string // the user's working directory
}

// Fill replaces the zero values with the process's own.
func (s *Surroundings) Fill() error {
	if s.Stdout == nil {
		s.Stdout = os.Stdout
	}
	if s.Stderr == nil {
		s.Stderr = os.Stderr
	}
	if s.Environ == nil {
		s.Environ = os.Environ()
	}
	if s.Dir == "" {
		dir, err := os.Getwd()
		if err != nil {
			return err
		}
		s.Dir = dir
	}
	return nil
}

// Options are the surroundings of detgo test. Zero values mean the
// process's own, except Ensure and CacheRoot, which are required.
type Options struct {
	Ensure     func(context.Context) (Toolchain, error) // renders or finds the patched toolchain
	CacheRoot  func() (string, error)                   // detgo's cache; runs live under <root>/run
	Executable string                                   // the detgo binary go test runs as -exec
	Surroundings
	Tape string // a decision tape to replay (detgo replay); its seed and strategy are in args
}

// UsageError is an error in the command line: exit status 2, like any
// error of detgo's own, but worth telling apart in tests.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Test is detgo test: it runs go test with the patched toolchain and
// detgo exec as the test binary's runner. It returns go test's exit status
// (0 pass, 1 fail); an error means detgo itself could not run the tests and
// should exit with status 2.
func Test(ctx context.Context, args []string, opts Options) (int, error) {
	inv, err := ParseArgs(args)
	if err != nil {
		if err == ErrHelp {
			return 0, err
		}
		return 2, &UsageError{err}
	}
	if err := opts.Fill(); err != nil {
		return 2, err
	}
	if opts.Executable == "" {
		if opts.Executable, err = os.Executable(); err != nil {
			return 2, fmt.Errorf("finding the detgo binary for go test -exec: %v", err)
		}
	}
	execFlag, err := execCommand(opts.Executable)
	if err != nil {
		return 2, err
	}
	if !inv.SeedGiven {
		var b [8]byte
		rand.Read(b[:])
		seed := binary.LittleEndian.Uint64(b[:])
		inv.Seeds = seeds.One(seed)
		fmt.Fprintf(opts.Stderr, "detgo: seed=%d (random; replay with -seed=%d)\n", seed, seed)
	}
	goDir := opts.Dir // where the go command runs: the user's directory, or -C
	if inv.Dir != "" {
		goDir = inv.Dir
		if !filepath.IsAbs(goDir) {
			goDir = filepath.Join(opts.Dir, goDir)
		}
	}

	tc, err := opts.Ensure(ctx)
	if err != nil {
		return 2, err
	}
	cacheRoot, err := opts.CacheRoot()
	if err != nil {
		return 2, err
	}
	env := tc.Env(opts.Environ)

	// Load the packages first: a typo in a pattern is a one-line error, not
	// a go test failure buried in output.
	pkgs, err := listPackages(ctx, goDir, env, append(tc.BuildFlags(), inv.ListFlags()...), inv.Packages)
	if err != nil {
		return 2, err
	}
	timeline := inv.Timeline
	if timeline != "" {
		if len(pkgs) != 1 {
			return 2, &UsageError{fmt.Errorf("-timeline: draws one run of one package; %s matches %d packages", strings.Join(inv.Packages, " "), len(pkgs))}
		}
		if !filepath.IsAbs(timeline) {
			timeline = filepath.Join(opts.Dir, timeline)
		}
	}

	tmp, err := os.MkdirTemp("", "detgo-test-")
	if err != nil {
		return 2, err
	}
	defer os.RemoveAll(tmp)
	cfgPath, err := writeConfig(tmp, &RunConfig{
		Seeds:       inv.Seeds.String(),
		Sched:       inv.Sched,
		Check:       inv.Check,
		Sim:         inv.Sim,
		Timeline:    timeline,
		Timeout:     inv.Timeout,
		Cwd:         opts.Dir,
		CacheRoot:   cacheRoot,
		ReplayFlags: inv.ReplayFlags(),
		FullFlags:   inv.FullReplayFlags(),
		BinaryArgs:  inv.BinaryArgs,
		Packages:    pkgs,
		Tape:        opts.Tape,
	})
	if err != nil {
		return 2, err
	}

	goArgs := []string{"test", "-exec=" + execFlag}
	goArgs = append(goArgs, tc.BuildFlags()...)
	goArgs = append(goArgs, inv.TestFlags()...)
	goArgs = append(goArgs, inv.Packages...)
	if inv.HasArgs {
		goArgs = append(append(goArgs, "-args"), inv.BinaryArgs...)
	}
	cmd := exec.CommandContext(ctx, "go", goArgs...)
	cmd.Dir = goDir
	cmd.Env = append(env, EnvRun+"="+cfgPath)
	cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stderr
	// On interrupt, let go test stop its test processes and report, as it
	// does when the terminal interrupts it; kill it only if it hangs.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	// If detgo itself is killed (kill -9), go test gets SIGTERM, and so do
	// its detgo exec wrappers in turn (Exec), so that none is left running
	// with its package's run lock.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	err = cmd.Run()
	if cmd.ProcessState == nil {
		return 2, fmt.Errorf("running go test: %v", err)
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code, nil
	}
	return 2, fmt.Errorf("go test: %v", cmd.ProcessState)
}

// execCommand returns the value of go test's -exec flag that runs
// "detgo exec". go test splits it into words at spaces, honouring quotes.
func execCommand(exe string) (string, error) {
	exe, err := filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	switch {
	case !strings.ContainsAny(exe, " \t\n\r'\""):
	case !strings.Contains(exe, "'"):
		exe = "'" + exe + "'"
	case !strings.Contains(exe, `"`):
		exe = `"` + exe + `"`
	default:
		return "", fmt.Errorf("the detgo binary's path %q has both kinds of quote; go test -exec cannot run it", exe)
	}
	return exe + " exec", nil
}

// listPackages runs go list on the patterns and returns the packages'
// import paths by directory, or an error naming the first package that
// cannot be loaded.
func listPackages(ctx context.Context, dir string, env, flags, patterns []string) (map[string]string, error) {
	args := append([]string{"list", "-e", "-json=ImportPath,Dir,Error"}, flags...)
	args = append(args, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := firstLine(stderr.String()); msg != "" {
			return nil, errors.New(strings.TrimPrefix(msg, "go: "))
		}
		return nil, fmt.Errorf("go list: %v", err)
	}
	pkgs := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath, Dir string
			Error           *struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list: %v", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("package %q: %s", p.ImportPath, firstLine(p.Error.Err))
		}
		pkgs[p.Dir] = p.ImportPath
	}
	if len(pkgs) == 0 {
		// go list says why on stderr: `go: warning: "./..." matched no packages`.
		if msg := firstLine(stderr.String()); msg != "" {
			return nil, errors.New(strings.TrimPrefix(strings.TrimPrefix(msg, "go: "), "warning: "))
		}
		return nil, fmt.Errorf("no packages to test in %s", strings.Join(patterns, " "))
	}
	return pkgs, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
