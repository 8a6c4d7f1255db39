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
