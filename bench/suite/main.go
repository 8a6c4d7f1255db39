// Command suite is detgo's benchmark suite: what detgo costs and what it
// buys, each number measured side by side with plain go test in one run on
// one machine. It prints a table, and writes bench.json and bench.txt
// (benchstat format: one line per sample, so two runs compare with
// `benchstat -col /tool old.txt new.txt` or `benchstat old.txt new.txt`).
//
//	bash bench/run.sh                 # everything, RUNS=5 samples per timed row
//	go run ./bench/suite -quick       # sanity mode: one sample, no cold builds
//
// Rows:
//
//	std build, cold/warm       go build std vs detgo toolchain build (whole patched std), empty caches, then again
//	build + 1 run, cold/warm   go test vs detgo test -seed=1 of bench/workloads/cpubound, empty caches, then again
//	one seed, CPU-bound        detgo test -seed=1 vs go test -count=1, and vs GOMAXPROCS=1 go test (median of -runs)
//	marginal per seed          extra wall time per seed in -seeds=1-11 vs per run in go test -count=11
//	time compression           simulated seconds per real second, bench/workloads/timers (2h of timers)
//	deadlock reported          real seconds until a deadlocked test fails, bench/workloads/deadlock (go test: its -timeout)
//	simulated network          real time per HTTP request, simulated vs real loopback (bench/net.sh)
//	swarm seeds/s per core     from bench/swarm.sh when it exists
//	peak RSS                   the test binary's VmHWM (= /usr/bin/time -v maximum resident set size)
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
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o Options
	flag.IntVar(&o.Runs, "runs", 5, "samples per timed row (the median is reported)")
	flag.BoolVar(&o.Quick, "quick", false, "sanity mode: one sample, skip cold builds and swarm; the numbers mean nothing")
	flag.StringVar(&o.Out, "out", filepath.Join(os.TempDir(), "detgo-bench"), "directory for bench.json and bench.txt")
	flag.StringVar(&o.Detgo, "detgo", "", "detgo binary (default: built from this repository)")
	flag.StringVar(&o.Rev, "rev", "", "the detgo revision to record (default: this repository's HEAD, +dirty if it has changes)")
	render := flag.String("render", "", "only print the markdown table of an existing bench.json")
	flag.Parse()
	if *render != "" {
		var rep Report
		b, err := os.ReadFile(*render)
		if err == nil {
			err = json.Unmarshal(b, &rep)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		fmt.Print(rep.Markdown())
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := Main(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	fmt.Print(rep.Table())
}

// Options are the command's flags.
type Options struct {
	Runs  int
	Quick bool
	Out   string
	Detgo string
	Rev   string
	Repo  string // default: found from the working directory
}

// Report is bench.json.
type Report struct {
	Started   string `json:"started"`
	Finished  string `json:"finished"`
	Machine   string `json:"machine"`
	GoVersion string `json:"go_version"`
	Detgo     string `json:"detgo_revision"`
	Runs      int    `json:"runs"`
	Quick     bool   `json:"quick"`
	LoadAvg   string `json:"loadavg_at_start"`
	Rows      []Row  `json:"rows"`
}

// A Row is one line of the table. Go and Detgo are medians of the samples;
// Ratio is Detgo/Go unless the row says otherwise. A row that could not be
// measured has Status set and no numbers.
type Row struct {
	Name       string    `json:"name"`
	Bench      string    `json:"bench"` // benchstat name
	Unit       string    `json:"unit"`
	Go         float64   `json:"go,omitempty"`
	Detgo      float64   `json:"detgo,omitempty"`
	Ratio      float64   `json:"ratio,omitempty"`
	RatioMeans string    `json:"ratio_means,omitempty"`
	GoSamples  []float64 `json:"go_samples,omitempty"`
	DetSamples []float64 `json:"detgo_samples,omitempty"`
	Status     string    `json:"status,omitempty"`
	Note       string    `json:"note,omitempty"`
}

type suite struct {
	o     Options
	log   io.Writer
	work  string
	detgo string
	env   []string // added to every command
	ctx   context.Context
}

// Main runs the suite and writes bench.json and bench.txt into o.Out.
func Main(ctx context.Context, o Options, log io.Writer) (*Report, error) {
	if o.Runs < 1 || o.Quick {
		o.Runs = 1
	}
	if o.Repo == "" {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/detgo/detgo").Output()
		if err != nil {
			return nil, fmt.Errorf("finding the detgo repository (run from inside it): %v", err)
		}
		o.Repo = strings.TrimSpace(string(out))
	}
	work, err := os.MkdirTemp("", "detgo-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	s := &suite{o: o, log: log, work: work, detgo: o.Detgo, ctx: ctx, env: []string{"GOFLAGS=", "GOTOOLCHAIN=local"}}
	if s.detgo == "" {
		s.detgo = filepath.Join(work, "detgo")
		if _, err := s.run(s.o.Repo, nil, "go", "build", "-o", s.detgo, "./cmd/detgo"); err != nil {
			return nil, err
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	rep := &Report{
		Started:   time.Now().UTC().Format(time.RFC3339),
		Machine:   machine(),
		GoVersion: runtime.Version(),
		Detgo:     o.Rev,
		Runs:      o.Runs,
		Quick:     o.Quick,
		LoadAvg:   strings.TrimSpace(string(load)),
	}
	if rep.Detgo == "" {
		rep.Detgo = revision(o.Repo)
	}
	for _, f := range []func() ([]Row, error){s.builds, s.cpuBound, s.timers, s.deadlocks, s.network, s.swarm, s.memory} {
		rows, err := f()
		if err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, rows...)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	rep.Finished = time.Now().UTC().Format(time.RFC3339)
	return rep, rep.Write(o.Out)
}

// run runs a command in dir with extra environment, and returns its output
// and wall time; a failure is an error that shows the output.
func (s *suite) run(dir string, env []string, argv ...string) ([]byte, error) {
	_, out, err := s.timed(dir, env, argv...)
	return out, err
}

func (s *suite) timed(dir string, env []string, argv ...string) (float64, []byte, error) {
	cmd := exec.CommandContext(s.ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), s.env...), env...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	secs := time.Since(t0).Seconds()
	if err != nil {
		return 0, out, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, tail(out, 40))
	}
	fmt.Fprintf(s.log, "bench: %.3fs %s\n", secs, strings.Join(argv, " "))
	return secs, out, nil
}

// samples times a command s.o.Runs times.
func (s *suite) samples(env []string, argv ...string) ([]float64, error) {
	wall, _, err := s.samplesOK(env, argv...)
	return wall, err
}

// samplesOK times a command s.o.Runs times, and also returns go test's own
// time for the test binary (its ok line: the run without build and link).
func (s *suite) samplesOK(env []string, argv ...string) (wall, bin []float64, err error) {
	for range s.o.Runs {
		t, out, err := s.timed(s.o.Repo, env, argv...)
		if err != nil {
			return nil, nil, err
		}
		wall = append(wall, t)
		if m := okTime.FindSubmatch(out); m != nil {
			v, _ := strconv.ParseFloat(string(m[1]), 64)
			bin = append(bin, v)
		}
	}
	return wall, bin, nil
}

const (
	cpuPkg      = "./bench/workloads/cpubound"
	timersPkg   = "./bench/workloads/timers"
	deadlockPkg = "./bench/workloads/deadlock"
)

func (s *suite) builds() ([]Row, error) {
	var rows []Row
	cache := func(name string) []string {
		if s.o.Quick {
			return nil // the user's caches, warm or not: quick mode builds nothing twice
		}
		return []string{"GOCACHE=" + filepath.Join(s.work, "gocache-"+name), "DETGO_CACHE=" + filepath.Join(s.work, "detgocache-"+name)}
	}
	pair := func(name, bench, note string, env1, env2 []string, goArgv, detArgv []string) error {
		g, _, err := s.timed(s.o.Repo, env1, goArgv...)
		if err != nil {
			return err
		}
		d, _, err := s.timed(s.o.Repo, env2, detArgv...)
		if err != nil {
			return err
		}
		rows = append(rows, Row{Name: name, Bench: bench, Unit: "sec", Go: g, Detgo: d, Ratio: d / g,
			GoSamples: []float64{g}, DetSamples: []float64{d}, Note: note})
		return nil
	}
	if s.o.Quick {
		rows = append(rows,
			Row{Name: "whole std, cold (empty caches)", Bench: "StdBuild/cache=cold", Unit: "sec", Status: "skipped (-quick)"},
			Row{Name: "whole std, warm", Bench: "StdBuild/cache=warm", Unit: "sec", Status: "skipped (-quick)"},
			Row{Name: "cold build + 1 run (empty caches)", Bench: "TestBuild/cache=cold", Unit: "sec", Status: "skipped (-quick)"})
	} else {
		if err := pair("whole std, cold (empty caches)", "StdBuild/cache=cold", "go build std vs detgo toolchain build, each from an empty GOCACHE (and detgo cache)",
			cache("std-go"), cache("std-detgo"), []string{"go", "build", "std"}, []string{s.detgo, "toolchain", "build"}); err != nil {
			return nil, err
		}
		if err := pair("whole std, warm", "StdBuild/cache=warm", "the same, caches kept (detgo: nothing to do but verify the cache key)",
			cache("std-go"), cache("std-detgo"), []string{"go", "build", "std"}, []string{s.detgo, "toolchain", "build"}); err != nil {
			return nil, err
		}
	}
	if !s.o.Quick {
		if err := pair("cold build + 1 run (empty caches)", "TestBuild/cache=cold", "go test vs detgo test -seed=1 of the CPU-bound workload, empty caches (detgo: patched std included)",
			cache("test-go"), cache("test-detgo"),
			[]string{"go", "test", "-count=1", cpuPkg}, []string{s.detgo, "test", "-seed=1", cpuPkg}); err != nil {
			return nil, err
		}
	}
	if err := pair("warm build + 1 run", "TestBuild/cache=warm", "the same again, caches kept",
		cache("test-go"), cache("test-detgo"),
		[]string{"go", "test", "-count=1", cpuPkg}, []string{s.detgo, "test", "-seed=1", cpuPkg}); err != nil {
		return nil, err
	}
	// Order: std cold, std warm, test cold, test warm.
	order := map[string]int{"StdBuild/cache=cold": 0, "StdBuild/cache=warm": 1, "TestBuild/cache=cold": 2, "TestBuild/cache=warm": 3}
	sort.SliceStable(rows, func(i, j int) bool { return order[rows[i].Bench] < order[rows[j].Bench] })
	return rows, nil
}

func (s *suite) cpuBound() ([]Row, error) {
	// Warm the user's caches first: these rows time runs, not builds.
	if _, err := s.run(s.o.Repo, nil, s.detgo, "test", "-seed=1", cpuPkg); err != nil {
		return nil, err
	}
	if _, err := s.run(s.o.Repo, nil, "go", "test", "-count=1", cpuPkg); err != nil {
		return nil, err
	}
	goS, goB, err := s.samplesOK(nil, "go", "test", "-count=1", cpuPkg)
	if err != nil {
		return nil, err
	}
	go1S, go1B, err := s.samplesOK([]string{"GOMAXPROCS=1"}, "go", "test", "-count=1", cpuPkg)
	if err != nil {
		return nil, err
	}
	detS, detB, err := s.samplesOK(nil, s.detgo, "test", "-seed=1", cpuPkg)
	if err != nil {
		return nil, err
	}
	goMany, err := s.samples(nil, "go", "test", "-count=11", cpuPkg)
	if err != nil {
		return nil, err
	}
	detMany, err := s.samples(nil, s.detgo, "test", "-seeds=1-11", cpuPkg)
	if err != nil {
		return nil, err
	}
	g, g1, d := median(goS), median(go1S), median(detS)
	mg, md := (median(goMany)-g)/10, (median(detMany)-d)/10
	return []Row{
		{Name: fmt.Sprintf("one seed, CPU-bound test (median of %d)", s.o.Runs), Bench: "CPUBoundSeed/vs=go", Unit: "sec",
			Go: g, Detgo: d, Ratio: d / g, GoSamples: goS, DetSamples: detS,
			Note: "wall time of detgo test -seed=1 vs go test -count=1, warm caches (link + run)"},
		{Name: "  same, go test with GOMAXPROCS=1", Bench: "CPUBoundSeed/vs=go-maxprocs1", Unit: "sec",
			Go: g1, Detgo: d, Ratio: d / g1, GoSamples: go1S, DetSamples: detS,
			Note: "detgo runs one goroutine at a time, so this is the like-for-like comparison"},
		{Name: "  test binary alone (go test's ok-line time)", Bench: "CPUBoundBinary/vs=go", Unit: "sec",
			Go: median(goB), Detgo: median(detB), Ratio: median(detB) / median(goB), GoSamples: goB, DetSamples: detB,
			Note: "the run of the test binary without build and link: detgo's runtime cost (one goroutine at a time, yield points, trace hash)"},
		{Name: "  test binary alone vs GOMAXPROCS=1", Bench: "CPUBoundBinary/vs=go-maxprocs1", Unit: "sec",
			Go: median(go1B), Detgo: median(detB), Ratio: median(detB) / median(go1B), GoSamples: go1B, DetSamples: detB},
		{Name: "marginal per seed / per -count run", Bench: "CPUBoundMarginal", Unit: "sec",
			Go: mg, Detgo: md, Ratio: md / mg, GoSamples: []float64{mg}, DetSamples: []float64{md},
			Note: "(median(-seeds=1-11) - median(-seed=1)) / 10 vs (median(-count=11) - median(-count=1)) / 10: the cost of one more seed, build excluded"},
	}, nil
}

var (
	simRe  = regexp.MustCompile(`bench: simulated_ns (\d+) events (\d+)`)
	rssRe  = regexp.MustCompile(`bench: peak_rss_kb (\d+)`)
	okTime = regexp.MustCompile(`(?m)^ok\s+\S+\s+([0-9.]+)s`)
)

// timers measures time compression: simulated seconds per real second of
// the timers workload. Real time is go test's own time for the test binary
// (the ok line), so the link step is not counted.
func (s *suite) timers() ([]Row, error) {
	var det, sim []float64
	for range s.o.Runs {
		out, err := s.run(s.o.Repo, nil, s.detgo, "test", "-seed=1", "-v", timersPkg)
		if err != nil {
			return nil, err
		}
		m, k := simRe.FindSubmatch(out), okTime.FindSubmatch(out)
		if m == nil || k == nil {
			return nil, fmt.Errorf("timers workload under detgo: no simulated time or ok line in:\n%s", tail(out, 20))
		}
		ns, _ := strconv.ParseFloat(string(m[1]), 64)
		real, _ := strconv.ParseFloat(string(k[1]), 64)
		sim = append(sim, ns/1e9)
		det = append(det, ns/1e9/real)
	}
	// Natively the same workload, every duration shrunk 3600 times (two
	// hours would take two hours): real seconds per (shrunk) simulated second.
	out, err := s.run(s.o.Repo, []string{"BENCH_TIME_SCALE=1/3600"}, "go", "test", "-count=1", "-v", timersPkg)
	if err != nil {
		return nil, err
	}
	m, k := simRe.FindSubmatch(out), okTime.FindSubmatch(out)
	if m == nil || k == nil {
		return nil, fmt.Errorf("timers workload natively: no simulated time or ok line in:\n%s", tail(out, 20))
	}
	ns, _ := strconv.ParseFloat(string(m[1]), 64)
	real, _ := strconv.ParseFloat(string(k[1]), 64)
	native := ns / 3600 / 1e9 / real // shrunk simulated seconds per real second: at best 1
	d := median(det)
	return []Row{{
		Name: fmt.Sprintf("time compression, %.1fh of timers (sim s per real s)", median(sim)/3600), Bench: "TimeCompression", Unit: "sim-sec/sec",
		Go: native, Detgo: d, Ratio: d / native, RatioMeans: "speed-up", GoSamples: []float64{native}, DetSamples: det,
		Note: fmt.Sprintf("bench/workloads/timers: 200 sleepers, 50 tickers, 100 context-timeout loops; go test runs it shrunk 3600x (%.2fs real for %.2fs of timers)", real, ns/3600/1e9),
	}}, nil
}

// nativeDeadlockTimeout bounds the native runs of the deadlock workload,
// which can only end at go test's -timeout (1s in -quick mode).
const nativeDeadlockTimeout = 10 * time.Second

var failTime = regexp.MustCompile(`(?m)^FAIL\s+\S+\s+([0-9.]+)s`)

// deadlocks measures the real time until each deadlocked test of the
// deadlock workload fails: under detgo, go test's own time for the package
// (the FAIL line: the wrapper running the binary, no build); natively, the
// wall time of go test -timeout=10s, since only the timeout ends it.
func (s *suite) deadlocks() ([]Row, error) {
	var rows []Row
	timeout := nativeDeadlockTimeout
	if s.o.Quick {
		timeout = time.Second
	}
	for _, test := range []string{"TestLockOrder", "TestNeverClosed"} {
		var det []float64
		for range s.o.Runs {
			out, _ := s.failing(nil, s.detgo, "test", "-seed=1", "-run=^"+test+"$", deadlockPkg)
			m := failTime.FindSubmatch(out)
			if m == nil || !strings.Contains(string(out), "panic: detgo: deadlock") {
				return nil, fmt.Errorf("deadlock workload %s under detgo: no deadlock report and FAIL line in:\n%s", test, tail(out, 20))
			}
			v, _ := strconv.ParseFloat(string(m[1]), 64)
			det = append(det, v)
		}
		out, wall := s.failing(nil, "go", "test", "-count=1", "-timeout="+timeout.String(), "-run=^"+test+"$", deadlockPkg)
		if !strings.Contains(string(out), "panic: test timed out") {
			return nil, fmt.Errorf("deadlock workload %s natively: no timeout in:\n%s", test, tail(out, 20))
		}
		d := median(det)
		rows = append(rows, Row{Name: "deadlock reported, " + test + " (real s)", Bench: "DeadlockReport/" + test, Unit: "sec",
			Go: wall, Detgo: d, Ratio: d / wall, GoSamples: []float64{wall}, DetSamples: det,
			Note: fmt.Sprintf("go test hangs until -timeout (10m by default; measured with -timeout=%v, wall time incl. build); detgo: the FAIL line's time (runs, no build)", timeout)})
	}
	return rows, nil
}

// failing runs a command that is expected to fail and returns its output
// and wall time, whatever its exit status.
func (s *suite) failing(env []string, argv ...string) ([]byte, float64) {
	cmd := exec.CommandContext(s.ctx, argv[0], argv[1:]...)
	cmd.Dir = s.o.Repo
	cmd.Env = append(append(os.Environ(), s.env...), env...)
	t0 := time.Now()
	out, _ := cmd.CombinedOutput()
	secs := time.Since(t0).Seconds()
	fmt.Fprintf(s.log, "bench: %.3fs %s (expected to fail)\n", secs, strings.Join(argv, " "))
	return out, secs
}

// netRe matches bench/net.sh's line
//
//	per request (us)                               45.6       19.5
var netRe = regexp.MustCompile(`(?m)^per request \(us\)\s+([0-9.]+)\s+([0-9.]+)`)

// network runs bench/net.sh: real time per HTTP request on the simulated
// network (detgo) against real loopback (go test).
func (s *suite) network() ([]Row, error) {
	row := Row{Name: "real time per simulated network request", Bench: "NetRequest", Unit: "sec/req"}
	if s.o.Quick {
		row.Status = "skipped (-quick)"
		return []Row{row}, nil
	}
	out, err := s.run(s.o.Repo, []string{"SEEDS=5"}, "bash", filepath.Join(s.o.Repo, "bench", "net.sh"))
	if err != nil {
		row.Status = "bench/net.sh failed: " + firstLine(err.Error())
		return []Row{row}, nil
	}
	m := netRe.FindSubmatch(out)
	if m == nil {
		row.Status = "bench/net.sh printed no 'per request (us)' line"
		return []Row{row}, nil
	}
	goUS, _ := strconv.ParseFloat(string(m[1]), 64)
	detUS, _ := strconv.ParseFloat(string(m[2]), 64)
	row.Go, row.Detgo = goUS/1e6, detUS/1e6
	row.GoSamples, row.DetSamples = []float64{row.Go}, []float64{row.Detgo}
	row.Ratio = row.Detgo / row.Go
	row.Note = "bench/net.sh (bench/workloads/nethttp, httptest): (run with 2000 requests - run with 1) / 2000, median of 3; go test on real loopback"
	return []Row{row}, nil
}

// swarmRe matches bench/swarm.sh's line
//
//	swarm: seeds/s per core            <by wall>    <by CPU>     ...
var swarmRe = regexp.MustCompile(`(?m)^swarm: seeds/s per core\s+([0-9.]+)\s+([0-9.]+)`)

// swarm runs bench/swarm.sh (another engineer's) if it exists and takes its
// seeds/s per core figure.
func (s *suite) swarm() ([]Row, error) {
	row := Row{Name: "swarm seeds/s per core", Bench: "SwarmSeedsPerCore", Unit: "seeds/sec/core"}
	script := filepath.Join(s.o.Repo, "bench", "swarm.sh")
	if _, err := os.Stat(script); err != nil {
		row.Status = "not yet measured (detgo swarm not built)"
		return []Row{row}, nil
	}
	if s.o.Quick {
		row.Status = "skipped (-quick)"
		return []Row{row}, nil
	}
	// swarm.sh builds detgo from the repository itself.
	out, err := s.run(s.o.Repo, nil, "bash", script)
	if err != nil {
		row.Status = "bench/swarm.sh failed: " + firstLine(err.Error())
		return []Row{row}, nil
	}
	m := swarmRe.FindSubmatch(out)
	if m == nil {
		row.Status = "bench/swarm.sh printed no 'swarm: seeds/s per core' line"
		row.Note = strings.TrimSpace(string(tail(out, 10)))
		return []Row{row}, nil
	}
	wall, _ := strconv.ParseFloat(string(m[1]), 64)
	cpu, _ := strconv.ParseFloat(string(m[2]), 64)
	row.Detgo, row.DetSamples = wall, []float64{wall}
	cpuRow := Row{Name: "swarm seeds/s per core (by CPU time)", Bench: "SwarmSeedsPerCPUSecond", Unit: "seeds/sec/core",
		Detgo: cpu, DetSamples: []float64{cpu}, Note: "1 / CPU seconds per seed (load does not inflate it)"}
	row.Note = "bench/swarm.sh (examples/bank, a ~20-decision test): seeds/s with one worker per core / cores; " + firstLine(string(out))
	return []Row{row, cpuRow}, nil
}

// memory compares the peak RSS of the test binaries: each workload logs its
// own VmHWM at the end, which is what /usr/bin/time -v would report for the
// binary (under detgo test, time -v would measure the linker instead).
func (s *suite) memory() ([]Row, error) {
	var rows []Row
	for _, w := range []struct{ name, pkg string }{{"CPU-bound", cpuPkg}, {"timers", timersPkg}} {
		env := []string{}
		if w.pkg == timersPkg {
			env = append(env, "BENCH_TIME_SCALE=1/3600")
		}
		gout, err := s.run(s.o.Repo, env, "go", "test", "-count=1", "-v", "-run=.", w.pkg)
		if err != nil {
			return nil, err
		}
		dout, err := s.run(s.o.Repo, nil, s.detgo, "test", "-seed=1", "-v", w.pkg)
		if err != nil {
			return nil, err
		}
		g, d := rssRe.FindSubmatch(gout), rssRe.FindSubmatch(dout)
		if g == nil || d == nil {
			return nil, fmt.Errorf("peak RSS: no peak_rss_kb line from %s", w.pkg)
		}
		gk, _ := strconv.ParseFloat(string(g[1]), 64)
		dk, _ := strconv.ParseFloat(string(d[1]), 64)
		rows = append(rows, Row{Name: "peak RSS, " + w.name + " test binary (MiB)", Bench: "PeakRSS/workload=" + strings.ToLower(strings.ReplaceAll(w.name, "-", "")),
			Unit: "MiB", Go: gk / 1024, Detgo: dk / 1024, Ratio: dk / gk, GoSamples: []float64{gk / 1024}, DetSamples: []float64{dk / 1024},
			Note: "VmHWM of the test binary at the end of the test"})
	}
	return rows, nil
}

// Write writes bench.json and bench.txt.
func (r *Report) Write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.md"), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bench.txt"), []byte(r.Benchstat()), 0o644)
}

// Benchstat renders the samples in the Go benchmark format.
func (r *Report) Benchstat() string {
	var b strings.Builder
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\npkg: github.com/detgo/detgo/bench\ncpu: %s\ndetgo: %s\n", runtime.GOOS, runtime.GOARCH, cpuName(), r.Detgo)
	unit := func(u string) string {
		switch u {
		case "sec":
			return "sec/op"
		case "MiB":
			return "MiB-peak-rss"
		}
		return strings.ReplaceAll(u, "/", "-per-")
	}
	for _, row := range r.Rows {
		for _, side := range []struct {
			tool string
			vals []float64
		}{{"go", row.GoSamples}, {"detgo", row.DetSamples}} {
			for _, v := range side.vals {
				fmt.Fprintf(&b, "Benchmark%s/tool=%s 1 %g %s\n", row.Bench, side.tool, v, unit(row.Unit))
			}
		}
	}
	return b.String()
}

// Table renders the table.
func (r *Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-52s %12s %12s %10s  %s\n", "measure", "go test", "detgo", "ratio", "unit")
	for _, row := range r.Rows {
		if row.Status != "" {
			fmt.Fprintf(&b, "%-52s %s\n", row.Name, row.Status)
			continue
		}
		g := "-"
		if row.Go != 0 {
			g = num(row.Go)
		}
		ratio := "-"
		if row.Ratio != 0 {
			ratio = num(row.Ratio) + "x"
		}
		fmt.Fprintf(&b, "%-52s %12s %12s %10s  %s\n", row.Name, g, num(row.Detgo), ratio, row.Unit)
	}
	fmt.Fprintf(&b, "machine: %s, %s; detgo %s; %d sample(s) per timed row; load at start %s\n", r.Machine, r.GoVersion, r.Detgo, r.Runs, r.LoadAvg)
	return b.String()
}

// Markdown renders the table for docs/bench.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	b.WriteString("| measure | go test | detgo | ratio | unit | note |\n|---|---|---|---|---|---|\n")
	for _, row := range r.Rows {
		if row.Status != "" {
			fmt.Fprintf(&b, "| %s | | | | | %s |\n", strings.TrimSpace(row.Name), row.Status)
			continue
		}
		g, ratio := "-", "-"
		if row.Go != 0 {
			g = num(row.Go)
		}
		if row.Ratio != 0 {
			ratio = num(row.Ratio) + "×"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", strings.TrimSpace(row.Name), g, num(row.Detgo), ratio, row.Unit, row.Note)
	}
	return b.String()
}

func num(f float64) string {
	switch a := max(f, -f); {
	case a >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case a >= 1:
		return strconv.FormatFloat(f, 'f', 2, 64)
	default:
		return strconv.FormatFloat(f, 'f', 3, 64)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func tail(b []byte, n int) []byte {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return []byte(strings.Join(lines, "\n"))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func cpuName() string {
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown"
}

func machine() string {
	return fmt.Sprintf("%s/%s, %d cores, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuName())
}

func revision(repo string) string {
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
