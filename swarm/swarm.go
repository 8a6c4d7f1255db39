// Package swarm is detgo swarm: it runs many seeds of a package's tests in
// parallel worker processes from one compiled test binary, records every run
// in a durable JSON Lines file, resumes from it, splits the seed space into
// shards for several machines, merges their results, groups failures by
// signature and writes JUnit XML.
//
// The test binary is built with go test -c exactly as detgo test builds it,
// and run with the arguments and environment detgo test's wrapper gives it
// (package gotest), so a seed a swarm finds replays under detgo test.
package swarm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/detgo/detgo/gotest"
)

// Options are the surroundings of detgo swarm. Zero values mean the
// process's own, except Ensure and CacheRoot, which are required.
type Options struct {
	Ensure    func(context.Context) (gotest.Toolchain, error)
	CacheRoot func() (string, error) // the swarm's files live in <root>/swarm/
	// Stdout gets the summary and new failures, Stderr progress and
	// build output.
	gotest.Surroundings
	Terminal bool // Stderr is a terminal: -progress=auto draws a bar
}

// ErrHelp is returned for -h, -help and --help.
var ErrHelp = gotest.ErrHelp

type swarm struct {
	cfg     *Config
	opts    Options
	pkgs    []*pkg
	runArgs []string
	dir     string // <cache>/swarm/<id>
}

// Run is detgo swarm. It returns the exit status: 0 if every run recorded
// in the results file passed, 1 if any failed; an error means the swarm
// could not run (status 2), a *gotest.UsageError for a bad command line.
func Run(ctx context.Context, args []string, opts Options) (int, error) {
	cfg, err := ParseArgs(args)
	if err != nil {
		if errors.Is(err, gotest.ErrHelp) {
			return 0, err
		}
		return 2, &gotest.UsageError{Err: err}
	}
	if err := opts.Fill(); err != nil {
		return 2, err
	}
	s := &swarm{cfg: cfg, opts: opts, runArgs: cfg.Inv.RunArgs()}
	return s.run(ctx)
}

func (s *swarm) run(ctx context.Context) (int, error) {
	cfg, inv := s.cfg, s.cfg.Inv
	goDir := s.opts.Dir
	if inv.Dir != "" {
		goDir = inv.Dir
		if !filepath.IsAbs(goDir) {
			goDir = filepath.Join(s.opts.Dir, goDir)
		}
	}
	resultsPath := cfg.Results
	if !filepath.IsAbs(resultsPath) {
		resultsPath = filepath.Join(s.opts.Dir, resultsPath)
	}
	tc, err := s.opts.Ensure(ctx)
	if err != nil {
		return 2, err
	}
	cacheRoot, err := s.opts.CacheRoot()
	if err != nil {
		return 2, err
	}
	env := tc.Env(s.opts.Environ)
	dirs, err := gotest.ListPackages(ctx, goDir, env, append(tc.BuildFlags(), inv.ListFlags()...), inv.Packages)
	if err != nil {
		return 2, err
	}
	// go test runs a test binary with $GOROOT/bin first in PATH.
	goroot, err := goEnv(ctx, goDir, env, "GOROOT")
	if err != nil {
		return 2, err
	}
	path := filepath.Join(goroot, "bin")
	if p := lookupEnv(env, "PATH"); p != "" {
		path += string(os.PathListSeparator) + p
	}
	runBase := append(slices.Clip(env), "PATH="+path)

	// One directory per results file: its lock keeps other swarms out.
	sum := sha256.Sum256([]byte(resultsPath))
	s.dir = filepath.Join(cacheRoot, "swarm", hex.EncodeToString(sum[:6]))

	if err := os.MkdirAll(filepath.Dir(resultsPath), 0o755); err != nil {
		return 2, err
	}
	rf, contents, err := openResults(resultsPath, cfg.Fresh)
	if err != nil {
		return 2, err
	}
	if cfg.Fresh {
		os.RemoveAll(strings.TrimSuffix(resultsPath, ".jsonl") + ".tapes")
	}
	defer rf.Close()
	// Leave nothing behind but the (empty) directory: binaries are large.
	defer gotest.RemoveAll(s.dir)

	if err := s.build(ctx, goDir, env, tc.BuildFlags(), dirs); err != nil {
		return 2, err
	}
	if len(s.pkgs) == 0 {
		return 2, fmt.Errorf("no test files in %s", strings.Join(inv.Packages, " "))
	}
	header := &Header{
		Type:       "header",
		Version:    FormatVersion,
		Sched:      inv.Sched,
		Check:      inv.Check,
		Timeout:    inv.Timeout.String(),
		BuildFlags: inv.BuildFlags(),
		Args:       s.runArgs,
	}
	for _, p := range s.pkgs {
		header.Packages = append(header.Packages, p.PackageInfo)
	}
	header.computeConfig()
	if old := contents.Header; old != nil {
		if what, was, now := old.diff(header); what != "" {
			return 2, fmt.Errorf("%s holds the results of another swarm (%s: %s there, %s now); use -fresh to start it over, or -results to name another file", cfg.Results, what, was, now)
		}
		for i, p := range old.Packages {
			if p.Binary != header.Packages[i].Binary {
				return 2, fmt.Errorf("the test binary of %s is not the one whose results %s holds (the code or the Go version changed); use -fresh to start over, or -results to name another file", p.ImportPath, cfg.Results)
			}
		}
	} else if err := rf.append(header); err != nil {
		return 2, err
	}

	summary := newSummary()
	done := map[doneKey]bool{}
	index := map[string]int{}
	for _, p := range s.pkgs {
		index[p.ImportPath] = p.index
	}
	for i := range contents.Records {
		rec := &contents.Records[i]
		done[doneKey{index[rec.Package], rec.Seed}] = true
		summary.add(rec)
	}
	host, _ := os.Hostname()
	if err := rf.append(Session{Type: "session", Start: time.Now().UTC().Round(time.Second), Seeds: cfg.SeedSpec(),
		Shard: cfg.Shard.String(), Workers: cfg.Workers, Host: host}); err != nil {
		return 2, err
	}

	// The runs of this session, unless unbounded.
	total := int64(-1)
	if !cfg.Unbounded {
		total = 0
		for seed := range cfg.allSeeds {
			for _, p := range s.pkgs {
				if !done[doneKey{p.index, seed}] {
					total++
				}
			}
		}
	}
	mode := cfg.Progress
	if mode == "auto" {
		mode = "plain"
		if s.opts.Terminal {
			mode = "bar"
		}
	}
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = time.Now().Add(cfg.Duration)
	}
	prog := newProgress(mode, s.opts.Stdout, s.opts.Stderr, total, deadline)
	if len(contents.Records) > 0 {
		prog.println(fmt.Sprintf("detgo: swarm: resuming %s: %d runs recorded (%s); %s", cfg.Results, summary.Runs, summary.counts(), remaining(total)))
	}

	// Run: a producer hands out jobs in seed order, workers run them, and
	// this goroutine records the results as they come.
	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	var outOfTime atomic.Bool
	if cfg.Duration > 0 {
		t := time.AfterFunc(cfg.Duration, func() { outOfTime.Store(true); stop() })
		defer t.Stop()
	}
	jobs := make(chan job)
	go func() {
		defer close(jobs)
		for seed := range cfg.allSeeds {
			for _, p := range s.pkgs {
				if done[doneKey{p.index, seed}] {
					continue
				}
				select {
				case jobs <- job{p, seed}:
				case <-stopCtx.Done():
					return
				}
			}
		}
	}()
	results := make(chan result, cfg.Workers)
	var wg sync.WaitGroup
	var workers []*worker
	for id := 1; id <= cfg.Workers; id++ {
		w, err := newWorker(s.dir, id, runBase, inv.Sched, inv.Sim, inv.Timeout)
		if err != nil {
			stop()
			return 2, err
		}
		workers = append(workers, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if stopCtx.Err() != nil {
					continue
				}
				results <- s.runJob(stopCtx, w, j)
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	start := time.Now()
	var session, sessionFailed int
	var writeErr error
	for res := range results {
		if res.discard || writeErr != nil {
			continue
		}
		if err := rf.append(&res.rec); err != nil {
			writeErr = err
			stop()
			continue
		}
		session++
		if summary.add(&res.rec) {
			prog.println(newFailureLine(&res.rec))
		}
		prog.add(res.rec.Failed())
		if res.rec.Failed() {
			sessionFailed++
			if cfg.MaxFailures > 0 && sessionFailed >= cfg.MaxFailures {
				stop()
			}
		}
	}
	elapsed := time.Since(start)
	prog.finish()
	if writeErr != nil {
		return 2, fmt.Errorf("writing %s: %v", cfg.Results, writeErr)
	}
	interrupted := ctx.Err() != nil

	if !interrupted {
		s.finishGroups(ctx, workers[0], summary)
	}
	out := s.opts.Stdout
	summary.print(out)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(session) / elapsed.Seconds()
	}
	why := ""
	switch {
	case interrupted:
		why = "; interrupted: run the same command to resume"
	case outOfTime.Load():
		why = fmt.Sprintf("; stopped after -duration=%v", cfg.Duration)
	case cfg.MaxFailures > 0 && sessionFailed >= cfg.MaxFailures:
		why = fmt.Sprintf("; stopped after %d failed runs", sessionFailed)
	}
	fmt.Fprintf(out, "detgo: swarm: this session: %d runs in %v (%.1f runs/s, %d workers)%s; results in %s\n",
		session, elapsed.Round(time.Millisecond), rate, cfg.Workers, why, cfg.Results)
	if cfg.JUnit != "" {
		path := cfg.JUnit
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.opts.Dir, path)
		}
		if err := writeJUnit(path, summary, header); err != nil {
			return 2, err
		}
	}
	if err := rf.Close(); err != nil {
		return 2, fmt.Errorf("writing %s: %v", cfg.Results, err)
	}
	switch {
	case summary.Failed > 0:
		return 1, nil
	case interrupted:
		return 2, errors.New("swarm: interrupted")
	}
	return 0, nil
}

// goEnv returns the value of a go env variable.
func goEnv(ctx context.Context, dir string, env []string, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", name)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// lookupEnv returns the value of key in env (the last one, as os/exec does).
func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

type doneKey struct {
	pkg  int
	seed uint64
}

func remaining(total int64) string {
	if total < 0 {
		return "going on with new seeds"
	}
	return fmt.Sprintf("%d to go", total)
}

// newFailureLine announces a failure with a signature not seen before.
func newFailureLine(r *Record) string {
	test := r.Test
	if test == "" {
		test = r.Package
	}
	return fmt.Sprintf("detgo: swarm: new failure [%s] %s seed=%d (%s): %s", r.Signature, test, r.Seed, r.Outcome, r.Message)
}

// build compiles each package's test binary once, into s.dir/bin, as detgo
// test would (the toolchain's flags, -tags=detgo and the user's build flags).
func (s *swarm) build(ctx context.Context, goDir string, env, tcFlags []string, dirs map[string]string) error {
	binDir := filepath.Join(s.dir, "bin")
	if err := gotest.RemoveAll(binDir); err != nil {
		return err
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	type entry struct{ dir, importPath string }
	var list []entry
	for dir, ip := range dirs {
		list = append(list, entry{dir, ip})
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.importPath, b.importPath) })
	names := map[string]int{}
	all := make([]*pkg, len(list))
	errs := make([]error, len(list))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, e := range list {
		// go test names the binary after the package's last element.
		name := path.Base(e.importPath)
		if n := names[name]; n > 0 {
			name = fmt.Sprintf("%s.%d", name, n)
		}
		names[path.Base(e.importPath)]++
		p := &pkg{
			PackageInfo: PackageInfo{ImportPath: e.importPath, Arg: gotest.PackageArg(e.dir, s.opts.Dir, e.importPath)},
			dir:         e.dir,
			binary:      filepath.Join(binDir, name+".test"),
		}
		all[i] = p
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = s.buildOne(ctx, goDir, env, tcFlags, p)
		}()
	}
	wg.Wait()
	for i, p := range all {
		if errs[i] != nil {
			return errs[i]
		}
		if p.Binary == "" {
			fmt.Fprintf(s.opts.Stderr, "detgo: swarm: %s: no test files\n", p.ImportPath)
			continue
		}
		p.index = len(s.pkgs)
		s.pkgs = append(s.pkgs, p)
	}
	return nil
}

func (s *swarm) buildOne(ctx context.Context, goDir string, env, tcFlags []string, p *pkg) error {
	args := append([]string{"test", "-c", "-o", p.binary}, tcFlags...)
	args = append(args, s.cfg.Inv.BuildFlags()...)
	args = append(args, p.ImportPath)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = goDir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.opts.Stderr.Write(out)
		return fmt.Errorf("building the test binary of %s failed", p.ImportPath)
	}
	data, err := os.ReadFile(p.binary)
	if errors.Is(err, os.ErrNotExist) {
		return nil // no test files
	}
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	p.Binary = hex.EncodeToString(sum[:])
	return nil
}

// finishGroups reruns the smallest seed of each failure group. Run as the
// swarm ran it, with the runtime recording its decision tape, it must give
// the recorded trace hash (a note says otherwise), and the tape is kept in
// the tapes directory beside the results file. Then it tries the replay line
// that names the failing test with -run: if the seed fails that way too, the
// group's replay line is that one; otherwise it stays the line that runs the
// binary as the swarm did (tests that ran before the failing one, or -run
// itself, can change the schedule). Timeouts are not rerun.
func (s *swarm) finishGroups(ctx context.Context, w *worker, summary *Summary) {
	byPath := map[string]*pkg{}
	for _, p := range s.pkgs {
		byPath[p.ImportPath] = p
	}
	inv := s.cfg.Inv
	tapes := strings.TrimSuffix(s.cfg.Results, ".jsonl") + ".tapes"
	for _, g := range summary.Groups() {
		r := g.First
		p := byPath[r.Package]
		if p == nil || r.Outcome == Timeout || ctx.Err() != nil {
			continue
		}
		env := []string{"DETGO_SCHED=" + r.Strategy}
		os.Remove(w.tapePath())
		again := w.run(ctx, p, r.Seed, s.runArgs, append(env, "DETGO_TAPE_OUT="+w.tapePath()), nil)
		if again.stopped {
			return
		}
		if again.reportErr == nil && r.Hash != "" && fmt.Sprintf("0x%016x", again.report.Hash) != r.Hash {
			g.Note = fmt.Sprintf("run again, seed %d gave trace hash 0x%016x, not %s: it does not replay exactly (try detgo test -check)", r.Seed, again.report.Hash, r.Hash)
		}
		if data, err := os.ReadFile(w.tapePath()); err == nil {
			name := filepath.Join(tapes, fmt.Sprintf("%s-seed-%d.tape", g.Signature, r.Seed))
			abs := name
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(s.opts.Dir, name)
			}
			if err := os.MkdirAll(filepath.Dir(abs), 0o755); err == nil && os.WriteFile(abs, data, 0o644) == nil {
				g.Tape = s.fullReplay(p.Arg, r.Seed, r.Strategy).TapeString(name)
			}
		}
		if r.Test == "" || r.Outcome == Nondet {
			continue
		}
		tests := []string{r.Test}
		narrowed := w.run(ctx, p, r.Seed, inv.NarrowedRunArgs(tests), env, nil)
		if narrowed.exit == 0 && !narrowed.timedOut {
			continue
		}
		g.Replay = gotest.Replay{
			Tests:      tests,
			Seed:       r.Seed,
			Sched:      r.Strategy,
			Flags:      inv.ReplayFlags(),
			Package:    p.Arg,
			BinaryArgs: inv.BinaryArgs,
		}.String()
	}
}
