package gotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/detgo/detgo/decisionlog"
	"github.com/detgo/detgo/seeds"
	"github.com/detgo/detgo/timeline"
)

// ExecOptions are the surroundings of detgo exec. Zero values mean the
// process's own.
type ExecOptions struct {
	Stdout  io.Writer // the test binary's stdout and stderr both go here, as with go test
	Environ []string
	Dir     string // the package directory go test runs the wrapper in
}

// pinnedEnv are the variables every run gets, whatever the user's
// environment says: each is an input to the program that the seed does not
// control (runtime-notes §1.15).
var pinnedEnv = []string{
	"TZ=UTC",
	"GOGC=100",
	"GODEBUG=asyncpreemptoff=1,updatemaxprocs=0,netdns=go,fips140=off",
}

// droppedEnv are the variables removed from the inherited environment, besides DETGO_*.
var droppedEnv = []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG", "TZ", "TMPDIR"}

// quitGrace is how long a test binary has to print its goroutine dump after
// SIGQUIT before it is killed.
const quitGrace = 5 * time.Second

// Exec is detgo exec: go test runs it as -exec, in the package directory,
// with the test binary and its arguments. It runs the binary once per seed
// (twice with -check) in a fixed environment and reports each failing seed
// with a replay line. It returns 0 if every run passed, 1 if any failed; an
// error means the wrapper itself could not work.
func Exec(ctx context.Context, args []string, opts ExecOptions) (int, error) {
	if len(args) == 0 {
		return 2, errors.New("exec: no test binary given (detgo exec is run by detgo test through go test -exec)")
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	if opts.Dir == "" {
		dir, err := os.Getwd()
		if err != nil {
			return 2, err
		}
		opts.Dir = dir
	}
	// Die with go test (see Test), not live on holding the run lock.
	dieWithParent()
	cfgPath := lookupEnv(opts.Environ, EnvRun)
	if cfgPath == "" {
		return 2, fmt.Errorf("exec: $%s is not set (detgo exec is run by detgo test through go test -exec)", EnvRun)
	}
	cfg, err := readConfig(cfgPath)
	if err != nil {
		return 2, fmt.Errorf("exec: %v", err)
	}
	list, err := seeds.Parse(cfg.Seeds)
	if err != nil {
		return 2, fmt.Errorf("exec: %s: %v", cfgPath, err)
	}

	sum := sha256.Sum256([]byte(opts.Dir))
	w := &wrapper{
		cfg:    cfg,
		out:    opts.Stdout,
		runDir: filepath.Join(cfg.CacheRoot, "run", hex.EncodeToString(sum[:])[:12]),
		given:  args[1:],
		args:   binaryArgs(args[1:], cfg.Sim),
		pkg:    PackageArg(opts.Dir, cfg.Cwd, cfg.Packages[opts.Dir]),
	}
	w.importPath = cfg.Packages[opts.Dir]
	w.env = runEnv(opts.Environ, w.tmpDir(), cfg.Sched, w.reportPath(), cfg.Sim)
	// Every run records its decision tape (recording does not change the
	// run); a failing seed's tape is kept (saveTape).
	w.env = append(w.env, "DETGO_TAPE_OUT="+w.tapePath())
	if cfg.Tape != "" {
		w.env = append(w.env, "DETGO_TAPE="+cfg.Tape)
	}
	failfast := slices.Contains(args[1:], "-test.failfast=true") || slices.Contains(args[1:], "-test.failfast")

	// One wrapper at a time per package directory: two detgo processes
	// testing the same package would share the stable binary, TMPDIR and report.
	if err := os.MkdirAll(w.runDir, 0o755); err != nil {
		return 2, err
	}
	unlock, err := lockedfile.MutexAt(filepath.Join(w.runDir, "lock")).Lock()
	if err != nil {
		return 2, err
	}
	defer unlock()
	// A stable path, so os.Args[0] is the same string in every run.
	w.binary = filepath.Join(w.runDir, filepath.Base(args[0]))
	if err := linkOrCopy(args[0], w.binary); err != nil {
		return 2, fmt.Errorf("exec: %v", err)
	}
	// Leave only the lock and the last report behind: a copy of every test
	// binary ever run, one per package, would fill the cache.
	defer os.Remove(w.binary)
	defer removeAll(w.tmpDir())

	failed := false
	for seed := range list.All() {
		if ctx.Err() != nil {
			break
		}
		if list.Len() > 1 {
			fmt.Fprintf(w.out, "detgo: seed=%d sched=%s\n", seed, cfg.Sched)
		}
		if !w.runSeed(ctx, seed) {
			failed = true
			if failfast {
				break
			}
		}
	}
	if w.runs > 0 && !w.choices && !failed { // a failure says more than the note
		fmt.Fprintf(w.out, "detgo: note: these tests never had two goroutines runnable at once, so seeds change only random values (maps, rand, temp names), not the interleaving\n")
	}
	switch {
	case failed:
		return 1, nil
	case ctx.Err() != nil:
		return 2, errors.New("exec: interrupted")
	}
	return 0, nil
}

// binaryArgs returns the test binary's arguments: the simulated-time alarm
// first, so that a -test.timeout the user gave after -args still wins, then
// what go test passed, less the -test.timeout=0s that it forwards from the
// -timeout=0 detgo gave it.
func binaryArgs(args []string, sim SimOptions) []string {
	out := []string{"-test.timeout=" + sim.simTimeout().String()}
	if i := slices.Index(args, "-test.timeout=0s"); i >= 0 {
		return append(append(out, args[:i]...), args[i+1:]...)
	}
	return append(out, args...)
}

type wrapper struct {
	cfg    *RunConfig
	out    io.Writer
	runDir string
	binary string   // the stable copy of the test binary
	given  []string // the arguments go test gave it
	args   []string // the arguments it runs with
	env    []string // its environment, less DETGO_SEED
	pkg    string   // the package as a replay line names it

	importPath string // the package's, for the timeline's title

	// Whether any run had a real scheduling choice, to notice when seeds
	// change nothing (tests that never have two goroutines runnable at once).
	choices bool
	runs    int

	traceEnv []string // DETGO_TRACE* for the runs that explain a -check divergence
}

func (w *wrapper) tmpDir() string     { return filepath.Join(w.runDir, "tmp") }
func (w *wrapper) reportPath() string { return filepath.Join(w.runDir, "report") }
func (w *wrapper) tapePath() string   { return filepath.Join(w.runDir, "tape") }

// timelineLog is where the runtime writes the decision log a timeline is drawn from.
func (w *wrapper) timelineLog() string { return filepath.Join(w.runDir, "timeline.log") }

// writeTimeline turns the decision log of the run of seed into the timeline
// file (-timeline), says where it is, and returns what went wrong, if anything.
func (w *wrapper) writeTimeline(seed uint64, r Report) []string {
	data, err := os.ReadFile(w.timelineLog())
	os.Remove(w.timelineLog())
	if err != nil {
		return []string{fmt.Sprintf("detgo: -timeline: %v", err)}
	}
	events, err := decisionlog.Parse(data)
	if err != nil {
		return []string{fmt.Sprintf("detgo: -timeline: the decision log: %v", err)}
	}
	var buf bytes.Buffer
	pkg := w.importPath
	if pkg == "" {
		pkg = w.pkg
	}
	title := fmt.Sprintf("%s seed=%d sched=%s", pkg, seed, r.Sched)
	if err := timeline.Write(&buf, events, timeline.Run{Title: title, EndNow: r.VNow}); err != nil {
		return []string{fmt.Sprintf("detgo: -timeline: %v", err)}
	}
	if err := os.WriteFile(w.cfg.Timeline, buf.Bytes(), 0o644); err != nil {
		return []string{fmt.Sprintf("detgo: -timeline: %v", err)}
	}
	fmt.Fprintf(w.out, "detgo: timeline: %s (%d decisions; open it in ui.perfetto.dev)\n", w.cfg.Timeline, len(events))
	return nil
}

// runSeed runs one seed (twice with -check), prints what went wrong, and
// reports whether the seed passed.
func (w *wrapper) runSeed(ctx context.Context, seed uint64) bool {
	var scan failScanner
	var problems []string
	var r Run
	if !w.cfg.Check {
		if w.cfg.Timeline != "" {
			// The decision log in detail, for the timeline; writing it
			// does not change the run.
			w.traceEnv = []string{"DETGO_TRACE=" + w.timelineLog(), "DETGO_TRACE_DETAIL=1"}
		}
		r = w.run(ctx, seed, w.args, io.MultiWriter(w.out, &scan))
		w.traceEnv = nil
		problems = w.reportProblem(seed, r)
		if w.cfg.Timeline != "" && r.ReportErr == nil {
			problems = append(problems, w.writeTimeline(seed, r.Report)...)
		}
	} else {
		r = w.run(ctx, seed, w.args, nil)
		r2 := w.run(ctx, seed, w.args, nil)
		w.out.Write(r.Output)
		scan.Write(r.Output)
		scan.Write(r2.Output) // a test that failed only the second time is worth a -run too
		problems = w.reportProblem(seed, r)
		if len(problems) == 0 {
			problems = w.reportProblem(seed, r2)
		}
		if diff := CompareRuns(r, r2); diff != nil {
			diff = append(diff, w.explainDivergence(ctx, seed, r, r2)...)
			problems = append(problems, fmt.Sprintf("detgo: -check: seed=%d: two runs differ: %s", seed, strings.Join(diff, "\n\t")))
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(w.out, "detgo: interrupted at seed=%d\n", seed)
		return false
	}
	if w.cfg.Tape != "" && r.ReportErr == nil {
		fmt.Fprintln(w.out, tapeStatus(r.Report))
	}
	if r.ReportErr == nil && r.Report.HasChoices {
		w.runs++
		w.choices = w.choices || r.Report.Choices > 0
	}
	for _, p := range problems {
		fmt.Fprintln(w.out, p)
	}
	if r.ExitCode == 0 && len(problems) == 0 {
		return true
	}
	sched := r.Report.Sched // the strategy the runtime ran, e.g. what the portfolio chose
	if sched == "" {
		sched = w.cfg.Sched
	}
	replay := Replay{
		Tests:      scan.Names(),
		Seed:       seed,
		Sched:      sched, // explicit -sched=S replays what the portfolio chose for seed
		Flags:      w.cfg.ReplayFlags,
		Package:    w.pkg,
		BinaryArgs: w.cfg.BinaryArgs,
	}
	fmt.Fprintf(w.out, "detgo: FAIL seed=%d sched=%s\n", seed, sched)
	tape, tapeErr := w.saveTape(seed)
	// A replay line that names the failing tests is only printed once it is
	// seen to fail: tests that ran before them, or a flag such as -run itself,
	// can change the schedule. Otherwise the replay runs the binary exactly as
	// this run did.
	if len(replay.Tests) > 0 && !w.fails(ctx, seed, narrowedArgs(w.given, len(w.cfg.BinaryArgs), replay.Tests)) {
		if ctx.Err() != nil {
			return false
		}
		fmt.Fprintf(w.out, "detgo: seed=%d passes with -run %s alone; the replay runs the same tests as this run\n",
			seed, shellQuote(runPattern(replay.Tests)))
		replay.Tests = nil
	}
	if len(replay.Tests) == 0 {
		replay.Flags = w.cfg.FullFlags
	}
	fmt.Fprintf(w.out, "detgo: replay: %s\n", replay)
	if tapeErr != nil {
		fmt.Fprintf(w.out, "detgo: could not keep the decision tape: %v\n", tapeErr)
	} else {
		full := replay
		full.Tests, full.Flags = nil, w.cfg.FullFlags
		fmt.Fprintf(w.out, "detgo: tape: %s\n", full.TapeString(tape))
	}
	return false
}

// saveTape keeps the decision tape of the failing run of seed, which the
// next run would overwrite, under <cache>/tapes/.
func (w *wrapper) saveTape(seed uint64) (string, error) {
	dir := filepath.Join(w.cfg.CacheRoot, "tapes", filepath.Base(w.runDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, fmt.Sprintf("seed-%d.tape", seed))
	data, err := os.ReadFile(w.tapePath())
	if err != nil {
		return "", err
	}
	return dst, os.WriteFile(dst, data, 0o644)
}

// explainDivergence runs seed twice more with the runtime's decision log on
// for the window of steps in which runs a and b split, and names the first
// decision that differs: which goroutine, where in the code, at what virtual
// time. The divergence may not happen again (it is nondeterminism after
// all); then it says so.
func (w *wrapper) explainDivergence(ctx context.Context, seed uint64, a, b Run) []string {
	if a.ReportErr != nil || b.ReportErr != nil || a.Report.Hash == b.Report.Hash {
		return nil
	}
	from, to, _ := divergenceWindow(a.Report, b.Report)
	var logs [2][]byte
	for i := range logs {
		path := filepath.Join(w.runDir, fmt.Sprintf("trace%d", i+1))
		w.traceEnv = []string{"DETGO_TRACE=" + path, "DETGO_TRACE_FROM=" + strconv.FormatUint(from, 10), "DETGO_TRACE_TO=" + strconv.FormatUint(to, 10)}
		w.run(ctx, seed, w.args, nil)
		w.traceEnv = nil
		logs[i], _ = os.ReadFile(path)
		os.Remove(path)
	}
	la, lb, differ := FirstEventDiff(logs[0], logs[1])
	if !differ {
		return []string{fmt.Sprintf("two more runs with the decision log on for steps %d-%d agreed, so the first differing decision could not be named", from, to)}
	}
	return []string{"first differing decision, run 1: " + la, "first differing decision, run 2: " + lb}
}

// fails runs seed with the test binary arguments args, quietly, and reports
// whether the run failed.
func (w *wrapper) fails(ctx context.Context, seed uint64, args []string) bool {
	r := w.run(ctx, seed, binaryArgs(args, w.cfg.Sim), nil)
	return r.ExitCode != 0 || w.reportProblem(seed, r) != nil
}

// narrowedArgs returns the arguments go test gives the test binary for a
// replay line naming tests, from those it gave for the failing run (given,
// whose last nBinary came after -args). go test forwards test flags as
// -test.name=value in command-line order, and a replay line has its -run
// just before the user's flags, that is right after the -timeout=0 that
// detgo puts before them, and none of the user's -run or -failfast.
func narrowedArgs(given []string, nBinary int, tests []string) []string {
	nBinary = min(nBinary, len(given))
	head, tail := given[:len(given)-nBinary], given[len(given)-nBinary:]
	run := "-test.run=" + runPattern(tests)
	var out []string
	for _, a := range head {
		if strings.HasPrefix(a, "-test.run=") || strings.HasPrefix(a, "-test.failfast=") {
			continue
		}
		out = append(out, a)
		if a == "-test.timeout=0s" && run != "" {
			out, run = append(out, run), ""
		}
	}
	if run != "" {
		out = append(out, run)
	}
	return append(out, tail...)
}

// reportProblem checks the runtime's report of run r and returns what is
// wrong with it, if anything. A run without a report did not run on the
// detgo runtime as far as detgo can tell, and never counts as a pass.
func (w *wrapper) reportProblem(seed uint64, r Run) []string {
	path := w.reportPath()
	switch {
	case errors.Is(r.ReportErr, fs.ErrNotExist) && r.ExitCode == 0:
		return []string{fmt.Sprintf("detgo: the test binary did not run on the detgo runtime (no report at %s); run 'detgo toolchain verify'", path)}
	case errors.Is(r.ReportErr, fs.ErrNotExist):
		return []string{fmt.Sprintf("detgo: no report at %s: the test binary exited with status %d before the detgo runtime wrote one, or it did not run on the detgo runtime ('detgo toolchain verify' checks)", path, r.ExitCode)}
	case r.ReportErr != nil:
		return []string{"detgo: " + r.ReportErr.Error()}
	case r.Report.Seed != seed:
		return []string{fmt.Sprintf("detgo: the report at %s is for seed %d, not %d", path, r.Report.Seed, seed)}
	case r.Report.Nondet > 0:
		// The runtime printed the goroutine and its stack ("detgo: tight loop").
		return []string{fmt.Sprintf("detgo: seed %d is not reproducible: a goroutine ran without reaching a scheduling point until the watchdog stopped it, %d time(s), where real time said (see \"detgo: tight loop\" above)", seed, r.Report.Nondet)}
	}
	return nil
}

// run runs the test binary once with seed and args. Its stdout and stderr
// go to stream, or into the Run's Output if stream is nil.
func (w *wrapper) run(ctx context.Context, seed uint64, args []string, stream io.Writer) Run {
	// fail reports a problem of the wrapper's own as a failed run. %v, not
	// %w: it must not look like a missing report.
	fail := func(err error) Run { return Run{ExitCode: 2, ReportErr: fmt.Errorf("%v", err)} }
	// The same TMPDIR path in every run, empty: temp names are seeded, so
	// they repeat, and leftovers would change what the test sees.
	if err := removeAll(w.tmpDir()); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(w.tmpDir(), 0o755); err != nil {
		return fail(err)
	}
	if err := os.Remove(w.reportPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	// -timeout bounds real time, as under go test; the binary's own alarm
	// (-simtimeout) bounds simulated time.
	runCtx := ctx
	if w.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, w.cfg.Timeout)
		defer cancel()
	}
	var capture bytes.Buffer
	if stream == nil {
		stream = &capture
	}
	cmd := exec.CommandContext(runCtx, w.binary, args...)
	// On timeout, SIGQUIT first: the Go runtime prints every goroutine's
	// stack, which is what a user needs to see where the test hung.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // no test binary outlives its wrapper
	cmd.Env = append(slices.Clip(w.env), "DETGO_SEED="+strconv.FormatUint(seed, 10))
	cmd.Env = append(cmd.Env, w.traceEnv...)
	cmd.Stdout, cmd.Stderr = stream, stream // one writer, one pipe: the order of lines is kept
	cmd.WaitDelay = quitGrace
	err := cmd.Run()
	if cmd.ProcessState == nil {
		return fail(err)
	}
	if ctx.Err() == nil && runCtx.Err() == context.DeadlineExceeded {
		fmt.Fprintf(w.out, "detgo: test binary still running after -timeout=%v of real time (seed=%d); stopped it with SIGQUIT (goroutine dump above)\n", w.cfg.Timeout, seed)
	}
	r := Run{ExitCode: cmd.ProcessState.ExitCode(), Output: capture.Bytes()}
	if r.ExitCode < 0 { // killed by a signal
		r.ExitCode = 2
	}
	r.Report, r.ReportErr = ReadReport(w.reportPath())
	return r
}

// runEnv returns the environment of every run: the inherited one without
// the variables that would change the program's behaviour behind the seed's
// back (and any DETGO_*), plus the pinned ones and detgo's own.
func runEnv(base []string, tmp, sched, report string, sim SimOptions) []string {
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if slices.Contains(droppedEnv, k) || strings.HasPrefix(k, "DETGO_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, pinnedEnv...)
	env = append(env, "TMPDIR="+tmp, "DETGO_SCHED="+sched, "DETGO_REPORT="+report)
	return append(env, sim.Env()...)
}

func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// linkOrCopy puts the file src at dst, by a hard link where it can.
func linkOrCopy(src, dst string) error {
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeAll is os.RemoveAll that also removes what a test left read-only
// (a module cache, a chmod test).
func removeAll(dir string) error {
	if os.RemoveAll(dir) == nil {
		return nil
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o755)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// dieWithParent asks the kernel to send SIGTERM to this process when its
// parent (go test) dies; detgo's main turns SIGTERM into cancellation, which
// stops the running test binary and releases the run lock.
func dieWithParent() {
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}
