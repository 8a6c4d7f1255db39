package sim_test

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/detgo/detgo/sim"
)

// detgo test runs the test binary with DETGO_SEED set; go test does not.
func underDetgo() bool {
	_, ok := os.LookupEnv("DETGO_SEED")
	return ok
}

func TestActive(t *testing.T) {
	if got, want := sim.Active(), underDetgo(); got != want {
		t.Fatalf("Active() = %v, want %v", got, want)
	}
}

// A dial takes one round trip: with a 10ms link and no jitter, exactly 20ms
// of virtual time.
func TestSetLink(t *testing.T) {
	if !sim.Active() {
		t.Skip("needs detgo's simulated network")
	}
	sim.SetLink(10*time.Millisecond, 0)
	defer sim.SetLink(50*time.Microsecond, 10*time.Microsecond)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if d := time.Since(start); d != 20*time.Millisecond {
		t.Fatalf("Dial took %v, want 20ms", d)
	}
}

// At 8 Mbit/s a 1 MB transfer runs at the bandwidth: with a 50µs link and
// no jitter, the last of its 32 KB writes arrives 50µs plus 1 MB at 8 Mbit/s
// (1.048576s) after the first was sent, exactly: each segment queues behind
// the one before.
func TestSetBandwidth(t *testing.T) {
	if !sim.Active() {
		t.Skip("needs detgo's simulated network")
	}
	sim.SetLink(50*time.Microsecond, 0)
	defer sim.SetLink(50*time.Microsecond, 10*time.Microsecond)
	sim.SetBandwidth(8e6)
	defer sim.SetBandwidth(0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan time.Time, 1) // when the last byte arrived
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
			done <- time.Time{}
			return
		}
		defer c.Close()
		buf := make([]byte, 32<<10)
		total := 0
		for total < 1<<20 {
			n, err := c.Read(buf)
			if err != nil {
				t.Error(err)
				break
			}
			total += n
		}
		done <- time.Now()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	chunk := make([]byte, 32<<10)
	for range 32 {
		if _, err := c.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	d := (<-done).Sub(start)
	if want := 50*time.Microsecond + 1048576*time.Microsecond; d != want {
		t.Fatalf("1 MB at 8 Mbit/s took %v, want %v", d, want)
	}
	t.Logf("1 MB at 8 Mbit/s took %v", d)
}
