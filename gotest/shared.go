package gotest

// This file is what detgo swarm (package swarm) shares with detgo test: it
// builds the same test binary with go test -c and runs it directly, with the
// arguments and environment detgo test's wrapper would give it, so that a
// seed found by a swarm replays under detgo test.

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// QuitGrace is how long a test binary has to print its goroutine dump after
// SIGQUIT before it is killed.
const QuitGrace = quitGrace

// RunEnv returns the environment of every run of a test binary: base less
// the variables that would change the program's behaviour behind the seed's
// back (and any DETGO_*), plus the pinned ones, TMPDIR, DETGO_SCHED and
// DETGO_REPORT. The caller adds DETGO_SEED.
func RunEnv(base []string, tmp, sched, report string, sim SimOptions) []string {
	return runEnv(base, tmp, sched, report, sim)
}

// ListPackages runs go list on patterns in dir and returns the packages'
// import paths by directory, or an error naming the first package that
// cannot be loaded.
func ListPackages(ctx context.Context, dir string, env, flags, patterns []string) (map[string]string, error) {
	return listPackages(ctx, dir, env, flags, patterns)
}

// RemoveAll is os.RemoveAll that also removes what a test left read-only.
func RemoveAll(dir string) error { return removeAll(dir) }

// TimeoutGiven reports whether the command line had -timeout.
func (inv *Invocation) TimeoutGiven() bool {
	for _, a := range inv.userFlags {
		if a.Name == "timeout" {
			return true
		}
	}
	return false
}

// BuildFlags returns the flags for 'go test -c' that build the test binary
// detgo test would build: the merged -tags and the user's build flags (go
// test's test flags, -json and -vet only matter when go test runs the
// binary). The toolchain's flags come first, from the caller.
func (inv *Invocation) BuildFlags() []string {
	out := []string{"-tags=" + inv.Tags()}
	for _, a := range inv.Flags {
		if goFlags[a.Name].test || a.Name == "json" || a.Name == "vet" {
			continue
		}
		out = append(out, a.String())
	}
	return out
}

// GoTestBinaryArgs returns the arguments go test gives the test binary when
// detgo test runs it (cmd/go/internal/test's testFlags): -test.paniconexit0,
// -test.v=test2json with -json, then every test flag of TestFlags as
// -test.name=value in command-line order, with the value as go test's flag
// package prints it, then the arguments after -args.
func (inv *Invocation) GoTestBinaryArgs() []string {
	out := []string{"-test.paniconexit0"}
	for _, a := range inv.Flags {
		if a.Name == "json" && (!a.HasValue || a.Value == "true") {
			out = append(out, "-test.v=test2json")
		}
	}
	for _, a := range inv.TestFlags() {
		name, value, hasValue := strings.Cut(a[1:], "=")
		if !goFlags[name].test {
			continue
		}
		out = append(out, "-test."+name+"="+forwardedValue(name, value, hasValue))
	}
	return append(out, inv.BinaryArgs...)
}

// forwardedValue is the value of test flag name as go test forwards it:
// the String of its flag.Value after parsing.
func forwardedValue(name, value string, hasValue bool) string {
	switch name {
	case "timeout":
		if d, err := time.ParseDuration(value); err == nil {
			return d.String()
		}
	case "count", "parallel":
		if n, err := strconv.ParseInt(value, 0, strconv.IntSize); err == nil {
			return strconv.FormatInt(n, 10)
		}
	case "v":
		if value == "test2json" {
			return value
		}
		fallthrough
	default:
		if goFlags[name].value {
			return value
		}
		if !hasValue {
			return "true"
		}
		if b, err := strconv.ParseBool(value); err == nil {
			return strconv.FormatBool(b)
		}
	}
	return value
}

// RunArgs returns the arguments detgo test's wrapper runs the test binary
// with for inv: the simulated-time alarm, then GoTestBinaryArgs less the
// -test.timeout=0s that detgo test's -timeout=0 makes go test forward.
func (inv *Invocation) RunArgs() []string { return binaryArgs(inv.GoTestBinaryArgs(), inv.Sim) }

// NarrowedRunArgs returns the arguments detgo test's wrapper runs the test
// binary with for a replay line that names tests with -run (see Replay).
func (inv *Invocation) NarrowedRunArgs(tests []string) []string {
	return binaryArgs(narrowedArgs(inv.GoTestBinaryArgs(), len(inv.BinaryArgs), tests), inv.Sim)
}
