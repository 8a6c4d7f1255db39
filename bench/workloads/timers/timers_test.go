// Package timers is a benchmark workload, not a test of detgo: the shape of
// a timeout-heavy unit test. Sleepers, tickers, context deadlines and
// time.After races add up to two hours of timers. Under detgo they run on
// the virtual clock, so the run takes far less real time; under go test
// they take real time, so bench/suite runs it natively scaled down
// (BENCH_TIME_SCALE=1/3600 shrinks every duration) and compares
// simulated seconds per real second both ways.
package timers

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// scale multiplies every duration: BENCH_TIME_SCALE is a float or a/b.
func scale(t *testing.T) float64 {
	s := os.Getenv("BENCH_TIME_SCALE")
	if s == "" {
		return 1
	}
	num, den, ok := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	d := 1.0
	if ok && err == nil {
		d, err = strconv.ParseFloat(den, 64)
	}
	if err != nil || n <= 0 || d <= 0 {
		t.Fatalf("bad BENCH_TIME_SCALE %q", s)
	}
	return n / d
}

func TestTimers(t *testing.T) {
	k := scale(t)
	dur := func(d time.Duration) time.Duration { return time.Duration(float64(d) * k) }
	total := dur(2 * time.Hour)
	r := rand.New(rand.NewPCG(1, 2)) // the same workload both ways
	var events atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()

	// 200 sleepers, each sleeping 20 random steps of up to 12 minutes.
	for range 200 {
		steps := make([]time.Duration, 20)
		for i := range steps {
			steps[i] = dur(time.Duration(r.Int64N(int64(12 * time.Minute))))
		}
		wg.Go(func() {
			for _, d := range steps {
				time.Sleep(d)
				events.Add(1)
			}
		})
	}
	// 50 tickers with periods from 1s to 60s, until the two hours are up.
	for range 50 {
		period := dur(time.Second + time.Duration(r.Int64N(int64(59*time.Second))))
		wg.Go(func() {
			tk := time.NewTicker(period)
			defer tk.Stop()
			deadline := time.NewTimer(total)
			defer deadline.Stop()
			for {
				select {
				case <-tk.C:
					events.Add(1)
				case <-deadline.C:
					return
				}
			}
		})
	}
	// 100 workers: each runs requests with a context deadline racing a
	// reply that comes after a random delay, for the two hours.
	for range 100 {
		timeout := dur(time.Duration(1+r.Int64N(30)) * time.Second)
		reply := dur(time.Duration(1+r.Int64N(40)) * time.Second)
		wg.Go(func() {
			for time.Since(start) < total {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				select {
				case <-ctx.Done():
				case <-time.After(reply):
				}
				cancel()
				events.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("bench: simulated_ns %d events %d", int64(float64(elapsed)/k), events.Load())
	logPeakRSS(t)
}

// logPeakRSS logs the process's peak resident set size (VmHWM, kB): the
// same number /usr/bin/time -v reports as maximum resident set size.
func logPeakRSS(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			t.Logf("bench: peak_rss_kb %s", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
}
