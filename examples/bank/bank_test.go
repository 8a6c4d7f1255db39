package bank

import (
	"sync"
	"testing"
)

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
	if got, want := acct.Balance(), int64(750); got != want {
		t.Fatalf("balance after deposits of 100, 250 and 400 = %d, want %d", got, want)
	}
}
