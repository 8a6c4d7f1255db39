package toolchain

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Environment of the helper processes started by
// TestConcurrentRenderAcrossProcesses.
const (
	envChildWork   = "DETGO_TOOLCHAIN_TEST_CHILD_WORK" // directory for the start barrier and the render log
	envChildGOROOT = "DETGO_TOOLCHAIN_TEST_CHILD_GOROOT"
	envChildCache  = "DETGO_TOOLCHAIN_TEST_CHILD_CACHE"
)

// TestConcurrentRenderAcrossProcesses starts several copies of this test
// binary that all ensure the same toolchain in the same cache at the same
// moment. Exactly one may render; all must get the same complete directory.
func TestConcurrentRenderAcrossProcesses(t *testing.T) {
	const n = 6
	work := t.TempDir()
	goroot := fakeGOROOT(t)
	root := filepath.Join(t.TempDir(), "cache")

	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRenderHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), envChildWork+"="+work, envChildGOROOT+"="+goroot, envChildCache+"="+root)
		outs[i] = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	// Release all helpers at once, after each has started and is waiting,
	// so that they really race for the lock.
	waitFor(t, func() bool {
		ready, _ := filepath.Glob(filepath.Join(work, "ready-*"))
		return len(ready) == n
	})
	writeFile(t, filepath.Join(work, "go"), "")

	dirs := map[string]bool{}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v\n%s", i, err, outs[i])
		}
		dir := ""
		sc := bufio.NewScanner(outs[i])
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "DIR "); ok {
				dir = d
			}
		}
		if dir == "" {
			t.Fatalf("helper %d printed no DIR line:\n%s", i, outs[i])
		}
		dirs[dir] = true
	}
	if len(dirs) != 1 {
		t.Fatalf("helpers got different directories: %v", dirs)
	}

	// The log gets one line per render, written by the rendering process
	// between writing its temporary directory and renaming it.
	log, err := os.ReadFile(filepath.Join(work, "renders.log"))
	if err != nil {
		t.Fatal(err)
	}
	if renders := strings.Count(string(log), "\n"); renders != 1 {
		t.Errorf("%d renders, want exactly 1; log:\n%s", renders, log)
	}

	for dir := range dirs {
		tc := &Toolchain{GOROOT: goroot, GoVersion: "go1.26.8", Line: "go1.26", Dir: dir, Overlay: filepath.Join(dir, "overlay.json"), src: testSources()}
		checkRenderedTree(t, tc)
		if _, err := tc.checkRendered(); err != nil {
			t.Error(err)
		}
		assertDirEntries(t, filepath.Dir(dir), filepath.Base(dir), filepath.Base(dir)+".lock")
	}
}

// TestRenderHelperProcess is one of the concurrent builders of
// TestConcurrentRenderAcrossProcesses; on its own it does nothing.
func TestRenderHelperProcess(t *testing.T) {
	work := os.Getenv(envChildWork)
	if work == "" {
		t.Skip("helper process for TestConcurrentRenderAcrossProcesses")
	}
	afterRenderHook = func(tmp string) {
		f, err := os.OpenFile(filepath.Join(work, "renders.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "pid %d rendered %s\n", os.Getpid(), tmp)
		f.Close()
		// Hold the lock a while: every other helper must now wait for it
		// and then reuse this render rather than make its own.
		time.Sleep(300 * time.Millisecond)
	}
	writeFile(t, filepath.Join(work, "ready-"+strconv.Itoa(os.Getpid())), "")
	waitFor(t, func() bool {
		_, err := os.Stat(filepath.Join(work, "go"))
		return err == nil
	})
	tc, err := ensureIn(testSources(), os.Getenv(envChildCache), testHost(os.Getenv(envChildGOROOT)))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("DIR %s\n", tc.Dir)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// TestConcurrentRenderInProcess races goroutines of one process: the file
// lock must also exclude them from each other.
func TestConcurrentRenderInProcess(t *testing.T) {
	goroot := fakeGOROOT(t)
	root := t.TempDir()
	var renders atomic.Int32
	afterRenderHook = func(string) {
		renders.Add(1)
		time.Sleep(100 * time.Millisecond)
	}
	defer func() { afterRenderHook = nil }()

	const n = 8
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var tc *Toolchain
			tc, errs[i] = ensureIn(testSources(), root, testHost(goroot))
			if tc != nil {
				dirs[i] = tc.Dir
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || dirs[i] != dirs[0] {
			t.Fatalf("goroutine %d: %q, %v (goroutine 0: %q)", i, dirs[i], errs[i], dirs[0])
		}
	}
	if got := renders.Load(); got != 1 {
		t.Errorf("%d renders, want 1", got)
	}
	checkRenderedTree(t, &Toolchain{GOROOT: goroot, Dir: dirs[0], Overlay: filepath.Join(dirs[0], "overlay.json")})
}
