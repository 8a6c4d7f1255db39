package kv

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/detgo/detgo/sim"
)

// Without faults (on loopback, under go test or detgo test) every
// acknowledged write is there: the store looks correct.
func TestNoFaults(t *testing.T) {
	var d net.Dialer
	var servers []*Server
	var addrs []string
	for i := range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := NewServer(fmt.Sprint("n", i+1), ln, d.DialContext, i == 0)
		defer s.Close()
		servers = append(servers, s)
		addrs = append(addrs, ln.Addr().String())
	}
	for i, s := range servers {
		s.SetPeers(others(addrs, i))
	}
	c := &Client{Servers: addrs, Dial: d.DialContext}
	check(t, c, write(t, c, 20))
}

// Under a partition schedule drawn from the seed, some seeds cut the
// primary off before its replication reached the server the client then
// fails over to (a batch not yet sent, or one a partition kept from that
// server): an acknowledged write is lost. The client runs on a fourth node,
// so partitions can separate it from the servers too.
func TestFailover(t *testing.T) {
	if !sim.Active() {
		// Must come before anything touches a node's (non-loopback) address.
		t.Skip("needs detgo's simulated network to inject partitions")
	}
	var nodes []*sim.Node
	for _, name := range []string{"n1", "n2", "n3", "client"} {
		n, err := sim.AddNode(name)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	defer sim.Heal()
	var addrs []string
	var servers []*Server
	for i, n := range nodes[:3] {
		ln, err := n.Listen("tcp", 7000)
		if err != nil {
			t.Fatal(err)
		}
		s := NewServer(n.Name(), ln, n.DialContext, i == 0)
		defer s.Close()
		servers = append(servers, s)
		addrs = append(addrs, ln.Addr().String())
	}
	for i, s := range servers {
		s.SetPeers(others(addrs, i))
	}
	begin := time.Now()
	sched, err := sim.RandomFaults(nodes, sim.FaultOptions{Faults: 3, Within: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{Servers: addrs, Dial: nodes[3].DialContext}
	var acked []string
	// The schedule is printed last, so that a failure's first line (what
	// detgo swarm groups failures by) is the failure itself.
	defer func() {
		for _, f := range sched.Faults {
			t.Log("fault:", f)
		}
		t.Logf("%d of 100 writes acknowledged; primary now %s", len(acked), c.Primary())
	}()
	acked = write(t, c, 100)
	time.Sleep(time.Until(begin.Add(sched.End())))
	sched.Stop()
	sim.Heal()
	time.Sleep(time.Second) // let replication settle
	check(t, c, acked)
}

// write puts key0..key(n-1), one every 10ms, and returns the acknowledged ones.
func write(t *testing.T, c *Client, n int) []string {
	var acked []string
	for i := range n {
		k := fmt.Sprint("key", i)
		if err := c.Put(k, fmt.Sprint("v", i)); err == nil {
			acked = append(acked, k)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return acked
}

// check reads every acknowledged key back from the primary.
func check(t *testing.T, c *Client, acked []string) {
	var lost []string
	for _, k := range acked {
		v, ok, err := c.Get(k)
		if err != nil {
			t.Fatalf("get %s from %s: %v", k, c.Primary(), err)
		}
		if !ok || v != "v"+k[3:] {
			lost = append(lost, k)
		}
	}
	if len(lost) > 0 {
		t.Errorf("acknowledged writes lost after failover to %s: %d of %d, first %s", c.Primary(), len(lost), len(acked), lost[0])
	}
}

func others(addrs []string, i int) []string {
	var o []string
	for j, a := range addrs {
		if j != i {
			o = append(o, a)
		}
	}
	return o
}
