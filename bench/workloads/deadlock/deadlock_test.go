// Package deadlock is a benchmark workload, not a test of detgo: the two
// classic ways a test blocks forever. Under go test each hangs until
// -timeout (10 minutes by default); under detgo each is reported as a
// deadlock as soon as nothing but the test's alarm is left. bench/suite
// measures how long each takes to be reported.
package deadlock

import (
	"sync"
	"testing"
	"time"
)

// TestLockOrder: two goroutines take two mutexes in opposite orders.
func TestLockOrder(t *testing.T) {
	var a, b sync.Mutex
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.Lock()
		time.Sleep(time.Millisecond)
		b.Lock()
		b.Unlock()
		a.Unlock()
	}()
	go func() {
		defer wg.Done()
		b.Lock()
		time.Sleep(time.Millisecond)
		a.Lock()
		a.Unlock()
		b.Unlock()
	}()
	wg.Wait()
}

// TestNeverClosed: a range over a channel that nobody closes.
func TestNeverClosed(t *testing.T) {
	c := make(chan int)
	go func() {
		for i := range 3 {
			c <- i
		}
	}()
	for range c {
	}
}
