package swarm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/detgo/detgo/gotest"
)

// A pkg is one package of the swarm with its compiled test binary.
type pkg struct {
	PackageInfo
	index  int
	dir    string // the package directory: the binary runs here, as under go test
	binary string
}

type job struct {
	pkg  *pkg
	seed uint64
}

type result struct {
	rec     Record
	output  []byte // the failing run's output
	discard bool   // the swarm stopped the run: not a result
}

// A worker runs test binaries one at a time in its own directory:
//
//	<swarm dir>/w001/tmp     TMPDIR, emptied before every run
//	<swarm dir>/w001/report  the runtime's report
//	<swarm dir>/w001/output  the run's stdout and stderr
//
// Every worker's directory has a name of the same length, so TMPDIR is a
// string of the same length in every run, but it is not the same string in
// every worker, nor the same as under detgo test. Temporary names inside it
// come from the seed; a test that prints or branches on the directory's
// path itself sees a different path in a replay.
type worker struct {
	id      int
	dir     string
	env     []string // the run environment, less DETGO_SEED
	timeout time.Duration
}

func newWorker(swarmDir string, id int, base []string, sched string, sim gotest.SimOptions, timeout time.Duration) (*worker, error) {
	w := &worker{id: id, dir: filepath.Join(swarmDir, fmt.Sprintf("w%03d", id)), timeout: timeout}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, err
	}
	w.env = gotest.RunEnv(base, w.tmpDir(), sched, w.reportPath(), sim)
	return w, nil
}

func (w *worker) tmpDir() string     { return filepath.Join(w.dir, "tmp") }
func (w *worker) reportPath() string { return filepath.Join(w.dir, "report") }
func (w *worker) outputPath() string { return filepath.Join(w.dir, "output") }
func (w *worker) tapePath() string   { return filepath.Join(w.dir, "tape") }

// A run is the outcome of one run of a test binary.
type run struct {
	exit      int
	timedOut  bool // stopped by the real-time limit
	stopped   bool // killed because the swarm stopped
	real      time.Duration
	report    gotest.Report
	strategy  string // the report's strategy line, if any
	reportErr error
	output    []byte // read only when asked for
}

// run runs p's test binary once with seed and args. It reads the output
// back if keepOutput says so for the run's exit status.
func (w *worker) run(stop context.Context, p *pkg, seed uint64, args, extraEnv []string, keepOutput func(exit int) bool) run {
	var r run
	fail := func(err error) run {
		r.exit, r.reportErr = 2, err
		r.output = []byte(fmt.Sprintf("detgo: swarm worker %d: %v\n", w.id, err))
		return r
	}
	// An empty TMPDIR at the same path in every run of this worker.
	if err := gotest.RemoveAll(w.tmpDir()); err != nil {
		return fail(err)
	}
	if err := os.Mkdir(w.tmpDir(), 0o755); err != nil {
		return fail(err)
	}
	if err := os.Remove(w.reportPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	out, err := os.OpenFile(w.outputPath(), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return fail(err)
	}
	defer out.Close()

	ctx, cancel := context.WithTimeout(stop, w.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.binary, args...)
	cmd.Dir = p.dir
	// go test runs a test binary with PWD set to the package directory.
	cmd.Env = append(slices.Clip(w.env), "PWD="+p.dir, "DETGO_SEED="+strconv.FormatUint(seed, 10))
	cmd.Env = append(cmd.Env, extraEnv...) // os/exec keeps the last of a repeated variable
	cmd.Stdout, cmd.Stderr = out, out
	// If detgo dies, even by SIGKILL, its test binaries die with it. In a
	// process group of its own, a test binary does not get the terminal's
	// ^C: detgo stops it, and does not mistake its death for a failure.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	var stopped, timedOut atomic.Bool
	cmd.Cancel = func() error {
		if stop.Err() != nil {
			stopped.Store(true)
			return cmd.Process.Kill()
		}
		timedOut.Store(true)
		// On the real-time limit, SIGQUIT first: the Go runtime prints every
		// goroutine's stack, which shows where the test hung.
		return cmd.Process.Signal(syscall.SIGQUIT)
	}
	cmd.WaitDelay = gotest.QuitGrace
	start := time.Now()
	err = cmd.Run()
	r.real = time.Since(start)
	if cmd.ProcessState == nil {
		if stop.Err() != nil { // stopped before it started
			r.stopped = true
			return r
		}
		return fail(err)
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	r.exit = cmd.ProcessState.ExitCode()
	if ws.Signaled() {
		r.exit = 128 + int(ws.Signal())
	}
	// A run that exited by itself as the swarm stopped is a result all the same.
	r.stopped = stopped.Load() && !cmd.ProcessState.Exited()
	r.timedOut = timedOut.Load()
	if r.stopped {
		return r
	}
	data, err := os.ReadFile(w.reportPath())
	if err != nil {
		r.reportErr = err
	} else if r.report, err = gotest.ParseReport(data); err != nil {
		r.reportErr = fmt.Errorf("report %s: %v", w.reportPath(), err)
	} else {
		r.strategy = reportValue(data, "strategy")
	}
	if keepOutput != nil && (r.timedOut || keepOutput(r.exit)) {
		r.output, _ = os.ReadFile(w.outputPath())
	}
	return r
}

// reportValue returns the first value of key in a report, or "".
func reportValue(data []byte, key string) string {
	for line := range bytes.Lines(data) {
		f := strings.Fields(string(line))
		if len(f) >= 2 && f[0] == key {
			return f[1]
		}
	}
	return ""
}

// runJob runs one seed of one package (twice with -check) and makes its record.
func (s *swarm) runJob(stop context.Context, w *worker, j job) result {
	always := func(int) bool { return true }
	failed := func(exit int) bool { return exit != 0 }
	keep := failed
	if s.cfg.Inv.Check {
		keep = always
	}
	r := w.run(stop, j.pkg, j.seed, s.runArgs, nil, keep)
	if r.stopped {
		return result{discard: true}
	}
	rec := Record{
		Type:      "seed",
		Package:   j.pkg.ImportPath,
		Seed:      j.seed,
		Sched:     s.cfg.Inv.Sched,
		Strategy:  r.strategy,
		Outcome:   Pass,
		Exit:      r.exit,
		VirtualNS: r.report.VNow,
		RealNS:    r.real.Nanoseconds(),
		Steps:     r.report.Steps,
		Nondet:    r.report.Nondet,
		Worker:    w.id,
	}
	if rec.Strategy == "" {
		rec.Strategy = r.report.Sched
	}
	if rec.Strategy == "" {
		rec.Strategy = s.cfg.Inv.Sched
	}
	if r.reportErr == nil {
		rec.Hash = fmt.Sprintf("0x%016x", r.report.Hash)
		if r.report.HasChoices {
			rec.Choices = &r.report.Choices
		}
	}
	var problem string
	switch {
	case r.timedOut:
		rec.Outcome = Timeout
	case r.exit != 0:
		rec.Outcome = Fail
	case errors.Is(r.reportErr, fs.ErrNotExist):
		rec.Outcome = Error
		problem = "the test binary did not run on the detgo runtime (no report); run 'detgo toolchain verify'"
	case r.reportErr != nil:
		rec.Outcome = Error
		problem = r.reportErr.Error()
	case r.report.Seed != j.seed:
		rec.Outcome = Error
		problem = fmt.Sprintf("the runtime's report is for seed %d, not %d", r.report.Seed, j.seed)
	}
	output := r.output
	if s.cfg.Inv.Check && !r.timedOut {
		r2 := w.run(stop, j.pkg, j.seed, s.runArgs, nil, always)
		if r2.stopped {
			return result{discard: true}
		}
		rec.RealNS += r2.real.Nanoseconds()
		diff := gotest.CompareRuns(
			gotest.Run{ExitCode: r.exit, Output: r.output, Report: r.report, ReportErr: r.reportErr},
			gotest.Run{ExitCode: r2.exit, Output: r2.output, Report: r2.report, ReportErr: r2.reportErr})
		if diff != nil && rec.Outcome != Error {
			rec.Outcome = Nondet
			problem = "two runs of the seed differ: " + diff[0]
		}
	}
	if !rec.Failed() {
		return result{rec: rec}
	}
	f := parseFailure(output)
	switch {
	case rec.Outcome == Timeout:
		f.Message = fmt.Sprintf("still running after -timeout=%v of real time; stopped with SIGQUIT", w.timeout)
	case problem != "":
		f.Message = problem
	case f.Message == "":
		f.Message = fmt.Sprintf("exit status %d", r.exit)
	}
	rec.Test, rec.Message, rec.Frames = f.Test, f.Message, f.Frames
	rec.Signature = signature(rec.Package, rec.Outcome, f)
	rec.Replay = s.fullReplay(j.pkg.Arg, j.seed, rec.Strategy).String()
	return result{rec: rec, output: output}
}

// fullReplay is the detgo test command that runs seed exactly as the swarm
// did. It names the strategy the runtime ran (what a portfolio chose for
// the seed), which replays the same run.
func (s *swarm) fullReplay(pkgArg string, seed uint64, strategy string) gotest.Replay {
	flags := s.cfg.Inv.FullReplayFlags()
	if s.cfg.Inv.Check {
		flags = append([]string{"-check"}, flags...)
	}
	return gotest.Replay{
		Seed:       seed,
		Sched:      strategy,
		Flags:      flags,
		Package:    pkgArg,
		BinaryArgs: s.cfg.Inv.BinaryArgs,
	}
}
