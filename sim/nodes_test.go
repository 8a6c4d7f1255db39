package sim_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
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

// What a writer sends and then closes during a partition arrives after the
// heal, in order, followed by the end of the stream.
func TestPartitionHoldsFIN(t *testing.T) {
	ns := nodes(t, "a", "b")
	ln, err := ns[1].Listen("tcp", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var start time.Time // set before the server can read anything
	got := make(chan string)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		b, err := io.ReadAll(c)
		got <- fmt.Sprintf("%q %v at %v", b, err, time.Since(start))
	}()
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sim.Partition(ns[0], ns[1])
	start = time.Now()
	c.Write([]byte("one "))
	c.Write([]byte("two"))
	c.Close()
	time.AfterFunc(500*time.Millisecond, func() { sim.Reconnect(ns[0], ns[1]) })
	if g := <-got; !strings.HasPrefix(g, `"one two" <nil> at 500.0`) {
		t.Fatalf("the server read %s; want \"one two\", then EOF, just after the 500ms partition", g)
	}
}

// Under a one-way partition a -> b, b's data still reaches a.
func TestPartitionOneWayTCP(t *testing.T) {
	ns := nodes(t, "a", "b")
	ln, err := ns[1].Listen("tcp", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		time.Sleep(10 * time.Millisecond)
		c.Write([]byte("from b"))
		io.Copy(io.Discard, c)
	}()
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sim.PartitionOneWay(ns[0], ns[1])
	c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 6)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "from b" {
		t.Fatalf("a read %q, %v; want \"from b\" (b -> a is open)", buf, err)
	}
}

// net/http works between nodes: a server on one node, a client on another
// (its Transport dials from its node), and a partition makes the request
// time out.
func TestNodeHTTP(t *testing.T) {
	ns := nodes(t, "web", "browser")
	ln, err := ns[0].Listen("tcp", 80)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.RemoteAddr)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	client := &http.Client{
		Transport: &http.Transport{DialContext: ns[1].DialContext},
		Timeout:   time.Second,
	}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://web/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), "hello "+ns[1].IP().String()+":") {
		t.Fatalf("body %q, want hello from %v", body, ns[1].IP())
	}
	sim.Partition(ns[0], ns[1])
	start := time.Now()
	if _, err := client.Get("http://web/"); err == nil {
		t.Fatal("a request across a partition succeeded")
	}
	if d := time.Since(start); d != time.Second {
		t.Fatalf("the request failed after %v, want the client's 1s timeout", d)
	}
}

// Data a node sent into a partition and never got out dies when the node
// crashes: after the heal the peer gets a reset, not the data.
func TestCrashLosesHeldData(t *testing.T) {
	ns := nodes(t, "a", "b")
	ln, err := ns[1].Listen("tcp", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		b, err := io.ReadAll(c)
		got <- fmt.Sprintf("%q %v", b, err)
	}()
	c, err := ns[0].Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sim.Partition(ns[0], ns[1])
	c.Write([]byte("lost"))
	c.Close()
	time.Sleep(10 * time.Millisecond)
	sim.Crash(ns[0])
	sim.Heal()
	if g := <-got; !strings.HasPrefix(g, `"" `) || !strings.Contains(g, "connection reset") {
		t.Fatalf("the server read %s; want a reset and no data", g)
	}
}

// A crash stops the goroutines started on the node, and those they started;
// goroutines started on the node after the crash (a restart) run.
func TestCrashStopsGoroutines(t *testing.T) {
	n := nodes(t, "worker")[0]
	ticks := make(chan string, 100)
	loop := func(name string) func() {
		return func() {
			for {
				time.Sleep(time.Millisecond)
				ticks <- name
			}
		}
	}
	n.Go(func() { go loop("child")(); loop("parent")() })
	time.Sleep(10 * time.Millisecond)
	sim.Crash(n)
	for len(ticks) > 0 {
		<-ticks
	}
	time.Sleep(100 * time.Millisecond)
	if len(ticks) != 0 {
		t.Fatalf("%d ticks after the crash (first: %s)", len(ticks), <-ticks)
	}
	n.Go(loop("restarted"))
	if got := <-ticks; got != "restarted" {
		t.Fatalf("after the restart: tick from %q", got)
	}
	sim.Crash(n) // and stop it again, so that no goroutine outlives the test
}

// Under plain go test Node.Go is a go statement.
func TestNodeGoPlain(t *testing.T) {
	if sim.Active() {
		t.Skip("runs under plain go test")
	}
	done := make(chan bool)
	var n *sim.Node
	n.Go(func() { done <- true })
	<-done
}

// A link that duplicates with probability 1 delivers every datagram twice,
// each copy with its own delay; with 0, once. The arrival order and times
// are logged, so that two runs of a seed can be compared.
func TestNodeLinkDup(t *testing.T) {
	ns := nodes(t, "a", "b")
	pa, err := ns[0].ListenPacket("udp", 9002)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	pb, err := ns[1].ListenPacket("udp", 9002)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	to := net.UDPAddrFromAddrPort(addrPort(ns[1], 9002))
	for _, c := range []struct {
		p    float64
		want int
	}{{1, 2}, {0, 1}, {1, 2}} {
		sim.SetNodeLinkDup(ns[0], ns[1], c.p)
		start := time.Now()
		for i := range 10 {
			if _, err := pa.WriteTo([]byte{byte(i)}, to); err != nil {
				t.Fatal(err)
			}
		}
		count := make([]int, 10)
		var order []string
		buf := make([]byte, 16)
		for {
			pb.SetReadDeadline(start.Add(100 * time.Millisecond))
			n, _, err := pb.ReadFrom(buf)
			if err != nil {
				break
			}
			if n != 1 || buf[0] >= 10 {
				t.Fatalf("got %q, want one byte below 10", buf[:n])
			}
			count[buf[0]]++
			order = append(order, fmt.Sprintf("%d@%v", buf[0], time.Since(start)))
		}
		for i, n := range count {
			if n != c.want {
				t.Fatalf("duplication %v: datagram %d arrived %d times, want %d (%v)", c.p, i, n, c.want, order)
			}
		}
		t.Logf("duplication %v: %v", c.p, order)
	}
}

// A clogged link loses nothing: what is sent while it is clogged arrives
// once the clog ends, plus the link's usual latency.
func TestClog(t *testing.T) {
	ns := nodes(t, "c1", "c2")
	pc, err := ns[0].ListenPacket("udp", 9000)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	conn, err := ns[1].Dial("udp", ns[0].Addr(9000))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	transit := func() time.Duration {
		start := time.Now()
		if _, err := conn.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := pc.ReadFrom(make([]byte, 16)); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	normal := transit()
	sim.Clog(ns[0], ns[1], time.Second)
	clogged := transit()
	after := transit()
	t.Logf("transit %v, clogged %v, after the clog %v", normal, clogged, after)
	if normal > time.Millisecond || after > time.Millisecond {
		t.Errorf("unclogged transit %v, %v: want under 1ms", normal, after)
	}
	if clogged < time.Second || clogged > time.Second+time.Millisecond {
		t.Errorf("clogged transit %v: want the 1s clog plus the link's latency", clogged)
	}
}
