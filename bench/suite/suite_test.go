package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestQuick runs the whole suite in sanity mode: every row runs once (cold
// builds and swarm skipped) and the table, bench.json and bench.txt come
// out well formed. It asserts nothing about speed.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("runs detgo test several times")
	}
	dir := t.TempDir()
	detgo := filepath.Join(dir, "detgo")
	if out, err := exec.Command("go", "build", "-o", detgo, "../../cmd/detgo").CombinedOutput(); err != nil {
		t.Fatalf("building detgo: %v\n%s", err, out)
	}
	var log strings.Builder
	rep, err := Main(context.Background(), Options{Quick: true, Out: dir, Detgo: detgo}, nopLog{&log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want := []string{"StdBuild/cache=cold", "StdBuild/cache=warm", "TestBuild/cache=cold", "TestBuild/cache=warm",
		"CPUBoundSeed/vs=go", "CPUBoundSeed/vs=go-maxprocs1", "CPUBoundBinary/vs=go", "CPUBoundBinary/vs=go-maxprocs1", "CPUBoundMarginal", "TimeCompression",
		"DeadlockReport/TestLockOrder", "DeadlockReport/TestNeverClosed", "NetRequest",
		"SwarmSeedsPerCore", "PeakRSS/workload=cpubound", "PeakRSS/workload=timers"}
	var got []string
	for _, r := range rep.Rows {
		got = append(got, r.Bench)
		switch {
		case r.Status != "":
			if r.Detgo != 0 || r.Go != 0 {
				t.Errorf("row %s has status %q and numbers", r.Bench, r.Status)
			}
		case r.Detgo <= 0 || len(r.DetSamples) == 0:
			t.Errorf("row %s: no detgo measurement: %+v", r.Bench, r)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rows:\n got %v\nwant %v", got, want)
	}
	for _, r := range rep.Rows {
		if r.Bench == "NetRequest" && r.Status != "skipped (-quick)" {
			t.Errorf("simulated network row: %q", r.Status)
		}
		if r.Bench == "TimeCompression" && r.Detgo < 10 {
			t.Errorf("time compression %.1f sim-s/s: the timers workload did not run on the virtual clock", r.Detgo)
		}
	}

	var back Report
	b, err := os.ReadFile(filepath.Join(dir, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil || len(back.Rows) != len(want) {
		t.Fatalf("bench.json: %v, %d rows", err, len(back.Rows))
	}
	txt, err := os.ReadFile(filepath.Join(dir, "bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^Benchmark\S+/tool=(go|detgo) 1 [0-9.e+-]+ \S+$`)
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(txt)), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			n++
			if !line.MatchString(l) {
				t.Errorf("bench.txt: not a benchmark line: %q", l)
			}
		}
	}
	if n < 10 {
		t.Errorf("bench.txt: %d benchmark lines", n)
	}
	table := rep.Table()
	if !strings.HasPrefix(table, "measure") || strings.Count(table, "\n") != len(want)+2 {
		t.Errorf("table:\n%s", table)
	}
	t.Logf("\n%s", table)
}

type nopLog struct{ b *strings.Builder }

func (l nopLog) Write(p []byte) (int, error) { return l.b.Write(p) }
