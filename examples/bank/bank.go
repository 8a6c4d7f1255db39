// Package bank is a detgo example: a lost update between two critical sections.
//
// Every method of Account takes the mutex, yet Deposit reads the balance in
// one critical section and writes it back in another, so two deposits that
// interleave between those steps both write "old balance + amount" and one of
// them vanishes: in production a customer's money now and then disappears
// while every test stays green. It takes a goroutine switch in the few
// nanoseconds between Balance's Unlock and Set's Lock, and the Go scheduler
// does not preempt such short code, so the test fails only if two deposits
// happen to run truly in parallel at that instant.
//
// Measured on a 2-core machine with Go 1.26: `go test -count=1000` failed 0
// times in each of 8 runs (and 0 of 10000 with -count=10000), also with
// GOMAXPROCS=1; with -race, which makes everything slower, 0 to 26 of 1000.
// There is no data race for -race to report.
package bank

import "sync"

// Account is a balance in cents that is safe for concurrent use. Almost.
type Account struct {
	mu      sync.Mutex
	balance int64
}

// Balance returns the current balance.
func (a *Account) Balance() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

// Set overwrites the balance, e.g. after a reconciliation.
func (a *Account) Set(cents int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.balance = cents
}

// Deposit adds amount to the balance.
//
// BUG: the read and the write are each locked, but not together.
func (a *Account) Deposit(amount int64) {
	b := a.Balance()
	a.Set(b + amount)
}
