package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// ErrInactive is returned by the functions that would need the simulated
// network when the program does not run under detgo. It keeps a test from
// ever sending real traffic to a node's address.
var ErrInactive = errors.New("sim: no simulated network (run under detgo test)")

// A Node is a simulated host with its own IPv4 address, 10.0.0.n for the
// n-th node added; its name resolves to it (the simulated /etc/hosts) if it
// is a valid host name. Sockets bound to that address belong to the node;
// traffic between two nodes' addresses goes through the faults between
// them (Partition, SetNodeLink). Sockets on loopback or the wildcard
// address are the test's own host, which no fault touches.
type Node struct {
	name string
	id   int
}

// AddNode returns the node called name, adding it if it is new. Nodes last
// for the whole test binary (a second AddNode with the same name returns the
// same node). Under plain go test it returns ErrInactive.
func AddNode(name string) (*Node, error) {
	if !Active() {
		return nil, ErrInactive
	}
	id := addNode(name)
	switch {
	case id == -1:
		return nil, fmt.Errorf("sim: node %q: too many nodes (at most 254)", name)
	case id <= 0:
		return nil, ErrInactive
	}
	return &Node{name: name, id: id}, nil
}

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// String returns the node's name.
func (n *Node) String() string { return n.name }

// IP returns the node's address.
func (n *Node) IP() netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, byte(n.id)}) }

// Addr returns "ip:port" for a port on the node.
func (n *Node) Addr(port int) string {
	return net.JoinHostPort(n.IP().String(), strconv.Itoa(port))
}

// Listen listens on the node's address: network is "tcp" or "tcp4".
func (n *Node) Listen(network string, port int) (net.Listener, error) {
	if !Active() {
		return nil, ErrInactive
	}
	return net.Listen(network, n.Addr(port))
}

// ListenPacket listens on the node's address: network is "udp" or "udp4".
func (n *Node) ListenPacket(network string, port int) (net.PacketConn, error) {
	if !Active() {
		return nil, ErrInactive
	}
	return net.ListenPacket(network, n.Addr(port))
}

// Dial connects from the node (its address, an ephemeral port) to address.
func (n *Node) Dial(network, address string) (net.Conn, error) {
	return n.DialContext(context.Background(), network, address)
}

// DialContext is Dial with a context.
func (n *Node) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if !Active() {
		return nil, ErrInactive
	}
	d := net.Dialer{}
	switch network {
	case "tcp", "tcp4":
		d.LocalAddr = &net.TCPAddr{IP: n.IP().AsSlice()}
	case "udp", "udp4":
		d.LocalAddr = &net.UDPAddr{IP: n.IP().AsSlice()}
	default:
		return nil, fmt.Errorf("sim: node %s: dial %q: nodes have tcp and udp over IPv4 only", n.name, network)
	}
	return d.DialContext(ctx, network, address)
}

// Partition cuts the link between a and b both ways: UDP datagrams are
// lost; TCP segments are held back and delivered once the link heals; a TCP
// connect gets no answer (SYN retries at 1, 3, 7, 15, 31 and 63s, then
// ETIMEDOUT at 127s, as Linux). Outside detgo it does nothing.
func Partition(a, b *Node) {
	PartitionOneWay(a, b)
	PartitionOneWay(b, a)
}

// PartitionOneWay cuts what from sends to to; to can still send to from.
// ACKs are not simulated, so TCP data keeps flowing from to to from.
func PartitionOneWay(from, to *Node) {
	setBlocked(from, to, true)
}

// Isolate partitions n from each of others.
func Isolate(n *Node, others ...*Node) {
	for _, o := range others {
		if o != n {
			Partition(n, o)
		}
	}
}

// Reconnect removes the partition between a and b, both ways; held TCP
// segments are delivered.
func Reconnect(a, b *Node) {
	setBlocked(a, b, false)
	setBlocked(b, a, false)
}

// Heal removes every fault between nodes: partitions, the latencies and
// losses of SetNodeLink, and SetNodeLinkDup's duplication. Held TCP segments are delivered.
func Heal() {
	heal()
}

// SetNodeLink sets the link between a and b, both ways: its one-way
// latency (instead of SetLink's; jitter stays SetLink's) and its loss, a
// probability: a UDP datagram is lost with it; a TCP segment is "lost" and
// arrives one retransmission timeout (200ms, doubling per further loss) late.
// Outside detgo it does nothing.
func SetNodeLink(a, b *Node, latency time.Duration, loss float64) {
	if a == nil || b == nil {
		return
	}
	ppm := uint64(min(max(loss, 0), 1) * 1e6)
	setPath(a.id, b.id, 2, false, int64(max(latency, 0)), ppm)
	setPath(b.id, a.id, 2, false, int64(max(latency, 0)), ppm)
}

// SetNodeLinkDup makes the link between a and b, both ways, duplicate UDP
// datagrams: each datagram that gets through (is not lost) is delivered a
// second time with probability p (0 to 1, drawn from the seed); the copy
// takes its own latency and jitter, so it may arrive before the original.
// TCP is not affected. It leaves the link's latency and loss alone, and Heal
// removes it. Outside detgo it does nothing.
func SetNodeLinkDup(a, b *Node, p float64) {
	if a == nil || b == nil {
		return
	}
	ppm := uint64(min(max(p, 0), 1) * 1e6)
	setDup(a.id, b.id, ppm)
	setDup(b.id, a.id, ppm)
}

// Clog clogs the link between a and b, both ways, for d of virtual time:
// nothing is lost, but every packet sent meanwhile (TCP segments, SYNs,
// UDP datagrams) leaves only when the clog ends, then takes the link's
// usual time; TCP keeps its order. Heal removes it. Outside detgo it does
// nothing.
func Clog(a, b *Node, d time.Duration) {
	if a == nil || b == nil {
		return
	}
	clog(a.id, b.id, int64(d))
	clog(b.id, a.id, int64(d))
}

func setBlocked(from, to *Node, blocked bool) {
	if from == nil || to == nil {
		return
	}
	setPath(from.id, to.id, 1, blocked, 0, 0)
}

// Go runs f in a new goroutine that belongs to n, as does every goroutine
// it starts: when n crashes, they never run again. Under plain go test
// (where nodes cannot be had) it is an ordinary go statement.
func (n *Node) Go(f func()) {
	if n == nil || !goOnNode(n.id, f) {
		go f()
	}
}

// Crash makes n's process die and the host come back at once: the
// goroutines started on n with Go (and those they started) never run again,
// its listeners stop (Accept fails), its connections are reset at both ends
// (the far end when n's RST arrives), its UDP sockets fail their next read,
// and its ports are free to listen on again. Goroutines not started with
// n.Go see these errors. A test restarts the node by starting its server
// again with n.Go. Outside detgo it does nothing.
func Crash(n *Node) {
	if n != nil {
		crash(n.id)
	}
}
