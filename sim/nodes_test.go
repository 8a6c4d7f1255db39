package sim_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/detgo/detgo/sim"
)

// Outside detgo nothing that could reach a node's address works.
func TestInactiveRefuses(t *testing.T) {
	if sim.Active() {
		t.Skip("runs under plain go test")
	}
	if _, err := sim.AddNode("n1"); !errors.Is(err, sim.ErrInactive) {
		t.Fatalf("AddNode: err = %v, want ErrInactive", err)
	}
	if _, err := sim.RandomFaults(nil, sim.FaultOptions{}); !errors.Is(err, sim.ErrInactive) {
		t.Fatalf("RandomFaults: err = %v, want ErrInactive", err)
	}
	sim.Heal() // no-op
}

// nodes returns the named nodes, failing the test outside detgo before
// anything dials a non-loopback address.
func nodes(t *testing.T, names ...string) []*sim.Node {
	t.Helper()
	if !sim.Active() {
		t.Skip("needs detgo's simulated network")
	}
	var ns []*sim.Node
	for _, name := range names {
		n, err := sim.AddNode(name)
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	t.Cleanup(sim.Heal)
	return ns
}

// echo serves one line-less echo per connection on n.
func echo(t *testing.T, n *sim.Node) net.Listener {
	ln, err := n.Listen("tcp", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln
}

func TestNodeAddresses(t *testing.T) {
	ns := nodes(t, "a", "b")
	if !ns[0].IP().Is4() || ns[0].IP().As4()[0] != 10 || ns[0].IP() == ns[1].IP() {
		t.Fatalf("nodes a and b have addresses %v and %v", ns[0].IP(), ns[1].IP())
	}
	again, _ := sim.AddNode("a")
	if again.IP() != ns[0].IP() {
		t.Fatalf("AddNode(a) again: %v, want %v", again.IP(), ns[0].IP())
	}
	ln := echo(t, ns[1])
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.LocalAddr().(*net.TCPAddr).IP.String(); got != ns[0].IP().String() {
		t.Fatalf("local address %v, want node a's %v", got, ns[0].IP())
	}
	if _, err := net.Dial("tcp", "10.0.0.250:80"); !errors.Is(err, syscall.ENETUNREACH) {
		t.Fatalf("dial to an address no node has: err = %v, want ENETUNREACH", err)
	}
}

// A partition stalls an established connection; healing delivers what was
// held, in order.
func TestPartitionHoldsAndHeals(t *testing.T) {
	ns := nodes(t, "a", "b")
	ln := echo(t, ns[1])
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sim.Partition(ns[0], ns[1])
	start := time.Now()
	time.AfterFunc(time.Second, sim.Heal)
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if d := time.Since(start); d < time.Second || d > time.Second+time.Millisecond {
		t.Fatalf("echo took %v, want just over 1s (the partition's length)", d)
	}
}

// A read deadline is how a program notices a partition.
func TestPartitionDeadline(t *testing.T) {
	ns := nodes(t, "a", "b")
	ln := echo(t, ns[1])
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sim.Partition(ns[0], ns[1])
	c.Write([]byte("x"))
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read across a partition: err = %v, want a timeout", err)
	}
}

// A connect across a partition gets no answer: with a timeout it fails
// with the timeout, without one after Linux's 127s of SYN retries.
func TestPartitionConnect(t *testing.T) {
	ns := nodes(t, "a", "b")
	ln := echo(t, ns[1])
	sim.Partition(ns[0], ns[1])
	start := time.Now()
	_, err := ns[0].Dial("tcp", ln.Addr().String())
	if !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("dial across a partition: err = %v, want ETIMEDOUT", err)
	}
	if d := time.Since(start); d != 127*time.Second {
		t.Fatalf("dial gave up after %v, want 127s", d)
	}
	// Healed during the retries, the SYN goes through at the next retry (3s).
	start = time.Now()
	time.AfterFunc(2*time.Second, sim.Heal)
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if d := time.Since(start); d < 3*time.Second || d > 3*time.Second+time.Millisecond {
		t.Fatalf("dial healed at 2s took %v, want just over 3s", d)
	}
}

// A one-way partition cuts one direction only.
func TestPartitionOneWay(t *testing.T) {
	ns := nodes(t, "a", "b")
	pa, err := ns[0].ListenPacket("udp", 9000)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	pb, err := ns[1].ListenPacket("udp", 9000)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	sim.PartitionOneWay(ns[0], ns[1])
	if _, err := pa.WriteTo([]byte("a to b"), net.UDPAddrFromAddrPort(addrPort(ns[1], 9000))); err != nil {
		t.Fatal(err)
	}
	if _, err := pb.WriteTo([]byte("b to a"), net.UDPAddrFromAddrPort(addrPort(ns[0], 9000))); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	pa.SetReadDeadline(time.Now().Add(time.Second))
	n, _, err := pa.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "b to a" {
		t.Fatalf("a got %q, %v; want \"b to a\"", buf[:n], err)
	}
	pb.SetReadDeadline(time.Now().Add(time.Second))
	if n, _, err := pb.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("b got %q, %v; want nothing (a -> b is cut)", buf[:n], err)
	}
}

// Per-link latency and loss: with half the datagrams lost, about half
// arrive, each after the link's latency.
func TestNodeLink(t *testing.T) {
	ns := nodes(t, "a", "b")
	sim.SetNodeLink(ns[0], ns[1], 20*time.Millisecond, 0.5)
	pa, err := ns[0].ListenPacket("udp", 9001)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	pb, err := ns[1].ListenPacket("udp", 9001)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	start := time.Now()
	for range 100 {
		pa.WriteTo([]byte("x"), net.UDPAddrFromAddrPort(addrPort(ns[1], 9001)))
	}
	got := 0
	for {
		pb.SetReadDeadline(start.Add(time.Second))
		if _, _, err := pb.ReadFrom(make([]byte, 1)); err != nil {
			break
		}
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Fatalf("a datagram arrived after %v, before the link's 20ms", d)
		}
		got++
	}
	if got < 30 || got > 70 {
		t.Fatalf("%d of 100 datagrams arrived with loss 0.5", got)
	}
	t.Logf("%d of 100 datagrams arrived", got)
}

// The same seed draws the same schedule; it is printed one fault a line.
func TestRandomFaults(t *testing.T) {
	ns := nodes(t, "n1", "n2", "n3")
	s, err := sim.RandomFaults(ns, sim.FaultOptions{Faults: 4, OneWay: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if len(s.Faults) != 4 {
		t.Fatalf("%d faults, want 4", len(s.Faults))
	}
	for _, f := range s.Faults {
		t.Log(f)
	}
	time.Sleep(s.End())
}

func addrPort(n *sim.Node, port uint16) netip.AddrPort { return netip.AddrPortFrom(n.IP(), port) }

// A crash resets the node's connections and frees its port: the client
// sees the reset, the old listener fails, and a restarted server answers.
func TestCrash(t *testing.T) {
	ns := nodes(t, "a", "b")
	ln := echo(t, ns[1])
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	io.ReadFull(c, make([]byte, 1))
	sim.Crash(ns[1])
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after the server's node crashed: err = %v, want ECONNRESET", err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Fatal("the crashed node's listener still accepts")
	}
	ln2, err := ns[1].Listen("tcp", ln.Addr().(*net.TCPAddr).Port)
	if err != nil {
		t.Fatalf("listen again on the restarted node: %v", err)
	}
	defer ln2.Close()
	go func() {
		if c, err := ln2.Accept(); err == nil {
			io.Copy(c, c)
			c.Close()
		}
	}()
	c2, err := ns[0].Dial("tcp", ln2.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.Write([]byte("y"))
	if _, err := io.ReadFull(c2, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
}

// A node's name resolves to its address.
func TestNodeName(t *testing.T) {
	ns := nodes(t, "db1", "web")
	addrs, err := net.LookupHost("db1")
	if err != nil || len(addrs) != 1 || addrs[0] != ns[0].IP().String() {
		t.Fatalf("LookupHost(db1) = %v, %v; want [%v]", addrs, err, ns[0].IP())
	}
	ln := echo(t, ns[0])
	c, err := ns[1].Dial("tcp", net.JoinHostPort("db1", fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
