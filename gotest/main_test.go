package gotest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestMain lets this test binary stand in for the detgo binary: go test
// -exec runs it as "<binary> exec <test binary> <args>", and it then does
// what detgo exec does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "exec" {
		code, err := Exec(context.Background(), os.Args[2:], ExecOptions{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "detgo: %v\n", err)
			os.Exit(2)
		}
		os.Exit(code)
	}
	code := m.Run()
	if fakeDir != "" {
		os.RemoveAll(fakeDir)
	}
	os.Exit(code)
}

// fakeTestBinary is a stand-in for a test binary built on the detgo
// runtime: it writes a report to $DETGO_REPORT whose hash depends on
// $DETGO_SEED, prints what the wrapper set up for it, and fails for seeds
// divisible by 3. FAKE_MODE changes it:
//
//	noreport  write no report, as a binary on the stock runtime would
//	nondet    differ on every other run (counted in $FAKE_COUNTER)
//	wrongseed report seed+1
//	needsall  fail only when run without -test.run
const fakeTestBinary = `package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	seed, err := strconv.ParseUint(os.Getenv("DETGO_SEED"), 10, 64)
	if err != nil {
		fmt.Println("no seed:", err)
		os.Exit(3)
	}
	mode := os.Getenv("FAKE_MODE")
	tmp := os.Getenv("TMPDIR")
	entries, _ := os.ReadDir(tmp)
	fmt.Printf("args0=%s\n", os.Args[0])
	fmt.Printf("args=%q\n", os.Args[1:])
	fmt.Printf("env TZ=%s GOGC=%s GODEBUG=%s GOMAXPROCS=%q GOMEMLIMIT=%q DETGO_OTHER=%q DETGO_SCHED=%s\n",
		os.Getenv("TZ"), os.Getenv("GOGC"), os.Getenv("GODEBUG"), os.Getenv("GOMAXPROCS"),
		os.Getenv("GOMEMLIMIT"), os.Getenv("DETGO_OTHER"), os.Getenv("DETGO_SCHED"))
	fmt.Printf("tmpdir=%s entries=%d\n", tmp, len(entries))
	os.WriteFile(filepath.Join(tmp, "leftover"), []byte("x"), 0o644)
	if d, err := time.ParseDuration(os.Getenv("FAKE_SLEEP")); err == nil {
		time.Sleep(d)
	}

	hash := seed * 0x9e3779b97f4a7c15
	cp1, cp2 := hash^1, hash^2
	goroutine := 7 // in the decision log (DETGO_TRACE)
	if mode == "nondet" {
		c := os.Getenv("FAKE_COUNTER")
		data, _ := os.ReadFile(c)
		n, _ := strconv.Atoi(string(data))
		os.WriteFile(c, []byte(strconv.Itoa(n+1)), 0o644)
		if n%2 == 1 {
			cp2 ^= 0xff
			hash ^= 0xff
			goroutine = 8
			fmt.Println("a different line")
		}
	}
	if path := os.Getenv("DETGO_TRACE"); path != "" {
		log := fmt.Sprintf("step %s vnow 0 pick goroutine 1 of 1 at main.main x.go:1\nstep 2 vnow 5 pick goroutine %d of 2 at main.f x.go:9\n",
			os.Getenv("DETGO_TRACE_FROM"), goroutine)
		os.WriteFile(path, []byte(log), 0o644)
	}
	if mode == "wrongseed" {
		seed++
	}
	if mode != "noreport" {
		report := fmt.Sprintf("seed %d\nsched %s\nhash %#x\nsteps 3000\nfuture 1 2 3\ncheckpoint 1024 %#x\ncheckpoint 2048 %#x\n",
			seed, os.Getenv("DETGO_SCHED"), hash, cp1, cp2)
		os.WriteFile(os.Getenv("DETGO_REPORT"), []byte(report), 0o644)
	}
	narrowed := false
	for _, a := range os.Args[1:] {
		narrowed = narrowed || strings.HasPrefix(a, "-test.run=")
	}
	if seed%3 == 0 && !(mode == "needsall" && narrowed) {
		fmt.Println("--- FAIL: TestOdd (0.00s)")
		fmt.Fprintln(os.Stderr, "    odd_test.go:9: boom")
		fmt.Println("FAIL")
		os.Exit(1)
	}
	fmt.Println("PASS")
}
`

var (
	fakeOnce sync.Once
	fakeDir  string
	fakeBin  string
	fakeErr  error
)

// buildFake builds fakeTestBinary once per test process.
func buildFake(t *testing.T) string {
	t.Helper()
	fakeOnce.Do(func() {
		if fakeDir, fakeErr = os.MkdirTemp("", "detgo-fake-"); fakeErr != nil {
			return
		}
		src := filepath.Join(fakeDir, "main.go")
		if fakeErr = os.WriteFile(src, []byte(fakeTestBinary), 0o644); fakeErr != nil {
			return
		}
		fakeBin = filepath.Join(fakeDir, "pkg.test")
		out, err := exec.Command("go", "build", "-o", fakeBin, src).CombinedOutput()
		if err != nil {
			fakeErr = fmt.Errorf("building the fake test binary: %v\n%s", err, out)
		}
	})
	if fakeErr != nil {
		t.Fatal(fakeErr)
	}
	return fakeBin
}
