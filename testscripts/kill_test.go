package testscripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A detgo test killed with SIGKILL leaves nothing behind: go test and its
// detgo exec wrappers die with it, so the package's run lock is free and
// the next detgo test on the package runs at once instead of waiting for
// the orphaned run's -timeout.
func TestKilledDetgoLeavesNoRunner(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/killed\n\ngo 1.26\n",
		"hang_test.go": `package killed

import (
	"os"
	"testing"
)

// TestHang computes forever with nothing else to run: only -timeout ends it.
func TestHang(t *testing.T) {
	if os.Getenv("HANG") == "" {
		t.Skip("HANG not set")
	}
	n := 0
	for {
		n++
	}
}

func TestQuick(t *testing.T) {}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	detgo := filepath.Join(binDir, "detgo")
	env := append(os.Environ(), sharedEnv...)

	// A file, not a pipe: an orphan holding a pipe open would keep Wait waiting.
	hangOut, err := os.Create(filepath.Join(t.TempDir(), "hang.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer hangOut.Close()
	hang := exec.Command(detgo, "test", "-v", "-seed=1", "-timeout=5m", "-run=TestHang", ".")
	hang.Dir, hang.Env = dir, append(env, "HANG=1")
	hang.Stdout, hang.Stderr = hangOut, hangOut
	if err := hang.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the test binary runs (go test prints === RUN with -v).
	for deadline := time.Now().Add(2 * time.Minute); ; {
		out, _ := os.ReadFile(hangOut.Name())
		if strings.Contains(string(out), "=== RUN   TestHang") {
			break
		}
		if time.Now().After(deadline) {
			hang.Process.Kill()
			t.Fatalf("the hanging test never started:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := hang.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	hang.Wait()

	quick := exec.Command(detgo, "test", "-seed=1", "-run=TestQuick", ".")
	quick.Dir, quick.Env = dir, env
	done := make(chan error, 1)
	var out []byte
	go func() {
		var err error
		out, err = quick.CombinedOutput()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("detgo test after the kill: %v\n%s", err, out)
		}
	case <-time.After(time.Minute):
		quick.Process.Kill()
		t.Fatal("detgo test after the kill waited a minute: the killed run's wrapper still holds the package's run lock")
	}
}
