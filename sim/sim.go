// Package sim lets a test ask about, and tune, the simulation detgo runs it
// in. Under detgo test (which builds with -tags=detgo on a patched standard
// library) its functions reach into the simulation; under plain go test they
// report that no simulation is active and change nothing, so a test that
// uses sim runs both ways.
//
// The simulated network: sockets live in an in-memory kernel with one host
// whose addresses are 127.0.0.0/8 and ::1. Every packet takes the link
// latency plus a seeded jitter (SetLink changes both) plus its size at the
// bandwidth (SetBandwidth).
//
// Nodes and faults: AddNode gives a simulated host its own IPv4 address
// (10.0.0.n for the n-th node; its name resolves to it). Nodes last for the
// test binary, faults until Heal. Sockets bound to a node's address
// (Node.Listen, Node.Dial, Node.ListenPacket) belong to the node, and traffic between two
// nodes goes through the faults between them: Partition, PartitionOneWay,
// Isolate and Reconnect cut and restore links, SetNodeLink gives a link its
// own latency and loss, SetNodeLinkDup makes it duplicate UDP datagrams, Crash makes a node's sockets fail, and Heal removes
// every fault. RandomFaults draws a schedule of partitions from the seed and
// applies it on timers; print it, so a failing seed shows its faults.
// Under a partition UDP datagrams are lost; TCP data is held back and
// delivered in order when the link heals, so connections stall until then
// (the program's deadlines notice); a connect retries its SYN as Linux does
// and fails with ETIMEDOUT after 127s.
//
// Under plain go test, AddNode and RandomFaults return ErrInactive and the
// fault functions do nothing, so a test like this never sends real traffic
// to a node's address:
//
//	func TestFailover(t *testing.T) {
//		if !sim.Active() {
//			t.Skip("needs detgo's simulated network")
//		}
//		n1, _ := sim.AddNode("n1")
//		n2, _ := sim.AddNode("n2")
//		t.Cleanup(sim.Heal)
//		ln, _ := n2.Listen("tcp", 7000)
//		...
//		s, _ := sim.RandomFaults([]*sim.Node{n1, n2}, sim.FaultOptions{})
//		defer func() {
//			for _, f := range s.Faults {
//				t.Log("fault:", f)
//			}
//		}()
//		...
//	}
package sim

import "time"

// Active reports whether the program runs under detgo's simulation.
func Active() bool {
	return active()
}

// SetLink sets the one-way latency of every packet sent from now on on the
// simulated network, and the jitter: each packet takes an extra delay drawn
// from the seed, uniformly in [0, jitter). The default is 50µs and 10µs.
// Negative values count as zero. Outside detgo, SetLink does nothing.
func SetLink(latency, jitter time.Duration) {
	setLink(int64(latency), int64(jitter))
}

// SetBandwidth sets the bandwidth of every link of the simulated network,
// loopback and nodes alike, in bits per second, for packets sent from now
// on: a packet takes its size at the bandwidth on top of the latency, and
// the segments of one TCP connection queue behind each other, so a bulk
// transfer runs at the bandwidth (1 MB at 8 Mbit/s: about 1s). UDP
// datagrams do not queue. The default is 10 Gbit/s; a value <= 0 restores
// it. Outside detgo, SetBandwidth does nothing.
func SetBandwidth(bitsPerSecond int64) {
	setBandwidth(bitsPerSecond)
}
