// Package cpubound is a benchmark workload, not a test of detgo: four
// goroutines hash and sort, meeting on a mutex and a channel now and then,
// the shape of a CPU-heavy unit test. bench/suite (and bench/core.sh) time
// it under go test and detgo test.
package cpubound

import (
	"crypto/sha256"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

func work(seed byte, rounds int) [32]byte {
	sum := [32]byte{seed}
	buf := make([]uint32, 4096)
	for r := range rounds {
		sum = sha256.Sum256(sum[:])
		for i := range buf {
			buf[i] = uint32(sum[i%32])<<24 ^ uint32(i*int(sum[(i+r)%32]))
		}
		slices.Sort(buf)
	}
	return sum
}

func TestCPUBound(t *testing.T) {
	var mu sync.Mutex
	var total [32]byte
	done := make(chan int)
	for g := range 4 {
		go func() {
			for range 100 {
				s := work(byte(g), 5)
				mu.Lock()
				for i := range total {
					total[i] ^= s[i]
				}
				mu.Unlock()
			}
			done <- g
		}()
	}
	for range 4 {
		<-done
	}
	t.Logf("total %x", total[:4])
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
