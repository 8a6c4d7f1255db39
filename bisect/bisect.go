package bisect

// This file is detgo bisect's driver: the command line, the failing run,
// the rounds of Minimize over its switches, the check that the minimal tape
// fails on replay, and the report. The package doc (ddmin.go) tells the
// protocol.

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
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/detgo/detgo/decisionlog"
	"github.com/detgo/detgo/gotest"
	"github.com/detgo/detgo/swarm"
	"github.com/detgo/detgo/timeline"
)

// Options are the surroundings of detgo bisect. Zero values mean the
// process's own, except Ensure and CacheRoot, which are required.
type Options struct {
	Ensure    func(context.Context) (gotest.Toolchain, error)
	CacheRoot func() (string, error) // bisect works in <root>/bisect/<id>/
	// Stdout gets the report, Stderr progress and build output.
	gotest.Surroundings
}

// DefaultRunTimeout bounds the real time of each run when -timeout is not
// given: a candidate schedule can hang (a switch that was needed to end a
// spin is gone), and a hang is not the failure being shrunk.
const DefaultRunTimeout = time.Minute

// Config is a parsed detgo bisect command line.
type Config struct {
	Inv     *gotest.Invocation
	Tape    string // -tape: shrink this tape's run instead of a seed's
	Out     string // -o: where the minimal tape goes
	Workers int    // candidate runs at once
}

// ParseArgs parses the arguments of detgo bisect: -tape, -o and -workers,
// then detgo test's flags (-seed, -sched, -run, build flags, one package).
func ParseArgs(args []string) (*Config, error) {
	cfg := &Config{Workers: 2}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" || a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || (name != "o" && name != "workers") {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "o":
			cfg.Out = value
		case "workers":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("-workers %q: want a number of at least 1", value)
			}
			cfg.Workers = n
		}
	}
	// -tape is detgo replay's: the tape names the seed and strategy.
	rest, tape, err := gotest.ReplayArgs(rest)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return nil, fmt.Errorf("-tape=%s: %v", pathErr.Path, pathErr.Err)
	}
	if err != nil {
		return nil, err
	}
	cfg.Tape = tape
	if cfg.Inv, err = gotest.ParseArgs(rest); err != nil {
		return nil, err
	}
	inv := cfg.Inv
	switch {
	case !inv.SeedGiven:
		return nil, errors.New("needs the failing run: give -seed=N or -tape=FILE")
	case inv.Seeds.Len() != 1:
		return nil, fmt.Errorf("-seeds %s: bisect shrinks one failing run; give -seed=N", inv.Seeds)
	case inv.Check:
		return nil, errors.New("-check: not for bisect (each candidate run is checked against the failure instead)")
	case len(inv.Packages) != 1:
		return nil, fmt.Errorf("takes one package, not %d (%s)", len(inv.Packages), strings.Join(inv.Packages, " "))
	}
	return cfg, nil
}

// Run is detgo bisect. It returns the exit status: 0 when it found the
// critical switches and wrote the minimal tape. An error means bisect could
// not do its work (status 2): the run does not fail, the tape is missing,
// a bad command line (a *gotest.UsageError).
func Run(ctx context.Context, args []string, opts Options) (int, error) {
	cfg, err := ParseArgs(args)
	if err != nil {
		if errors.Is(err, gotest.ErrHelp) {
			return 0, err
		}
		return 2, &gotest.UsageError{Err: fmt.Errorf("bisect: %w", err)}
	}
	if err := opts.Fill(); err != nil {
		return 2, err
	}
	b := &bisector{cfg: cfg, opts: opts}
	defer b.cleanUp()
	if err := b.prepare(ctx); err != nil {
		return 2, fmt.Errorf("bisect: %w", err)
	}
	if err := b.run(ctx); err != nil {
		return 2, fmt.Errorf("bisect: %w", err)
	}
	return 0, nil
}

type bisector struct {
	cfg      *Config
	opts     Options
	dir      string // <cache>/bisect/<id>: the test binary and the workers' files
	unlock   func() // releases dir's lock
	binary   string
	pkgDir   string
	pkgArg   string // the package as a replay line names it
	pkgPath  string // its import path
	env      []string
	seed     uint64
	sched    string
	args     []string // the test binary's arguments
	test     string   // the failing test
	narrowed bool     // args run only that test (-run ^Test$)
	sig      string   // the failure's signature
	message  string
	timeout  time.Duration

	mu     sync.Mutex
	runs   int       // candidate runs so far
	rounds int       // of Minimize
	free   []*worker // idle workers
}

// cleanUp removes the bisect's files (the test binary is large) and lets
// the next bisect of the package go ahead.
func (b *bisector) cleanUp() {
	if b.unlock != nil {
		gotest.RemoveAll(b.dir)
		b.unlock()
	}
}

// prepare checks the package and the tape and builds the test binary.
func (b *bisector) prepare(ctx context.Context) error {
	inv := b.cfg.Inv
	if b.cfg.Tape != "" {
		if _, err := os.Stat(b.cfg.Tape); err != nil {
			return fmt.Errorf("-tape: %v", err)
		}
		abs, err := filepath.Abs(b.cfg.Tape)
		if err != nil {
			return err
		}
		b.cfg.Tape = abs
	}
	b.seed = inv.Seeds.Ranges()[0].First
	b.sched = inv.Sched
	b.timeout = DefaultRunTimeout
	if inv.TimeoutGiven() {
		b.timeout = inv.Timeout
	}
	goDir := b.opts.Dir
	if inv.Dir != "" {
		goDir = inv.Dir
		if !filepath.IsAbs(goDir) {
			goDir = filepath.Join(b.opts.Dir, goDir)
		}
	}
	tc, err := b.opts.Ensure(ctx)
	if err != nil {
		return err
	}
	root, err := b.opts.CacheRoot()
	if err != nil {
		return err
	}
	env := tc.Env(b.opts.Environ)
	pkgs, err := gotest.ListPackages(ctx, goDir, env, append(tc.BuildFlags(), inv.ListFlags()...), inv.Packages)
	if err != nil {
		return err
	}
	if len(pkgs) != 1 {
		return fmt.Errorf("takes one package; %s matches %d", inv.Packages[0], len(pkgs))
	}
	for dir, ip := range pkgs {
		b.pkgDir, b.pkgPath = dir, ip
	}
	importPath := b.pkgPath
	b.pkgArg = gotest.PackageArg(b.pkgDir, b.opts.Dir, importPath)
	// One bisect at a time per package: a second waits for the first
	// rather than share its directory.
	sum := sha256.Sum256([]byte(b.pkgDir))
	b.dir = filepath.Join(root, "bisect", hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(filepath.Dir(b.dir), 0o755); err != nil {
		return err
	}
	if b.unlock, err = lockedfile.MutexAt(b.dir + ".lock").Lock(); err != nil {
		return err
	}
	if err := gotest.RemoveAll(b.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return err
	}
	// go test runs a test binary with $GOROOT/bin first in PATH.
	goEnv := exec.CommandContext(ctx, "go", "env", "GOROOT")
	goEnv.Dir, goEnv.Env = goDir, env
	goroot, err := goEnv.Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(goroot)), "bin")
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			path += string(os.PathListSeparator) + p
		}
	}
	b.env = append(slices.Clip(env), "PATH="+path)

	b.binary = filepath.Join(b.dir, "pkg.test")
	build := append([]string{"test", "-c", "-o", b.binary}, tc.BuildFlags()...)
	build = append(append(build, inv.BuildFlags()...), importPath)
	cmd := exec.CommandContext(ctx, "go", build...)
	cmd.Dir, cmd.Env = goDir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.opts.Stderr.Write(out)
		return fmt.Errorf("building the test binary of %s failed", importPath)
	}
	if _, err := os.Stat(b.binary); err != nil {
		return fmt.Errorf("%s: no test files", importPath)
	}
	for i := range b.cfg.Workers {
		w := &worker{dir: filepath.Join(b.dir, fmt.Sprintf("w%03d", i+1))}
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return err
		}
		b.free = append(b.free, w)
	}
	return nil
}

// run finds the failure, shrinks its schedule and reports.
func (b *bisector) run(ctx context.Context) error {
	start := time.Now()
	first, err := b.failingRun(ctx)
	if err != nil {
		return err
	}
	original, err := ParseTape(first.tape)
	if err != nil {
		return fmt.Errorf("the failing run's tape: %v", err)
	}
	allSwitches, testSwitches := original.NonDefault()
	fmt.Fprintf(b.opts.Stderr, "detgo: bisect: %s fails at seed=%d sched=%s: %s\n", b.test, b.seed, b.sched, b.message)
	fmt.Fprintf(b.opts.Stderr, "detgo: bisect: %d decisions, %d of them not the default (%d after the test started); shrinking\n",
		original.decisions(), allSwitches, testSwitches)

	current := original
	for {
		if current, err = b.minimize(ctx, current); err != nil {
			return err
		}
		slid, err := b.slide(ctx, current)
		if err != nil {
			return err
		}
		if slid == nil {
			break
		}
		current = slid
	}

	// The minimal tape must fail on a plain replay, as the user will run it;
	// that run also writes the detailed decision log for the report.
	final := b.candidate(ctx, current, false, true)
	switch {
	case final.err != nil:
		return final.err
	case !final.failedSame && final.report.Nondet > 0:
		return fmt.Errorf("the minimal tape did not fail on replay: the run had %d switches placed by real time (watchdog), which no tape can replay", final.report.Nondet)
	case !final.failedSame:
		return fmt.Errorf("the minimal tape did not fail on replay (exit status %d); this is a detgo bug: please report it", final.exit)
	case final.report.TapeDiverged != 0:
		return fmt.Errorf("the replay of the minimal tape left it at decision %d; this is a detgo bug: please report it", final.report.TapeDiverged)
	}
	out := b.cfg.Out
	switch {
	case out == "" && b.test != "":
		out = b.test + ".min.tape"
	case out == "":
		out = "bisect.min.tape" // a failure outside any test (TestMain, init)
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(b.opts.Dir, out)
	}
	if err := os.WriteFile(out, current.Bytes(), 0o644); err != nil {
		return err
	}
	events, err := decisionlog.Parse(final.log)
	if err != nil {
		return fmt.Errorf("the minimal run's decision log: %v", err)
	}
	if path := b.cfg.Inv.Timeline; path != "" {
		if err := b.writeTimeline(path, events, final.report); err != nil {
			return err
		}
	}
	switches := current.Switches()
	w := b.opts.Stdout
	fmt.Fprintf(w, "detgo: bisect: %s seed=%d sched=%s: %d of %d non-default decisions are critical (%d runs, %v)\n",
		b.test, b.seed, b.sched, len(switches), allSwitches, b.runs, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(w, "    %s\n", b.message)
	if len(switches) == 0 {
		fmt.Fprintf(w, "no switch is needed: the test fails with every decision after it started at the default, so the failure does not depend on how its goroutines interleave\n")
	}
	describeSwitches(w, current, switches, events)
	rel := out
	if r, err := filepath.Rel(b.opts.Dir, out); err == nil && !strings.HasPrefix(r, "..") {
		rel = r
	}
	// The replay runs the test binary as the candidates did: -run names the
	// failing test only if bisect narrowed the run to it.
	replay := b.cfg.Inv.FullReplayFlags()
	if b.narrowed {
		replay = append([]string{"-run", "^" + b.test + "$"}, b.cfg.Inv.ReplayFlags()...)
	}
	fmt.Fprintf(w, "detgo: bisect: minimal tape (fails on replay): %s\n",
		gotest.Replay{Flags: replay, Package: b.pkgArg, BinaryArgs: b.cfg.Inv.BinaryArgs}.TapeString(rel))
	return nil
}

// minimize runs rounds of Minimize, each on the tape the last round's
// result really followed (package doc, step 4), until nothing can be
// removed, and returns that last recording.
func (b *bisector) minimize(ctx context.Context, current *Tape) (*Tape, error) {
	for {
		switches := current.Switches()
		var mu sync.Mutex
		followed := map[string][]byte{} // candidate → the tape its failing run recorded
		keep, err := Minimize(ctx, len(switches), b.cfg.Workers, func(ctx context.Context, subset []int) bool {
			r := b.candidate(ctx, current.Keep(switches, subset), true, false)
			if r.failedSame {
				mu.Lock()
				followed[key(subset)] = r.tape
				mu.Unlock()
			}
			return r.failedSame
		})
		if err != nil {
			return nil, fmt.Errorf("interrupted after %d runs", b.runs)
		}
		b.rounds++
		fmt.Fprintf(b.opts.Stderr, "detgo: bisect: round %d: %d switches, %d kept (%d runs so far)\n", b.rounds, len(switches), len(keep), b.runs)
		if len(keep) == len(switches) {
			return current, nil // 1-minimal: Minimize tried removing each one
		}
		if current, err = ParseTape(followed[key(keep)]); err != nil {
			return nil, fmt.Errorf("a candidate's recorded tape: %v", err)
		}
	}
}

// slideWindow is how far slide moves the later switches: up to this many
// decisions either way, 2*slideWindow candidate runs per switch at most.
const slideWindow = 32

// slide looks for a switch of a 1-minimal tape that is needed only to keep
// the later switches at their decision numbers (package doc, step 5): it
// drops each switch in turn and moves the ones after it by 1, -1, 2, -2, ...
// up to slideWindow decisions. It returns the recording of the first such
// candidate that still fails the same way, or nil.
func (b *bisector) slide(ctx context.Context, current *Tape) (*Tape, error) {
	switches := current.Switches()
	for d := range switches {
		if d == len(switches)-1 {
			break // nothing after it to move; Minimize tried dropping it
		}
		var candidates []*Tape
		var deltas []int
		for step := 1; step <= slideWindow; step++ {
			for _, delta := range []int{step, -step} {
				if c, ok := current.Slid(switches, d, delta); ok {
					candidates, deltas = append(candidates, c), append(deltas, delta)
				}
			}
		}
		recorded := make([][]byte, len(candidates))
		i := firstTrue(ctx, len(candidates), b.cfg.Workers, func(ctx context.Context, i int) bool {
			r := b.candidate(ctx, candidates[i], true, false)
			recorded[i] = r.tape
			return r.failedSame
		})
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted after %d runs", b.runs)
		}
		if i >= 0 {
			fmt.Fprintf(b.opts.Stderr, "detgo: bisect: switch %d is not needed once the %d after it move by %+d decisions (%d runs so far)\n",
				d+1, len(switches)-d-1, deltas[i], b.runs)
			t, err := ParseTape(recorded[i])
			if err != nil {
				return nil, fmt.Errorf("a candidate's recorded tape: %v", err)
			}
			return t, nil
		}
	}
	return nil, nil
}

// writeTimeline draws the minimal run (-timeline) at path.
func (b *bisector) writeTimeline(path string, events []decisionlog.Event, r gotest.Report) error {
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.opts.Dir, path)
	}
	var buf bytes.Buffer
	title := fmt.Sprintf("%s %s seed=%d sched=%s, minimal schedule", b.pkgPath, b.test, b.seed, b.sched)
	if err := timeline.Write(&buf, events, timeline.Run{Title: title, EndNow: r.VNow}); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(b.opts.Stderr, "detgo: bisect: timeline of the minimal run: %s (open it in ui.perfetto.dev)\n", path)
	return nil
}

// decisions counts the tape's scheduling decisions.
func (t *Tape) decisions() int {
	n := 0
	for _, r := range t.Records {
		if r.IsDecision() {
			n++
		}
	}
	return n
}

// failingRun runs the seed (or replays the tape) and records its failure:
// the test, the signature every candidate must match, and its tape. A
// failure of one test is narrowed to -run ^Test$ if it fails that way alone.
func (b *bisector) failingRun(ctx context.Context) (outcome, error) {
	inv := b.cfg.Inv
	b.args = inv.RunArgs()
	r := b.runOnce(ctx, b.args, b.cfg.Tape)
	what := fmt.Sprintf("seed=%d", b.seed)
	if b.cfg.Tape != "" {
		what = "the tape " + b.cfg.Tape
	}
	switch {
	case r.err != nil:
		return r, r.err
	case r.timedOut:
		return r, fmt.Errorf("%s: the run did not end within -timeout=%v of real time", what, b.timeout)
	case r.exit == 0:
		return r, fmt.Errorf("%s: the tests pass, so there is no failure to bisect", what)
	case r.reportErr != nil:
		return r, fmt.Errorf("%s: the run left no detgo report: %v", what, r.reportErr)
	}
	b.sig, b.test, b.message = swarm.FailureSignature(r.output)
	if r.report.Nondet > 0 {
		fmt.Fprintf(b.opts.Stderr, "detgo: bisect: note: %d switches of the failing run were placed by real time (a goroutine that reached no yield point was stopped by the watchdog); its candidates may not replay exactly\n", r.report.Nondet)
	}
	if b.sched == gotest.DefaultSched && r.report.Sched != "" {
		b.sched = r.report.Sched // what the portfolio chose
	}
	if b.cfg.Tape == "" && b.test != "" && len(gotest.FailingTests(r.output)) == 1 {
		narrowed := inv.NarrowedRunArgs([]string{b.test})
		if n := b.runOnce(ctx, narrowed, ""); n.err == nil && b.same(n) {
			b.args, b.narrowed = narrowed, true
			return n, nil
		}
	}
	return r, nil
}

// A worker's files: each candidate run has its own TMPDIR, report, tapes
// and log, so that two can run at once.
type worker struct{ dir string }

func (w *worker) path(name string) string { return filepath.Join(w.dir, name) }

// An outcome is what one run of the test binary did.
type outcome struct {
	err        error // bisect's own trouble, not the test's
	exit       int
	timedOut   bool
	output     []byte
	report     gotest.Report
	reportErr  error
	tape       []byte // the decisions the run made (DETGO_TAPE_OUT)
	log        []byte // the detailed decision log, if asked for
	failedSame bool   // the run failed with the failure's signature
}

// candidate runs tape, with DETGO_TAPE_FORCE=1 if force (a candidate of
// the search) or as a plain replay (the check of the minimal tape), and
// says whether it fails the same way.
func (b *bisector) candidate(ctx context.Context, tape *Tape, force, withLog bool) outcome {
	w := b.takeWorker()
	defer b.putWorker(w)
	in := w.path("candidate.tape")
	if err := os.WriteFile(in, tape.Bytes(), 0o644); err != nil {
		return outcome{err: err}
	}
	r := b.runIn(ctx, w, b.args, in, force, withLog)
	r.failedSame = r.err == nil && b.same(r)
	return r
}

// same reports whether r failed with the failure's signature.
func (b *bisector) same(r outcome) bool {
	if r.exit == 0 || r.timedOut || r.reportErr != nil {
		return false
	}
	sig, _, _ := swarm.FailureSignature(r.output)
	return sig == b.sig
}

// runOnce runs the test binary with args, replaying the tape at path if
// it is not empty.
func (b *bisector) runOnce(ctx context.Context, args []string, tape string) outcome {
	w := b.takeWorker()
	defer b.putWorker(w)
	return b.runIn(ctx, w, args, tape, false, false)
}

// takeWorker takes an idle worker for one run, and counts the run; there
// are as many workers as runs at once.
func (b *bisector) takeWorker() *worker {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.runs++
	w := b.free[len(b.free)-1]
	b.free = b.free[:len(b.free)-1]
	return w
}

// putWorker makes w idle again.
func (b *bisector) putWorker(w *worker) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free = append(b.free, w)
}

// runIn runs the test binary once in worker w's files: with the seed,
// following tape if given, recording the decisions it makes.
func (b *bisector) runIn(ctx context.Context, w *worker, args []string, tape string, force, withLog bool) outcome {
	tmp := w.path("tmp")
	if err := gotest.RemoveAll(tmp); err != nil {
		return outcome{err: err}
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return outcome{err: err}
	}
	for _, f := range []string{"report", "recorded.tape", "log"} {
		os.Remove(w.path(f))
	}
	env := gotest.RunEnv(b.env, tmp, b.sched, w.path("report"), b.cfg.Inv.Sim)
	env = append(env, "PWD="+b.pkgDir, "DETGO_SEED="+strconv.FormatUint(b.seed, 10), "DETGO_TAPE_OUT="+w.path("recorded.tape"))
	if tape != "" {
		env = append(env, "DETGO_TAPE="+tape)
	}
	if force {
		env = append(env, "DETGO_TAPE_FORCE=1")
	}
	if withLog {
		env = append(env, "DETGO_TRACE="+w.path("log"), "DETGO_TRACE_DETAIL=1")
	}
	runCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(runCtx, b.binary, args...)
	cmd.Dir, cmd.Env = b.pkgDir, env
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	cmd.WaitDelay = gotest.QuitGrace
	err := cmd.Run()
	if cmd.ProcessState == nil {
		return outcome{err: fmt.Errorf("running the test binary: %v", err)}
	}
	r := outcome{exit: cmd.ProcessState.ExitCode(), output: out.Bytes(), timedOut: runCtx.Err() != nil}
	if ctx.Err() != nil {
		r.err = ctx.Err()
	}
	r.report, r.reportErr = gotest.ReadReport(w.path("report"))
	r.tape, _ = os.ReadFile(w.path("recorded.tape"))
	if withLog {
		r.log, _ = os.ReadFile(w.path("log"))
	}
	return r
}

// describeSwitches writes each critical switch of tape: who was switched
// away from, where, and who ran instead, from the minimal run's log.
func describeSwitches(w io.Writer, tape *Tape, switches []int, events []decisionlog.Event) {
	byDecision := map[uint64]int{}
	for i, e := range events {
		if e.Decision != 0 {
			byDecision[e.Decision] = i
		}
	}
	// A pick right after a yield that gave way is part of that switch: it
	// chose who runs instead.
	var heads []int
	for j, at := range switches {
		if j > 0 && switches[j-1] == at-1 && !tape.Records[at-1].Pick && tape.Records[at].Pick {
			continue
		}
		heads = append(heads, at)
	}
	for k, at := range heads {
		d := tape.Decision(at)
		i, ok := byDecision[d]
		if !ok {
			fmt.Fprintf(w, "switch %d of %d (decision %d): not in the decision log\n", k+1, len(heads), d)
			continue
		}
		e := events[i]
		fmt.Fprintf(w, "switch %d of %d (decision %d, step %d, virtual time %v):\n", k+1, len(heads), d, e.Step, time.Duration(e.VNow))
		pick, chosen := e, tape.Records[at] // the pick that chose who runs instead
		if !e.Pick {
			fmt.Fprintf(w, "    goroutine %d gives way at %s\n", e.Goroutine, decisionlog.YieldKind(e.N))
			writeStack(w, e.Stack)
			pick, chosen = decisionlog.Event{}, Record{}
			if i+1 < len(events) && events[i+1].Pick {
				pick = events[i+1]
			}
			if at+1 < len(tape.Records) {
				chosen = tape.Records[at+1]
			}
		} else if s := e.Stopped; s != nil {
			state := s.State
			if s.Reason != "" {
				state += " (" + s.Reason + ")"
			}
			fmt.Fprintf(w, "    goroutine %d stopped: %s\n", s.Goroutine, state)
			writeStack(w, s.Stack)
		}
		if !pick.Pick {
			continue
		}
		if chosen.Pick && chosen.K != 0 {
			fmt.Fprintf(w, "    goroutine %d runs instead of the one that waited longest (%d runnable), from\n", pick.Goroutine, pick.N)
		} else {
			fmt.Fprintf(w, "    goroutine %d runs next, the one that waited longest (%d runnable), from\n", pick.Goroutine, pick.N)
		}
		writeStack(w, pick.Stack)
		away := e.Goroutine
		if e.Pick && e.Stopped != nil {
			away = e.Stopped.Goroutine
		}
		if away != pick.Goroutine {
			fmt.Fprintf(w, "    %s\n", resumes(away, events[i+1:]))
		}
	}
}

// resumes says when goroutine g runs again in events, and which
// goroutines ran meanwhile: what happened while it was switched away.
func resumes(g uint64, events []decisionlog.Event) string {
	var others []string
	for _, e := range events {
		if !e.Pick {
			continue
		}
		if e.Goroutine != g {
			if id := strconv.FormatUint(e.Goroutine, 10); !slices.Contains(others, id) {
				others = append(others, id)
			}
			continue
		}
		meanwhile := "goroutine " + others[0]
		if len(others) > 1 {
			meanwhile = "goroutines " + strings.Join(others, ", ")
		}
		return fmt.Sprintf("goroutine %d runs again at step %d, after %s ran", g, e.Step, meanwhile)
	}
	return fmt.Sprintf("goroutine %d does not run again before the run ends", g)
}

// writeStack writes the user frames of a stack, innermost first.
func writeStack(w io.Writer, stack []decisionlog.Frame) {
	for _, f := range decisionlog.UserFrames(stack) {
		fmt.Fprintf(w, "        %s\n", f.Short())
	}
}
