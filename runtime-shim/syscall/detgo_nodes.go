// detgo: nodes and network faults on the simulated network.
//
// The fake kernel (detgo_net_linux.go) is one host with loopback addresses.
// This file gives a test more hosts, nodes, each with its own IPv4 address
// 10.0.0.n (n = 1, 2, ... in the order the test adds them; one name, one
// node; the name resolves to it through the simulated /etc/hosts), and
// lets it break the links between them. A node is only an
// address: a socket belongs to the node whose address it is bound to, and
// traffic between two node addresses is subject to the faults between those
// two nodes. Loopback and wildcard-bound sockets are "the test's own host",
// which no fault touches.
//
// Faults, per directed pair of nodes (from, to):
//
//   - Blocked (a partition, one-way or both ways): nothing sent from
//     `from` to `to` gets through while it lasts. What the sender sees:
//       - UDP: the datagram is lost.
//       - TCP data, FIN and RST: held in the sender's kernel, in order, and
//         delivered when the path opens again, as TCP's retransmissions
//         would (at once, not at the next retransmission timer). The held
//         bytes count against the window, so a writer that keeps writing
//         blocks. An established connection never times out (Linux gives
//         up after about 15 minutes of retransmissions; not simulated):
//         it stalls until healed or until the program's own deadlines fire.
//       - TCP connect: a SYN needs both directions. If either is blocked
//         the connect gets no answer; the SYN is retried 1, 3, 7, 15, 31 and
//         63s after the connect (Linux's tcp_syn_retries=6) and goes through
//         at the first retry after the path opened; after 127s with no
//         answer the connect fails with ETIMEDOUT.
//       - ACKs are not simulated: under a one-way partition data flows in
//         the open direction and the window opens as if acknowledged.
//     Packets already in flight when a partition starts still arrive.
//   - Latency: the one-way latency of the path, replacing the global one
//     (SetLink's) for packets between these two nodes; jitter stays global.
//     It applies to SYNs, data and datagrams; a FIN or RST (and a refused
//     connect's answer) takes the global latency, though never arrives
//     before the data sent ahead of it.
//   - Loss, in parts per million: a UDP datagram is lost with that
//     probability; a TCP segment that is "lost" arrives one retransmission
//     timeout later (200ms, doubling on each further loss, at most 6).
//   - Duplication, in parts per million: a UDP datagram that gets through
//     is delivered twice with that probability; the copy draws its own
//     delay (so it may arrive first) and is not lost again. TCP is not
//     affected (its receiver would discard the duplicate).
//
// A node can also crash (detgoSimCrash): its sockets fail, its ports are
// freed, and its peers are reset. Nodes last for the whole process (a
// subtest starts a new network epoch, so they cannot be per test); faults
// last until healed.
//
// Who calls it: the sim package (the //go:linkname functions at the end),
// and the kernel at a few hook points in detgo_net_linux.go: bind and route
// (isNode), connect (connectBlocked, delay), SO_ERROR (retrySyn), a stream
// write (hold, delay), a datagram (drop, delay, dup), and FIN and RST (holdCtl).
// With no nodes every hook is a nil-map or empty-slice check, so the
// loopback-only network behaves exactly as before.
//
// Invariants: all state is guarded by simk.mu, like the kernel's; loss is
// drawn from detgoNetRand only on paths that have a loss set, so a test
// without faults sees the same jitter and ports as before; fault schedules
// come from their own stream (detgoSimRand); maps are only indexed, never
// ranged (except to delete closed sockets, the same in any order); held
// sockets are flushed in the order they were first held, and a socket's
// items in the order it sent them.

package syscall

import _ "unsafe" // for go:linkname

// Provided by the runtime (runtime/detgo_faults.go): the fault stream.
func detgoFaultRand() uint64

const (
	simMaxNodes  = 254
	simSynGiveUp = 127e9 // ns after a connect with no answer: ETIMEDOUT
	simRTO       = 200e6 // ns: the minimum TCP retransmission timeout
)

// simSynRetries are the times, after the connect, at which Linux resends an
// unanswered SYN.
var simSynRetries = [...]int64{1e9, 3e9, 7e9, 15e9, 31e9, 63e9}

type simPath struct {
	blocked bool
	latency int64 // ns; < 0: the global latency
	lossPPM uint64
	dupPPM  uint64 // UDP duplication, parts per million
	clogEnd int64  // virtual time until which the link is clogged (Clog)
}

// simHeldItem is a segment, or a FIN ('F') or RST ('R'), that a partition
// keeps in its sender's kernel.
type simHeldItem struct {
	ctl  byte
	data []byte
}

// simSyn is a connect waiting for its SYN to get through.
type simSyn struct {
	dst   simAddr
	start int64
}

type simNodes struct {
	names     []string // node n is names[n-1], address 10.0.0.n
	paths     map[[2]int]*simPath
	held      map[*simSock][]simHeldItem
	heldOrder []*simSock
	syns      map[*simSock]*simSyn
}

var simn simNodes

// node returns the node number of a, or 0 when a is not a node's address.
func (n *simNodes) node(a *simAddr) int {
	if !a.is4() || a.ip[12] != 10 || a.ip[13] != 0 || a.ip[14] != 0 {
		return 0
	}
	if i := int(a.ip[15]); i >= 1 && i <= len(n.names) {
		return i
	}
	return 0
}

// isNode reports whether a is a node's address: bindable and routable.
func (n *simNodes) isNode(a *simAddr) bool { return n.node(a) != 0 }

// path returns the faults from a's node to b's node, nil if none.
func (n *simNodes) path(a, b *simAddr) *simPath {
	if n.paths == nil {
		return nil
	}
	i, j := n.node(a), n.node(b)
	if i == 0 || j == 0 || i == j {
		return nil
	}
	return n.paths[[2]int{i, j}]
}

func (n *simNodes) blocked(a, b *simAddr) bool {
	p := n.path(a, b)
	return p != nil && p.blocked
}

// delay is the transit time of a packet of size bytes from a to b; with
// retransmit, a TCP segment drawn as lost arrives one (doubling) RTO later.
func (n *simNodes) delay(a, b *simAddr, size int, retransmit bool) int64 {
	p := n.path(a, b)
	if p == nil {
		return simDelay(size)
	}
	d := simDelay(size)
	if p.latency >= 0 {
		d += p.latency - simk.latency
	}
	if now := detgoNetNow(); p.clogEnd > now {
		d += p.clogEnd - now // clogged: it leaves when the clog ends
	}
	if retransmit && p.lossPPM > 0 {
		for i := 0; i < 6 && detgoNetRand()%1e6 < p.lossPPM; i++ {
			d += simRTO << i
		}
	}
	return d
}

// drop reports whether a datagram from a to b is lost.
func (n *simNodes) drop(a, b *simAddr) bool {
	p := n.path(a, b)
	if p == nil {
		return false
	}
	return p.blocked || p.lossPPM > 0 && detgoNetRand()%1e6 < p.lossPPM
}

// dup reports whether a datagram from a to b that got through is also
// delivered a second time. It draws only on paths with duplication set.
func (n *simNodes) dup(a, b *simAddr) bool {
	p := n.path(a, b)
	return p != nil && p.dupPPM > 0 && detgoNetRand()%1e6 < p.dupPPM
}

// hold keeps data that s writes if its path is blocked or earlier data is
// still held; it reports whether it did. The bytes count as in the peer's
// receive queue, so the window closes as it would with unacknowledged data.
func (n *simNodes) hold(s *simSock, data []byte) bool {
	if len(n.names) == 0 || (n.held[s] == nil && !n.blocked(&s.local, &s.remote)) {
		return false
	}
	d := make([]byte, len(data))
	copy(d, data)
	n.push(s, simHeldItem{data: d})
	s.peer.rxLen += len(d)
	return true
}

// holdCtl holds a FIN or RST that s sends, like hold.
func (n *simNodes) holdCtl(s *simSock, ctl byte) bool {
	if s == nil || len(n.names) == 0 || (n.held[s] == nil && !n.blocked(&s.local, &s.remote)) {
		return false
	}
	n.push(s, simHeldItem{ctl: ctl})
	return true
}

func (n *simNodes) push(s *simSock, it simHeldItem) {
	if n.held == nil {
		n.held = make(map[*simSock][]simHeldItem)
	}
	if n.held[s] == nil {
		n.heldOrder = append(n.heldOrder, s)
	}
	n.held[s] = append(n.held[s], it)
}

// flush delivers what is held on paths that are open again, at now.
func (n *simNodes) flush(now int64) {
	keep := n.heldOrder[:0]
	for _, s := range n.heldOrder {
		if n.blocked(&s.local, &s.remote) {
			keep = append(keep, s)
			continue
		}
		items := n.held[s]
		delete(n.held, s)
		for _, it := range items {
			switch it.ctl {
			case 'F':
				fin(s, now)
			case 'R':
				rst(s.peer, now, s.lastAt)
			default:
				n.deliver(s, it.data, now)
			}
		}
	}
	clear(n.heldOrder[len(keep):])
	n.heldOrder = keep
}

// deliver sends held data on s's connection, as detgoSend would have.
func (n *simNodes) deliver(s *simSock, data []byte, now int64) {
	peer := s.peer
	at := max(s.lastAt+simTx(len(data)), now+n.delay(&s.local, &s.remote, len(data), true))
	s.lastAt = at
	if peer.state == simClosed {
		rst(s, at, 0) // the peer is gone: its kernel answers with an RST
		return
	}
	peer.rx = append(peer.rx, simSeg{at, data})
	notify(peer, 'r', at)
}

// connectBlocked is called by connect before the SYN leaves: if either
// direction between s and dst is blocked, the connect waits for an answer
// that does not come (see retrySyn) and connectBlocked reports true.
func (n *simNodes) connectBlocked(s *simSock, dst *simAddr, now int64) bool {
	if !n.blocked(&s.local, dst) && !n.blocked(dst, &s.local) {
		return false
	}
	if n.syns == nil {
		n.syns = make(map[*simSock]*simSyn)
	}
	if len(n.syns) >= 64 {
		for t := range n.syns { // deleting is the same in any order
			if t.state == simClosed {
				delete(n.syns, t)
			}
		}
	}
	n.syns[s] = &simSyn{dst: *dst, start: now}
	s.remote = *dst
	s.state, s.err, s.errAt = simRefused, ETIMEDOUT, now+simSynGiveUp
	for _, r := range simSynRetries {
		notify(s, 'w', now+r) // wake the connecting goroutine to retry
	}
	notify(s, 'w', s.errAt)
	return true
}

// retrySyn is called when the program asks a connecting socket for its
// error (SO_ERROR): if a SYN retry time has come and the path is open now,
// the SYN goes through, as connect would have sent it.
func (n *simNodes) retrySyn(s *simSock, now int64) {
	syn := n.syns[s]
	if syn == nil {
		return
	}
	if s.state != simRefused || s.err != ETIMEDOUT || now >= s.errAt {
		delete(n.syns, s) // closed, or given up
		return
	}
	if now < syn.start+simSynRetries[0] || n.blocked(&s.local, &syn.dst) || n.blocked(&syn.dst, &s.local) {
		return
	}
	delete(n.syns, s)
	s.state, s.err, s.errAt = simFree, 0, 0
	dst := syn.dst
	l := simk.lookup(SOCK_STREAM, &dst)
	if l == nil || len(l.acceptq) >= l.backlog {
		s.state, s.err, s.errAt = simRefused, ECONNREFUSED, now+n.delay(&s.local, &dst, 0, false)+n.delay(&dst, &s.local, 0, false)
		notify(s, 'w', s.errAt)
		return
	}
	sendSyn(s, l, dst, now)
}

// The sim package's calls (sim/sim_detgo.go links to them).

// detgoSimAddNode returns the number of the node called name, adding it if
// it is new; its address is 10.0.0.n. It returns 0 when nodes are not
// simulated (not in detgo mode) and -1 when there are too many nodes.
//
//go:linkname detgoSimAddNode
func detgoSimAddNode(name string) int {
	if !detgoNet {
		return 0
	}
	simk.mu.Lock()
	defer simk.mu.Unlock()
	for i, nm := range simn.names {
		if nm == name {
			return i + 1
		}
	}
	if len(simn.names) >= simMaxNodes {
		return -1
	}
	simn.names = append(simn.names, name)
	simHostsAdd(len(simn.names), name)
	return len(simn.names)
}

// simHostsAdd appends "10.0.0.id name" to the simulated host's /etc/hosts
// (detgo_files_linux.go), so that net's resolver finds the node by name.
// The resolver caches the file for 5s (of virtual time) and rereads it when
// its size changes, so a name is found at once unless a lookup of it failed
// less than 5s earlier. A name that is not a valid host name is not added.
func simHostsAdd(id int, name string) {
	if name == "" || len(name) > 253 {
		return
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return
		}
	}
	fd, err, ok := detgoFile("/etc/hosts")
	if !ok || err != nil {
		return
	}
	var st Stat_t
	if Fstat(fd, &st) != nil {
		return
	}
	Pwrite(fd, []byte("10.0.0."+detgoItoa(id)+"\t"+name+"\n"), st.Size)
}

// detgoSimSetPath sets faults from node `from` to node `to`: with
// what&1, blocked; with what&2, latency (ns; < 0: the global one) and loss
// (parts per million). It is one call so that changing one fault cannot
// interleave with another goroutine changing the other.
//
//go:linkname detgoSimSetPath
func detgoSimSetPath(from, to, what int, blocked bool, latency int64, lossPPM uint64) {
	if !detgoNet {
		return
	}
	simk.mu.Lock()
	defer simk.mu.Unlock()
	p := simn.pathFor(from, to)
	if p == nil {
		return
	}
	wasBlocked := p.blocked
	if what&1 != 0 {
		p.blocked = blocked
	}
	if what&2 != 0 {
		p.latency, p.lossPPM = latency, min(lossPPM, 1e6)
	}
	if wasBlocked && !p.blocked {
		simn.flush(detgoNetNow())
	}
}

// detgoSimSetDup sets the probability, in parts per million, that a UDP
// datagram from node `from` to node `to` is duplicated.
//
//go:linkname detgoSimSetDup
func detgoSimSetDup(from, to int, dupPPM uint64) {
	if !detgoNet {
		return
	}
	simk.mu.Lock()
	defer simk.mu.Unlock()
	if p := simn.pathFor(from, to); p != nil {
		p.dupPPM = min(dupPPM, 1e6)
	}
}

// detgoSimClog clogs the link from node `from` to node `to` for d ns of
// virtual time: what is sent meanwhile leaves when the clog ends.
//
//go:linkname detgoSimClog
func detgoSimClog(from, to int, d int64) {
	if !detgoNet {
		return
	}
	simk.mu.Lock()
	defer simk.mu.Unlock()
	if p := simn.pathFor(from, to); p != nil {
		p.clogEnd = detgoNetNow() + max(d, 0)
	}
}

// pathFor returns the link from node `from` to node `to`, adding it with
// the defaults if it has no settings yet; nil if the ids are not two
// different nodes. simk.mu is held.
func (n *simNodes) pathFor(from, to int) *simPath {
	if from == to || from < 1 || to < 1 || from > len(n.names) || to > len(n.names) {
		return nil
	}
	if n.paths == nil {
		n.paths = make(map[[2]int]*simPath)
	}
	key := [2]int{from, to}
	p := n.paths[key]
	if p == nil {
		p = &simPath{latency: -1}
		n.paths[key] = p
	}
	return p
}

// detgoSimHeal removes every fault between nodes and delivers what was held.
//
//go:linkname detgoSimHeal
func detgoSimHeal() {
	if !detgoNet {
		return
	}
	simk.mu.Lock()
	defer simk.mu.Unlock()
	simn.paths = nil
	simn.flush(detgoNetNow())
}

// detgoSimCrash crashes node id: every socket bound to its address fails
// as if its process died and the host came back at once. Listeners stop
// (accept fails with EINVAL, as after shutdown) and the connections they had not
// accepted are reset; connections are reset at both ends (the node's end at
// once, the far end when the node's RST arrives, after the link's delay or
// a partition; the node's end fails its next read with ECONNRESET, then
// with ENOTCONN); UDP sockets fail their next receive with ECONNRESET. Every
// port is freed, so the node can listen again. The goroutines started on
// the node (sim.Node.Go) never run again (runtime/detgo_nodes.go); others
// see the errors.
//
//go:linkname detgoSimCrash
func detgoSimCrash(id int) {
	if !detgoNet {
		return
	}
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	if id < 1 || id > len(simn.names) {
		return
	}
	detgoNodeCrash(id) // its goroutines never run again (runtime/detgo_nodes.go)
	now := detgoNetNow()
	// Sockets the program closed during a partition, whose data and FIN are
	// still held: the data dies with the host; the peer's next segment
	// after the heal would draw an RST, so an RST is what stays held.
	for _, s := range simn.heldOrder {
		if s.state != simClosed || simn.node(&s.local) != id || simn.held[s] == nil {
			continue
		}
		for _, it := range simn.held[s] {
			if s.peer != nil {
				s.peer.rxLen -= len(it.data)
			}
		}
		simn.held[s] = []simHeldItem{{ctl: 'R'}}
	}
	var done []*simSock // a dup'ed socket has several descriptors
next:
	for _, s := range k.fds { // descriptor order: deterministic
		if s == nil || s.state == simClosed || simn.node(&s.local) != id {
			continue
		}
		for _, d := range done {
			if d == s {
				continue next
			}
		}
		done = append(done, s)
		k.unbind(s)
		for _, it := range simn.held[s] { // unsent data dies with the host
			if s.peer != nil {
				s.peer.rxLen -= len(it.data)
			}
		}
		delete(simn.held, s)
		switch {
		case s.state == simListening:
			for _, c := range s.acceptq {
				c.state = simClosed
				rst(c.peer, max(now, c.estAt), c.lastAt)
			}
			s.acceptq = nil
			s.state = simClosed // accept fails with EINVAL
			notify(s, 'r'+'w', now)
		case s.typ == SOCK_STREAM && s.state == simConnected:
			rst(s.peer, max(now, s.estAt), s.lastAt)
			// Gone: no FIN when the program closes it, and what the peer
			// still sends draws RSTs. The program's next read says why.
			s.state = simClosed
			s.rx, s.rxLen = nil, 0
			s.err, s.errAt = ECONNRESET, now
			notify(s, 'r'+'w', now)
		case s.typ == SOCK_STREAM && s.state == simRefused:
			delete(simn.syns, s)
			s.err, s.errAt = ECONNRESET, now
			notify(s, 'w', now)
		case s.typ == SOCK_DGRAM:
			s.dgrams, s.dgLen = nil, 0
			s.err, s.errAt = ECONNRESET, now
			notify(s, 'r', now)
		}
	}
}

// detgoSimRand draws from the fault stream, for the sim package's fault
// schedules: the test's seed decides them; neither network traffic nor what
// the test draws from math/rand shifts them.
//
//go:linkname detgoSimRand
func detgoSimRand() uint64 {
	if !detgoNet {
		return 0
	}
	return detgoFaultRand()
}

// Provided by the runtime (runtime/detgo_nodes.go).
func detgoNodeCrash(id int)
func detgoNodeGo(id int, f func())

// detgoSimGo runs f in a new goroutine that belongs to node id: it never
// runs again once the node crashes. Outside detgo mode it returns false and
// does nothing.
//
//go:linkname detgoSimGo
func detgoSimGo(id int, f func()) bool {
	if !detgoNet || id < 1 || id > len(simn.names) {
		return false
	}
	detgoNodeGo(id, f)
	return true
}
