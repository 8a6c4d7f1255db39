package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// A Runner runs commands in the scratch module, each with a real-time
// limit, optionally inside a fresh network namespace where only loopback
// exists (so that no test can reach a non-loopback address, whatever it tries).
type Runner struct {
	Dir   string   // the scratch module
	Env   []string // added to os.Environ()
	NetNS bool
}

// Result is one command's outcome.
type Result struct {
	Cmd     []string
	Out     []byte
	Exit    int
	Wall    time.Duration
	Killed  bool // the real-time limit ran out
	Started bool
}

// Run runs argv with limit. Output is stdout and stderr interleaved.
func (r *Runner) Run(ctx context.Context, limit time.Duration, argv ...string) Result {
	full := argv
	if r.NetNS {
		full = append([]string{"unshare", "-n", "sh", "-c", `ip link set lo up && exec "$@"`, "sh"}, argv...)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, full[0], full[1:]...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), r.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The whole process group: go test, its test binaries, detgo's wrapper.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	res := Result{Cmd: argv, Wall: time.Since(t0), Started: cmd.ProcessState != nil}
	res.Killed = ctx.Err() == context.DeadlineExceeded
	if res.Killed {
		fmt.Fprintf(&out, "\ncompat: killed after %v of real time\n", limit)
	}
	res.Out = out.Bytes()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Exit = ee.ExitCode()
		if res.Exit < 0 {
			res.Exit = 2
		}
	default:
		res.Exit = 2
		fmt.Fprintf(&out, "\ncompat: %v\n", err)
		res.Out = out.Bytes()
	}
	return res
}

// netnsWorks reports whether unshare -n can give us a loopback-only namespace.
func netnsWorks() bool {
	out, err := exec.Command("unshare", "-n", "sh", "-c", "ip link set lo up && ip -o addr").CombinedOutput()
	return err == nil && strings.Contains(string(out), "127.0.0.1")
}
