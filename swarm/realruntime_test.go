package swarm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detgo/detgo/gotest"
	"github.com/detgo/detgo/toolchain"
)

// bankModule has a lost update that only some interleavings show.
var bankModule = map[string]string{
	"go.mod": "module example.com/bank\n\ngo 1.26\n",
	"bank.go": `package bank

import "sync"

type Account struct {
	mu      sync.Mutex
	balance int64
}

func (a *Account) Balance() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

func (a *Account) Set(v int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.balance = v
}

// Deposit has a lost update: the read and the write are locked separately.
func (a *Account) Deposit(amount int64) {
	b := a.Balance()
	a.Set(b + amount)
}
`,
	"bank_test.go": `package bank

import (
	"sync"
	"testing"
)

func TestEmpty(t *testing.T) {
	var acct Account
	if acct.Balance() != 0 {
		t.Fatal("new account not empty")
	}
}

func TestDeposits(t *testing.T) {
	var acct Account
	var wg sync.WaitGroup
	for _, amount := range []int64{100, 250, 400} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct.Deposit(amount)
		}()
	}
	wg.Wait()
	if got := acct.Balance(); got != 750 {
		t.Fatalf("balance = %d, want 750", got)
	}
}
`,
}

// TestRealRuntime runs a swarm on the patched runtime: the same records
// with one worker and with two, the lost update found and grouped, its
// smallest seed replaying with the same trace hash, its tape kept.
func TestRealRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the patched runtime")
	}
	root := filepath.Join(t.TempDir(), "bank")
	for name, data := range bankModule {
		os.MkdirAll(root, 0o755)
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) swarmResult {
		var stdout, stderr strings.Builder
		code, err := Run(context.Background(), args, Options{
			Ensure: func(ctx context.Context) (gotest.Toolchain, error) {
				tc, err := toolchain.Ensure(ctx)
				if err != nil {
					return nil, err
				}
				return tc, nil
			},
			CacheRoot:    toolchain.CacheRoot,
			Surroundings: gotest.Surroundings{Dir: root, Stdout: &stdout, Stderr: &stderr},
		})
		return swarmResult{code, err, stdout.String(), stderr.String()}
	}
	one := run("-seeds=1-40", "-workers=1", "-results=one.jsonl")
	wantCode(t, one, 1)
	two := run("-seeds=1-40", "-workers=2", "-results=two.jsonl")
	wantCode(t, two, 1)
	a, b := readFile(t, filepath.Join(root, "one.jsonl")), readFile(t, filepath.Join(root, "two.jsonl"))
	ca := content(a.Records)
	if ja, jb := contentJSON(a.Records), contentJSON(b.Records); len(ca) != 40 || ja != jb {
		t.Fatalf("records differ between 1 and 2 workers:\n%s\n%s", ja, jb)
	}
	failed := 0
	for _, r := range ca {
		if r.Hash == "" || r.Strategy == "" || r.Strategy == gotest.DefaultSched || r.Choices == nil {
			t.Errorf("seed %d: no report fields from the runtime: %+v", r.Seed, r)
		}
		if r.Failed() {
			failed++
			if r.Test != "TestDeposits" || !strings.HasPrefix(r.Message, "bank_test.go:") {
				t.Errorf("seed %d: %+v", r.Seed, r)
			}
		}
	}
	if failed == 0 || failed == 40 {
		t.Errorf("%d of 40 seeds failed", failed)
	}
	match(t, "stdout", one.stdout,
		fmt.Sprintf(`^detgo: FAIL TestDeposits \(example.com/bank\): %d seeds, smallest seed=\d+ sched=\S+ \[[0-9a-f]{16}\]$`, failed),
		`^    bank_test.go:\d+: balance = \d+, want 750$`,
		`^detgo: replay: detgo test -run '\^TestDeposits\$' -seed=\d+ -sched=\S+ \.$`,
		`^detgo: tape: detgo replay -tape=one.tapes/[0-9a-f]{16}-seed-\d+.tape \.$`,
	)
	if strings.Contains(one.stdout, "note:") {
		t.Errorf("stdout has a note:\n%s", one.stdout)
	}
}
