// Command compat is detgo's compatibility corpus runner: it runs go test
// and detgo test side by side over standard-library packages and real
// modules fetched at pinned versions through the Go module proxy, in a
// scratch directory outside the repository, and writes a markdown table and
// a JSON file.
//
// Per package it records the top-level tests that passed natively (go test
// -count=1 -v), and for each seed of -seeds the same under detgo test
// -check (each seed run twice; "identical" means the two runs had the same
// output, exit status and trace hash), with wall time both ways.
//
//	go run ./bench/compat                       # the full corpus, seeds 1-5
//	go run ./bench/compat -corpus=smoke -seeds=1-2
//	go run ./bench/compat -only=net/http        # one entry of the corpus
//
// Every run happens in a fresh network namespace with only loopback up
// (unshare -n) when the machine allows it, so no test can reach a
// non-loopback address; otherwise it relies on -short for the net suites.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o Options
	flag.StringVar(&o.Corpus, "corpus", "full", "corpus to run: full or smoke")
	flag.StringVar(&o.Only, "only", "", "run only corpus entries whose pattern contains this comma-separated substring list")
	flag.StringVar(&o.Seeds, "seeds", "1-5", "seeds to run under detgo (each with -check)")
	flag.StringVar(&o.Work, "work", filepath.Join(os.TempDir(), "detgo-compat"), "scratch directory (never inside the repository)")
	flag.StringVar(&o.Out, "out", "", "directory for compat.json, compat.md and logs/ (default: <work>/results)")
	flag.StringVar(&o.Detgo, "detgo", "", "detgo binary (default: built from this repository into <work>)")
	flag.StringVar(&o.NetNS, "netns", "auto", "run tests in a loopback-only network namespace: auto, on or off")
	flag.BoolVar(&o.Resume, "resume", false, "keep the packages already in <out>/compat.json (same corpus and seeds) and run only the rest")
	flag.StringVar(&o.Rev, "rev", "", "the detgo revision to record (default: this repository's HEAD, +dirty if it has changes)")
	render := flag.String("render", "", "only re-render the markdown of an existing compat.json (with the causes known now) and print it")
	flag.Parse()
	if *render != "" {
		var rep Report
		b, err := os.ReadFile(*render)
		if err == nil {
			err = json.Unmarshal(b, &rep)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "compat:", err)
			os.Exit(2)
		}
		for i := range rep.Packages {
			p := &rep.Packages[i]
			// Logs parsed again, so that a newer parser fills newer fields.
			for j := range p.Detgo {
				if b, err := os.ReadFile(p.Detgo[j].Log); err == nil {
					p.Detgo[j].Last = Parse(b).Last
				}
			}
			p.summarize()
		}
		fmt.Print(rep.Markdown())
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := Main(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		os.Exit(2)
	}
	fmt.Print(rep.Markdown())
}

// Options are the command's flags.
type Options struct {
	Corpus, Only, Seeds, Work, Out, Detgo, NetNS, Rev string
	Resume                                            bool
	Repo                                              string // the detgo repository (default: found from the working directory)
}

// Main runs the corpus and writes <out>/compat.json and <out>/compat.md.
func Main(ctx context.Context, o Options, log io.Writer) (*Report, error) {
	entries, ok := Corpora[o.Corpus]
	if !ok {
		return nil, fmt.Errorf("unknown -corpus %q", o.Corpus)
	}
	if o.Only != "" {
		var keep []Entry
		for _, e := range entries {
			for _, s := range strings.Split(o.Only, ",") {
				if s != "" && strings.Contains(e.Pattern, s) {
					keep = append(keep, e)
					break
				}
			}
		}
		entries = keep
	}
	seeds, err := parseSeeds(o.Seeds)
	if err != nil {
		return nil, err
	}
	if o.Repo == "" {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/detgo/detgo").Output()
		if err != nil {
			return nil, fmt.Errorf("finding the detgo repository (run from inside it): %v", err)
		}
		o.Repo = strings.TrimSpace(string(out))
	}
	work, err := filepath.Abs(o.Work)
	if err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(o.Repo, work); err == nil && !strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("-work %s is inside the repository %s; third-party code never goes there", work, o.Repo)
	}
	if o.Out == "" {
		o.Out = filepath.Join(work, "results")
	}
	for _, d := range []string{work, filepath.Join(o.Out, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(log, "compat: "+format+"\n", args...)
	}

	if o.Detgo == "" {
		o.Detgo = filepath.Join(work, "detgo")
		logf("building detgo from %s", o.Repo)
		b := exec.Command("go", "build", "-o", o.Detgo, "./cmd/detgo")
		b.Dir = o.Repo
		if out, err := b.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building detgo: %v\n%s", err, out)
		}
	}

	rep := &Report{
		Corpus:    o.Corpus,
		Seeds:     seeds,
		Started:   time.Now().UTC().Format(time.RFC3339),
		Machine:   machine(),
		GoVersion: goVersion(),
		Detgo:     o.Rev,
	}
	if rep.Detgo == "" {
		rep.Detgo = detgoRevision(o.Repo)
	}
	done := map[string]PkgResult{}
	if o.Resume {
		var old Report
		if b, err := os.ReadFile(filepath.Join(o.Out, "compat.json")); err == nil && json.Unmarshal(b, &old) == nil &&
			old.Corpus == rep.Corpus && seedSpan(old.Seeds) == seedSpan(seeds) {
			for _, p := range old.Packages {
				if p.Native.Status != "" && len(p.Detgo) == len(seeds) && !interrupted(p) {
					done[p.Package] = p
				}
			}
			rep.Started = old.Started
			logf("resuming: %d packages already measured", len(done))
		}
	}
	mod := filepath.Join(work, "mod")
	if err := prepareModule(ctx, mod, entries, logf); err != nil {
		return nil, err
	}
	logf("building the patched toolchain (once per machine)")
	tb := exec.CommandContext(ctx, o.Detgo, "toolchain", "build")
	if out, err := tb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("detgo toolchain build: %v\n%s", err, out)
	}

	// A detgo cache of our own for the runs: detgo's wrapper allows one run
	// per package directory at a time, machine-wide, so anyone else testing
	// std's sync would make ours wait (and the wait would count as our
	// time). The patched toolchain inside it is the user's, shared.
	cache, err := privateCache(work, o.Detgo)
	if err != nil {
		return nil, err
	}
	r := &Runner{Dir: mod, Env: []string{"GOPROXY=off", "GOFLAGS=-mod=readonly", "GOTOOLCHAIN=local", "DETGO_CACHE=" + cache}}
	switch o.NetNS {
	case "on":
		r.NetNS = true
	case "auto":
		r.NetNS = netnsWorks()
	case "off":
	default:
		return nil, fmt.Errorf("-netns must be auto, on or off")
	}
	rep.LoopbackOnly = r.NetNS
	if !r.NetNS {
		logf("no loopback-only network namespace (unshare -n); relying on -short for net suites")
	}

	for _, e := range entries {
		pkgs, err := expand(ctx, mod, e)
		if err != nil {
			return nil, err
		}
		for _, pkg := range pkgs {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			pr, ok := done[pkg]
			if !ok {
				pr = runPackage(ctx, r, o.Detgo, filepath.Join(o.Out, "logs"), e, pkg, seeds, logf)
				if ctx.Err() != nil {
					return nil, ctx.Err() // an interrupted package is not a result
				}
			}
			rep.Packages = append(rep.Packages, pr)
			// Written after every package, so a long run can be read (and
			// survives) while it goes.
			if err := rep.Write(o.Out); err != nil {
				return nil, err
			}
		}
	}
	rep.Finished = time.Now().UTC().Format(time.RFC3339)
	return rep, rep.Write(o.Out)
}

// prepareModule makes the scratch module that requires every third-party
// module of the corpus at its pinned version, with their tests' dependencies.
func prepareModule(ctx context.Context, dir string, entries []Entry, logf func(string, ...any)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	gomod := "module detgo.invalid/compat\n\ngo 1.26\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	os.Remove(filepath.Join(dir, "go.sum"))
	var get []string
	for _, e := range entries {
		if e.Module == "" {
			continue
		}
		_, ver, _ := strings.Cut(e.Module, "@")
		get = append(get, strings.TrimSuffix(e.Pattern, "/...")+"/...@"+ver)
	}
	if len(get) == 0 {
		return nil
	}
	logf("fetching %s", strings.Join(get, " "))
	cmd := exec.CommandContext(ctx, "go", append([]string{"get", "-t"}, get...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go get in %s: %v\n%s", dir, err, out)
	}
	return nil
}

// expand lists the packages with tests that e's pattern matches.
func expand(ctx context.Context, dir string, e Entry) ([]string, error) {
	if !strings.Contains(e.Pattern, "...") {
		return []string{e.Pattern}, nil
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}", e.Pattern)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v", e.Pattern, err)
	}
	return strings.Fields(string(out)), nil
}

func runPackage(ctx context.Context, r *Runner, detgo, logDir string, e Entry, pkg string, seeds []uint64, logf func(string, ...any)) PkgResult {
	limit := e.RunTimeout
	if limit == 0 {
		limit = DefaultRunTimeout
	}
	pr := PkgResult{Package: pkg, Module: e.Module, Flags: e.Flags, Note: e.Note, RunTimeout: limit.String()}
	base := strings.NewReplacer("/", "_", ".", "_").Replace(pkg)

	save := func(name string, res Result) string {
		p := filepath.Join(logDir, base+"."+name+".log")
		os.WriteFile(p, append([]byte("$ "+strings.Join(res.Cmd, " ")+"\n"), res.Out...), 0o644)
		return p
	}

	// Native, with go test's own -timeout at three times detgo's per-run
	// limit (one native run stands against two detgo runs and a replay).
	args := append([]string{"go", "test", "-count=1", "-v", "-timeout=" + (3 * limit).String()}, e.Flags...)
	args = append(args, pkg)
	logf("%s: go test", pkg)
	res := r.Run(ctx, 3*limit+3*time.Minute, args...)
	pr.Native = newRun(res, save("native", res))
	logf("%s: native %s in %.1fs (%d passed)", pkg, pr.Native.Status, pr.Native.Wall, len(pr.Native.Passed))

	timeouts := 0
	for _, seed := range seeds {
		sr := SeedRun{Seed: seed}
		if timeouts >= 2 {
			sr.Run = Run{Outcome: Outcome{Status: "not-run"}, Note: "not run: two earlier seeds timed out"}
			pr.Detgo = append(pr.Detgo, sr)
			continue
		}
		args := append([]string{detgo, "test", "-seed=" + strconv.FormatUint(seed, 10), "-check", "-v", "-timeout=" + limit.String()}, e.Flags...)
		args = append(args, pkg)
		logf("%s: detgo seed %d", pkg, seed)
		// Two runs, a possible replay run, and the build.
		res := r.Run(ctx, 3*limit+3*time.Minute, args...)
		sr.Run = newRun(res, save("seed"+strconv.FormatUint(seed, 10), res))
		if sr.Status == "timeout" {
			timeouts++
		}
		logf("%s: seed %d %s in %.1fs (%d passed, identical=%v)", pkg, seed, sr.Status, sr.Wall, len(sr.Passed), !sr.Differ)
		pr.Detgo = append(pr.Detgo, sr)
	}
	pr.summarize()
	return pr
}

func newRun(res Result, log string) Run {
	o := Parse(res.Out)
	if res.Killed || o.DetgoTimeout || (o.Panic != "" && strings.Contains(o.Panic, "test timed out")) {
		o.Status = "timeout"
	} else if res.Exit != 0 && o.Status == "ok" {
		o.Status = "fail"
	}
	return Run{Outcome: o, Exit: res.Exit, Wall: res.Wall.Seconds(), Log: log}
}

// privateCache returns <work>/detgo-cache, whose toolchain directory is a
// link to the one of the user's detgo cache.
func privateCache(work, detgo string) (string, error) {
	out, err := exec.Command(detgo, "toolchain", "show").Output()
	if err != nil {
		return "", fmt.Errorf("detgo toolchain show: %v", err)
	}
	var shared string
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "cache:"); ok {
			shared = strings.TrimSpace(v)
		}
	}
	if shared == "" {
		return "", fmt.Errorf("detgo toolchain show printed no cache line:\n%s", out)
	}
	dir := filepath.Join(work, "detgo-cache")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	link := filepath.Join(dir, "toolchain")
	if target, err := os.Readlink(link); err != nil || target != filepath.Join(shared, "toolchain") {
		os.Remove(link)
		if err := os.Symlink(filepath.Join(shared, "toolchain"), link); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// interrupted reports whether p's runs were cut short by the user (the
// runner's own context), not by a test.
func interrupted(p PkgResult) bool {
	for _, sr := range p.Detgo {
		if sr.Status == "error" && sr.Wall < 1 {
			return true
		}
	}
	return false
}

func parseSeeds(spec string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad -seeds %q", spec)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("bad -seeds %q", spec)
			}
		}
		for s := a; s <= b; s++ {
			out = append(out, s)
		}
	}
	return out, nil
}

func machine() string {
	s := fmt.Sprintf("%s/%s, %d cores", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				s += ", " + strings.TrimSpace(v)
				break
			}
		}
	}
	return s
}

func goVersion() string {
	out, _ := exec.Command("go", "env", "GOVERSION").Output()
	return strings.TrimSpace(string(out))
}

// detgoRevision names the commit detgo was built from, "+dirty" when the
// work tree had changes.
func detgoRevision(repo string) string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, _ := exec.Command("git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output(); len(st) > 0 {
		rev += "+dirty"
	}
	return rev
}
