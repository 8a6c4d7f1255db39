// detgo: a fake kernel for sockets.
//
// In detgo mode (the runtime was started with DETGO_SEED) every socket the
// program creates lives here, in memory, instead of in the real kernel: net,
// internal/poll, net/http and httptest run their real code on top of the
// typed wrappers of this package (Socket, Bind, Connect, Read, Write, ...),
// whose detgo hooks send fake descriptors here. Nothing ever reaches a real
// socket, so a simulated test cannot send traffic anywhere, and everything it
// observes (ports, arrival order, timing) is a function of the seed.
//
// Model:
//
//   - Descriptors are detgoFDBase+n, lowest free n first. Real descriptors
//     (files, pipes, stdout) are far below and keep the real kernel; a fake
//     descriptor that reaches an unhooked call gets EBADF from it. dup (and
//     fcntl F_DUPFD, internal/syscall/unix) adds descriptors to a socket; it
//     closes with its last one.
//   - One host with the loopback ranges 127.0.0.0/8 and ::1. Binding to them
//     or to the wildcard addresses works; connecting or sending anywhere else
//     fails with ENETUNREACH (except to the nodes a test adds, with faults
//     between them: detgo_nodes.go). Unix stream and datagram sockets (and
//     socketpair) are simulated too. Unix seqpacket sockets, AF_NETLINK and raw
//     sockets fail with EPROTONOSUPPORT or EAFNOSUPPORT, and so does a
//     socket(2) or socketpair(2) made through RawSyscall6 directly (as
//     x/sys/unix does): no real socket can exist in a simulated process.
//   - Ports: one table per protocol; 0 picks the next free port of a
//     sequence that restarts, for each test, at a point drawn from the
//     test's stream, so that a test run alone (-run) sees the ports it sees
//     in a full run. Ports are not reused soon (code tells connections apart
//     by their client port), with one exception that keeps the sequence
//     independent of net's one-time IPv6 probe: an ephemeral port never used
//     for traffic (bound, then closed) goes back to the sequence if it was
//     the last one handed out. A dual-stack socket (AF_INET6, IPV6_V6ONLY
//     off, bound to ::) also takes IPv4, seen as ::ffff:a.b.c.d.
//   - Every IP packet takes the link latency (default 50us) plus seeded
//     jitter (default up to 10us) plus its size at the link bandwidth
//     (default 10 Gbit/s); a test can change all three with the sim package
//     (detgo_sim.go). The segments of one TCP connection queue on the link:
//     each arrives at least its size at the bandwidth after the one before,
//     so a bulk transfer runs at the bandwidth; datagrams do not queue.
//     Unix sockets deliver at once.
//   - State that a packet changes is stored with the virtual time at which
//     the packet arrives and is looked at lazily: a read returns the data
//     whose arrival time has passed, accept the connections whose SYN has
//     arrived. At each arrival time the runtime is told (detgoNetNotify) to
//     make the descriptor ready, so that internal/poll's waiters wake.
//   - TCP: a connect returns EINPROGRESS; the SYN reaches the listener after
//     one latency (refused if nothing listens or its backlog is full), the
//     client is connected after two. Segments of one connection arrive in
//     order, and so do the FIN or RST after them. A writer may have
//     sndbuf+rcvbuf unread bytes in flight; beyond that writes are short or
//     EAGAIN until the reader reads. Close sends a FIN, or an RST if unread
//     data was left (or SO_LINGER 0); shutdown SHUT_WR sends a FIN. Data that
//     arrived before an RST is still read first. Writes to a closed peer
//     fill the window and draw an RST; once it arrives they fail with
//     ECONNRESET, then EPIPE. A unix stream connect completes at once.
//   - UDP: datagrams keep their boundaries and each draws its own jitter,
//     so they may be reordered (and, between nodes, lost or duplicated). Sending to a port nobody bound drops the
//     datagram; a connected sender then gets ECONNREFUSED, as with ICMP.
//   - Unix datagrams: a socket binds to a name as a unix stream does; a
//     datagram goes at once to the socket bound to the destination's name
//     (or to the connected peer: connect picks the socket bound to the name
//     then), and recvfrom gives the sender's name ("" if unbound). A path
//     nobody bound gives ENOENT, a name no socket is bound to (a stale
//     socket file, an abstract name) or a closed peer ECONNREFUSED, a
//     stream socket's name EPROTOTYPE, a receiver connected to another
//     socket EPERM. A full receive queue (rcvbuf bytes) makes the sender
//     wait until the receiver reads, instead of dropping.
//   - Fake sockets behave as non-blocking whatever SOCK_NONBLOCK says: a
//     blocking syscall would stop the whole simulation.
//
// Invariants: all state is guarded by simk.mu; the kernel never reads the
// real clock or real randomness (detgoNetNow and detgoNetRand come from the
// runtime); maps are only indexed, never ranged over, so no iteration order
// leaks into the simulation.

package syscall

import "sync"

// Provided by the runtime (runtime/detgo_netpoll.go).
func detgoNetEnabled() bool
func detgoNetNow() int64
func detgoNetRand() uint64
func detgoNetEpoch() uint64
func detgoNetNotify(fd int, mode int32, when int64)

const (
	detgoFDBase = 1 << 29 // keep in step with runtime/detgo_netpoll.go
	detgoFDMax  = 1 << 16

	detgoBandwidth = 10e9 // bits per second, the default (detgoSimSetBandwidth changes it)

	detgoBufDefault = 128 << 10 // SO_SNDBUF and SO_RCVBUF
	detgoPortLow    = 32768     // ephemeral range, as Linux's default
	detgoPortHigh   = 60999
)

// detgoNet reports whether sockets are simulated (set once, when package
// syscall initializes, before any package that opens sockets).
var detgoNet = detgoNetEnabled()

// detgoNetFD reports whether fd is a simulated socket.
func detgoNetFD(fd int) bool {
	return fd >= detgoFDBase && detgoNet
}

const (
	simFree = iota // new, or bound
	simListening
	simConnected // or connecting: see estAt
	simRefused   // connect failed; SO_ERROR tells when errAt has passed
	simClosed
)

// simAddr is an IP address, IPv4 in its IPv4-mapped IPv6 form, and a port.
type simAddr struct {
	ip   [16]byte
	port int
}

type simSeg struct {
	at   int64 // arrival time
	data []byte
}

type simDgram struct {
	at       int64
	from     simAddr
	fromPath string // unix: the sender's bound name ("" if none)
	data     []byte
}

type simSock struct {
	fds       []int // open descriptors (dup makes more); none until accepted
	family    int
	typ       int // SOCK_STREAM or SOCK_DGRAM
	state     int
	bound     bool
	ephemeral bool // the port was picked by the kernel
	used      bool // it listened, connected or sent: its port has been seen
	v6only    bool
	linger0   bool
	sndbuf    int
	rcvbuf    int
	local     simAddr
	remote    simAddr
	hasPeerA  bool   // remote is set (connected UDP)
	path      string // unix: the bound name ("" if none)
	peerPath  string // unix: the peer's bound name
	opts      []simOpt

	// Listener.
	backlog int
	acceptq []*simSock // server ends, ordered by estAt

	// Stream.
	peer    *simSock
	estAt   int64 // connected from this time on
	err     Errno // pending socket error, visible from errAt on
	errAt   int64
	rx      []simSeg
	rxLen   int   // bytes in rx, arrived or not
	finAt   int64 // the peer's FIN arrives (0: none sent)
	rstAt   int64 // an RST arrives (0: none sent)
	rstSeen bool
	lastAt  int64 // arrival time of the last segment sent to peer
	shutRd  bool
	shutWr  bool
	wantW   bool // a write found the window full

	// Datagram.
	dgrams []simDgram
	dgLen  int
	dgWait []*simSock // unix: senders that found the queue full
}

type simOpt struct{ level, opt, val int }

type simPort struct{ typ, port int }

type simKernel struct {
	mu        sync.Mutex
	fds       []*simSock
	ports     map[simPort][]*simSock
	names     map[string]*simSock // unix sockets by bound name
	portNext  int                 // the next ephemeral port to try
	portTest  uint64              // detgoNetEpoch when portNext was drawn, plus one
	latency   int64               // ns, one way, per packet
	jitter    int64               // ns, uniform extra delay per packet, drawn from [0, jitter)
	bandwidth int64               // bits per second, of every link
}

var simk = simKernel{latency: 50_000, jitter: 10_000, bandwidth: detgoBandwidth}

func (k *simKernel) init() {
	if k.ports == nil {
		k.ports = make(map[simPort][]*simSock)
		k.names = make(map[string]*simSock)
	}
}

// delay is the transit time of a packet of n bytes sent by s: none for unix
// sockets (the kernel copies at once), the link's for IP.
func (s *simSock) delay(n int) int64 {
	if s.family == AF_UNIX {
		return 0
	}
	return simDelay(n)
}

// simTx is the time to put n bytes on the link, at its bandwidth.
func simTx(n int) int64 {
	return int64(n) * 8e9 / simk.bandwidth
}

// simDelay is the transit time of a packet of n bytes on the link.
func simDelay(n int) int64 {
	d := simk.latency + simTx(n)
	if simk.jitter > 0 {
		d += int64(detgoNetRand() % uint64(simk.jitter))
	}
	return d
}

func (k *simKernel) sock(fd int) *simSock {
	i := fd - detgoFDBase
	if i < 0 || i >= len(k.fds) {
		return nil
	}
	return k.fds[i]
}

// alloc gives s a new descriptor, the lowest free one.
func (k *simKernel) alloc(s *simSock) (int, error) {
	i := 0
	for i < len(k.fds) && k.fds[i] != nil {
		i++
	}
	if i == len(k.fds) {
		if len(k.fds) >= detgoFDMax {
			return -1, EMFILE
		}
		k.fds = append(k.fds, nil)
	}
	k.fds[i] = s
	fd := detgoFDBase + i
	s.fds = append(s.fds, fd)
	return fd, nil
}

// notify tells the poller that every descriptor of s may be ready at at.
func notify(s *simSock, mode int32, at int64) {
	if s == nil {
		return
	}
	for _, fd := range s.fds {
		detgoNetNotify(fd, mode, at)
	}
}

// Addresses.

var v4prefix = [12]byte{10: 0xff, 11: 0xff}

func (a *simAddr) is4() bool { return [12]byte(a.ip[:12]) == v4prefix }

func (a *simAddr) unspecified() bool {
	if a.is4() {
		return a.ip[12]|a.ip[13]|a.ip[14]|a.ip[15] == 0
	}
	return a.ip == [16]byte{}
}

func (a *simAddr) loopback() bool {
	if a.is4() {
		return a.ip[12] == 127
	}
	return a.ip == [16]byte{15: 1}
}

func loopbackFor(v4 bool) [16]byte {
	if v4 {
		return [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}
	}
	return [16]byte{15: 1}
}

// simFromSockaddr converts sa for a socket of family fam.
func simFromSockaddr(sa Sockaddr, fam int, v6only bool) (simAddr, error) {
	var a simAddr
	switch sa := sa.(type) {
	case *SockaddrInet4:
		if fam != AF_INET {
			return a, EAFNOSUPPORT
		}
		copy(a.ip[:], v4prefix[:])
		copy(a.ip[12:], sa.Addr[:])
		a.port = sa.Port
	case *SockaddrInet6:
		if fam != AF_INET6 {
			return a, EAFNOSUPPORT
		}
		a.ip = sa.Addr
		a.port = sa.Port
		if v6only && a.is4() {
			return a, EINVAL
		}
	default:
		return a, EAFNOSUPPORT
	}
	if a.port < 0 || a.port > 0xffff {
		return a, EINVAL
	}
	return a, nil
}

func (a simAddr) sockaddr(fam int) Sockaddr {
	if fam == AF_INET {
		sa := &SockaddrInet4{Port: a.port}
		copy(sa.Addr[:], a.ip[12:])
		return sa
	}
	return &SockaddrInet6{Port: a.port, Addr: a.ip}
}

// Ports.

const simPorts = detgoPortHigh - detgoPortLow + 1

// simPortAt maps p into the ephemeral range, wrapping around.
func simPortAt(p int) int {
	return detgoPortLow + (p-detgoPortLow)%simPorts
}

// covers reports whether a socket bound to local (with IPV6_V6ONLY as
// v6only) receives traffic for ip.
func covers(local *simAddr, v6only bool, ip *simAddr) bool {
	switch {
	case local.ip == ip.ip:
		return true
	case !local.unspecified():
		return false
	case local.is4():
		return ip.is4()
	default: // ::
		return !ip.is4() || !v6only
	}
}

// conflicts reports whether binding s to a would overlap another binding.
func (k *simKernel) conflicts(s *simSock, a *simAddr) bool {
	for _, t := range k.ports[simPort{s.typ, a.port}] {
		if t != s && (covers(&t.local, t.v6only, a) || covers(a, s.v6only, &t.local)) {
			return true
		}
	}
	return false
}

func (k *simKernel) bind(s *simSock, a simAddr) error {
	if a.port == 0 {
		if e := detgoNetEpoch() + 1; k.portTest != e {
			// A new test (or the first port): the sequence restarts at a
			// point drawn from the test's own stream.
			k.portTest = e
			k.portNext = detgoPortLow + int(detgoNetRand()%simPorts)
		}
		for i := range simPorts {
			a.port = simPortAt(k.portNext + i)
			if !k.conflicts(s, &a) {
				k.portNext = simPortAt(a.port + 1)
				s.ephemeral = true
				break
			}
			a.port = 0
		}
		if a.port == 0 {
			return EADDRINUSE
		}
	} else if k.conflicts(s, &a) {
		return EADDRINUSE
	}
	s.local = a
	s.bound = true
	key := simPort{s.typ, a.port}
	k.ports[key] = append(k.ports[key], s)
	return nil
}

func (k *simKernel) unbind(s *simSock) {
	if !s.bound {
		return
	}
	if s.family == AF_UNIX {
		delete(k.names, s.path)
		s.bound = false
		return
	}
	if s.ephemeral && !s.used && simPortAt(s.local.port+1) == k.portNext {
		k.portNext = s.local.port // never on the wire: hand it out again
	}
	key := simPort{s.typ, s.local.port}
	list := k.ports[key]
	for i, t := range list {
		if t == s {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(k.ports, key)
	} else {
		k.ports[key] = list
	}
	s.bound = false
}

// lookup finds the socket of type typ that receives traffic for a; for
// streams only listeners count.
func (k *simKernel) lookup(typ int, a *simAddr) *simSock {
	var wild *simSock
	for _, t := range k.ports[simPort{typ, a.port}] {
		if typ == SOCK_STREAM && t.state != simListening {
			continue
		}
		if t.local.ip == a.ip {
			return t
		}
		if wild == nil && covers(&t.local, t.v6only, a) {
			wild = t
		}
	}
	return wild
}

// route checks that a destination is reachable and returns it with the
// wildcard address replaced by loopback, as Linux does.
func route(s *simSock, sa Sockaddr) (simAddr, error) {
	a, err := simFromSockaddr(sa, s.family, s.v6only)
	if err != nil {
		return a, err
	}
	if a.unspecified() {
		a.ip = loopbackFor(a.is4())
	}
	if !a.loopback() && !simn.isNode(&a) {
		return a, ENETUNREACH // only loopback and nodes are simulated
	}
	if a.is4() && s.v6only {
		return a, ENETUNREACH
	}
	return a, nil
}

// autobind gives s a local address for talking to dst.
func (k *simKernel) autobind(s *simSock, dst *simAddr) error {
	if !s.bound {
		if err := k.bind(s, simAddr{ip: loopbackFor(dst.is4())}); err != nil {
			return err
		}
	}
	if s.local.unspecified() {
		s.local.ip = loopbackFor(dst.is4())
	}
	return nil
}

// The calls.

func detgoSocket(domain, typ, proto int) (int, error) {
	typ &^= SOCK_NONBLOCK | SOCK_CLOEXEC
	switch {
	case domain == AF_UNIX:
		if typ != SOCK_STREAM && typ != SOCK_DGRAM || proto != 0 {
			return -1, EPROTONOSUPPORT // unix seqpacket sockets are not simulated
		}
	case domain != AF_INET && domain != AF_INET6:
		return -1, EAFNOSUPPORT // only IPv4, IPv6 and unix sockets are simulated
	case typ == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP):
	case typ == SOCK_DGRAM && (proto == 0 || proto == IPPROTO_UDP):
	default:
		return -1, EPROTONOSUPPORT
	}
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	k.init()
	s := &simSock{family: domain, typ: typ, sndbuf: detgoBufDefault, rcvbuf: detgoBufDefault}
	return k.alloc(s)
}

func detgoSocketpair(domain, typ, proto int) ([2]int, error) {
	typ &^= SOCK_NONBLOCK | SOCK_CLOEXEC
	if domain != AF_UNIX {
		return [2]int{-1, -1}, EAFNOSUPPORT
	}
	if typ != SOCK_STREAM && typ != SOCK_DGRAM || proto != 0 {
		return [2]int{-1, -1}, EPROTONOSUPPORT
	}
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	k.init()
	now := detgoNetNow()
	a := &simSock{family: AF_UNIX, typ: typ, state: simConnected, sndbuf: detgoBufDefault, rcvbuf: detgoBufDefault, estAt: now}
	b := &simSock{family: AF_UNIX, typ: typ, state: simConnected, sndbuf: detgoBufDefault, rcvbuf: detgoBufDefault, estAt: now}
	a.peer, b.peer = b, a
	a.hasPeerA, b.hasPeerA = typ == SOCK_DGRAM, typ == SOCK_DGRAM
	fa, err := k.alloc(a)
	if err != nil {
		return [2]int{-1, -1}, err
	}
	fb, err := k.alloc(b)
	if err != nil {
		k.fds[fa-detgoFDBase] = nil
		return [2]int{-1, -1}, err
	}
	return [2]int{fa, fb}, nil
}

func detgoClose(fd int) error {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return EBADF
	}
	k.fds[fd-detgoFDBase] = nil
	for i, f := range s.fds {
		if f == fd {
			s.fds = append(s.fds[:i:i], s.fds[i+1:]...)
			break
		}
	}
	if len(s.fds) == 0 {
		k.closeSock(s) // the last descriptor of the socket
	}
	return nil
}

// detgoDup is dup(2): another descriptor for the same socket.
func detgoDup(fd int) (int, error) {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return -1, EBADF
	}
	return k.alloc(s)
}

func (k *simKernel) closeSock(s *simSock) {
	now := detgoNetNow()
	k.unbind(s)
	switch {
	case s.state == simListening:
		for _, c := range s.acceptq {
			c.state = simClosed
			rst(c.peer, max(now, c.estAt), c.lastAt)
		}
		s.acceptq = nil
	case s.typ == SOCK_STREAM && s.state == simConnected && s.peer != nil:
		if s.rxLen > 0 || s.linger0 {
			rst(s.peer, max(now, s.estAt), s.lastAt)
		} else if !s.shutWr {
			fin(s, now)
		}
	}
	switch s.state {
	case simListening:
		netlog(now, s.typ, &s.local, nil, "close", 0) // detgo_netlog.go
	case simConnected:
		netlog(now, s.typ, &s.local, &s.remote, "close", 0)
	}
	for _, w := range s.dgWait { // unix: blocked senders now get ECONNREFUSED
		notify(w, 'w', now)
	}
	s.state = simClosed
	s.rx, s.rxLen, s.dgrams, s.dgWait = nil, 0, nil, nil
}

// fin sends s's FIN after its data.
func fin(s *simSock, now int64) {
	p := s.peer
	if p == nil || p.finAt != 0 || simn.holdCtl(s, 'F') {
		return
	}
	p.finAt = max(s.lastAt, now+s.delay(0))
	s.lastAt = p.finAt
	netlog(now, s.typ, &s.local, &s.remote, "FIN", p.finAt)
	notify(p, 'r', p.finAt)
}

// rst resets p, the far end of a connection: the RST leaves at from and,
// like any segment, arrives after the data sent before it (after).
func rst(p *simSock, from, after int64) {
	if p == nil || p.rstAt != 0 || p.state == simClosed || simn.holdCtl(p.peer, 'R') {
		return
	}
	p.rstAt = max(after, from+p.delay(0))
	netlog(from, p.typ, &p.remote, &p.local, "RST", p.rstAt)
	notify(p, 'r'+'w', p.rstAt)
}

func detgoBind(fd int, sa Sockaddr) error {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return EBADF
	}
	if s.bound || s.state != simFree {
		return EINVAL
	}
	if s.family == AF_UNIX {
		return k.bindUnix(s, sa)
	}
	a, err := simFromSockaddr(sa, s.family, s.v6only)
	if err != nil {
		return err
	}
	if !a.unspecified() && !a.loopback() && !simn.isNode(&a) {
		return EADDRNOTAVAIL // only loopback and nodes' addresses exist
	}
	return k.bind(s, a)
}

// bindUnix binds a unix socket to a name. A path name also gets a socket
// inode in the file system (mknod S_IFSOCK: a name, not a socket), so that
// the name is taken there as in Linux, os.Stat sees a socket, and net's
// Close unlinks it; an abstract name ("@..." or a leading NUL) exists only
// here.
func (k *simKernel) bindUnix(s *simSock, sa Sockaddr) error {
	su, ok := sa.(*SockaddrUnix)
	if !ok {
		return EINVAL
	}
	name := su.Name
	if name == "" || len(name) > len(RawSockaddrUnix{}.Path) {
		return EINVAL
	}
	if k.names[name] != nil {
		return EADDRINUSE
	}
	if name[0] != '@' && name[0] != 0 {
		if err := Mknod(name, S_IFSOCK|0o777, 0); err != nil {
			if err == EEXIST {
				return EADDRINUSE
			}
			return err
		}
	}
	k.names[name] = s
	s.path = name
	s.bound = true
	return nil
}

func detgoListen(fd, backlog int) error {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return EBADF
	}
	if s.typ != SOCK_STREAM {
		return EOPNOTSUPP
	}
	if s.state != simFree && s.state != simListening {
		return EINVAL
	}
	if !s.bound && s.family == AF_UNIX {
		return EINVAL // unix autobind is not simulated
	}
	if !s.bound {
		var any simAddr
		if s.family == AF_INET {
			copy(any.ip[:], v4prefix[:])
		}
		if err := k.bind(s, any); err != nil {
			return err
		}
	}
	s.state = simListening
	s.used = true
	s.backlog = max(backlog, 1)
	return nil
}

func detgoConnect(fd int, sa Sockaddr) error {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return EBADF
	}
	now := detgoNetNow()
	switch s.state {
	case simListening:
		return EISCONN
	case simConnected:
		if s.typ == SOCK_DGRAM {
			break // UDP may connect again
		}
		if now < s.estAt {
			return EALREADY
		}
		return EISCONN
	case simRefused:
		if now < s.errAt {
			return EALREADY
		}
	case simClosed:
		return EINVAL
	}
	if s.family == AF_UNIX && s.typ == SOCK_DGRAM {
		return k.connectUnixDgram(s, sa)
	}
	if s.family == AF_UNIX {
		return k.connectUnix(s, sa, now)
	}
	dst, err := route(s, sa)
	if err != nil {
		return err
	}
	if err := k.autobind(s, &dst); err != nil {
		return err
	}
	s.used = true
	if s.typ == SOCK_DGRAM {
		s.remote, s.hasPeerA, s.state = dst, true, simConnected
		return nil
	}
	if simn.connectBlocked(s, &dst, now) {
		netlog(now, s.typ, &s.local, &dst, "SYN, held by a partition", 0)
		return EINPROGRESS // a partition: no answer (detgo_nodes.go)
	}
	l := k.lookup(SOCK_STREAM, &dst)
	if l == nil || len(l.acceptq) >= l.backlog {
		// The SYN is answered by an RST.
		s.state, s.err, s.errAt = simRefused, ECONNREFUSED, now+2*simDelay(0)
		netlog(now, s.typ, &s.local, &dst, "SYN, refused", s.errAt)
		notify(s, 'w', s.errAt)
		return EINPROGRESS
	}
	synAt := sendSyn(s, l, dst, now)
	netlog(now, s.typ, &s.local, &dst, "SYN", synAt)
	return EINPROGRESS
}

// sendSyn connects s to listener l at dst with a SYN sent at now: the
// server end waits in l's accept queue from the SYN's arrival, which it
// returns, and s is connected one link delay later.
func sendSyn(s, l *simSock, dst simAddr, now int64) (synAt int64) {
	synAt = now + simn.delay(&s.local, &dst, 0, true)
	c := &simSock{
		family: l.family, typ: SOCK_STREAM, state: simConnected,
		sndbuf: l.sndbuf, rcvbuf: l.rcvbuf,
		local: dst, remote: s.local, peer: s, estAt: synAt, lastAt: synAt,
	}
	s.remote, s.peer, s.state = dst, c, simConnected
	s.estAt = synAt + simn.delay(&dst, &s.local, 0, true)
	s.lastAt = s.estAt
	i := len(l.acceptq)
	for i > 0 && l.acceptq[i-1].estAt > synAt {
		i--
	}
	l.acceptq = append(l.acceptq, nil)
	copy(l.acceptq[i+1:], l.acceptq[i:])
	l.acceptq[i] = c
	notify(l, 'r', synAt)
	notify(s, 'w', s.estAt)
	return synAt
}

// connectUnix connects a unix stream socket; like Linux, it completes at
// once (or fails: ENOENT for a path nobody bound, ECONNREFUSED if nothing
// listens on the name, EAGAIN if the backlog is full).
func (k *simKernel) connectUnix(s *simSock, sa Sockaddr, now int64) error {
	su, ok := sa.(*SockaddrUnix)
	if !ok || su.Name == "" {
		return EINVAL
	}
	l := k.names[su.Name]
	switch {
	case l == nil && su.Name[0] != '@' && su.Name[0] != 0:
		var st Stat_t
		if Stat(su.Name, &st) != nil {
			return ENOENT
		}
		return ECONNREFUSED
	case l == nil || l.state != simListening:
		return ECONNREFUSED
	case len(l.acceptq) >= l.backlog:
		return EAGAIN
	}
	s.used = true
	c := &simSock{
		family: AF_UNIX, typ: SOCK_STREAM, state: simConnected,
		sndbuf: l.sndbuf, rcvbuf: l.rcvbuf,
		path: l.path, peerPath: s.path, peer: s, estAt: now, lastAt: now,
	}
	s.peer, s.peerPath, s.state, s.estAt, s.lastAt = c, l.path, simConnected, now, now
	l.acceptq = append(l.acceptq, c)
	notify(l, 'r', now)
	return nil
}

// unixDgramTarget finds the unix datagram socket bound to sa's name:
// ENOENT for a path that does not exist, ECONNREFUSED for a name no socket
// is bound to, EPROTOTYPE for a socket of another type.
func (k *simKernel) unixDgramTarget(sa Sockaddr) (*simSock, error) {
	su, ok := sa.(*SockaddrUnix)
	if !ok || su.Name == "" {
		return nil, EINVAL
	}
	t := k.names[su.Name]
	switch {
	case t == nil && su.Name[0] != '@' && su.Name[0] != 0:
		var st Stat_t
		if Stat(su.Name, &st) != nil {
			return nil, ENOENT
		}
		return nil, ECONNREFUSED
	case t == nil:
		return nil, ECONNREFUSED
	case t.typ != SOCK_DGRAM:
		return nil, EPROTOTYPE
	}
	return t, nil
}

// connectUnixDgram gives a unix datagram socket its default peer, the
// socket bound to sa's name now (as in Linux, not the name: a socket bound
// to it later is not the peer).
func (k *simKernel) connectUnixDgram(s *simSock, sa Sockaddr) error {
	t, err := k.unixDgramTarget(sa)
	if err != nil {
		return err
	}
	if t.hasPeerA && t.peer != s {
		return EPERM // t is connected to another socket
	}
	s.peer, s.peerPath, s.hasPeerA, s.state, s.used = t, t.path, true, simConnected, true
	return nil
}

func detgoAccept(fd int) (int, Sockaddr, error) {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.sock(fd)
	if l == nil {
		return -1, nil, EBADF
	}
	if l.state != simListening {
		return -1, nil, EINVAL
	}
	if len(l.acceptq) == 0 || l.acceptq[0].estAt > detgoNetNow() {
		return -1, nil, EAGAIN
	}
	c := l.acceptq[0]
	l.acceptq = l.acceptq[1:]
	nfd, err := k.alloc(c)
	if err != nil {
		c.state = simClosed
		rst(c.peer, detgoNetNow(), c.lastAt)
		return -1, nil, err
	}
	return nfd, c.peerAddr(), nil
}

// peerAddr is the address of s's peer, as accept and getpeername give it.
func (s *simSock) peerAddr() Sockaddr {
	if s.family == AF_UNIX {
		return &SockaddrUnix{Name: s.peerPath}
	}
	return s.remote.sockaddr(s.family)
}

func detgoShutdown(fd, how int) error {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return EBADF
	}
	if s.state != simConnected || s.typ != SOCK_STREAM {
		return ENOTCONN
	}
	if how == SHUT_RD || how == SHUT_RDWR {
		s.shutRd = true
		notify(s, 'r', 0)
	}
	if how == SHUT_WR || how == SHUT_RDWR {
		if !s.shutWr {
			fin(s, detgoNetNow())
			s.shutWr = true
		}
	}
	return nil
}

func detgoGetsockname(fd int) (Sockaddr, error) {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return nil, EBADF
	}
	if s.family == AF_UNIX {
		return &SockaddrUnix{Name: s.path}, nil
	}
	a := s.local
	if !s.bound && s.family == AF_INET {
		copy(a.ip[:], v4prefix[:])
	}
	return a.sockaddr(s.family), nil
}

func detgoGetpeername(fd int) (Sockaddr, error) {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return nil, EBADF
	}
	switch {
	case s.typ == SOCK_DGRAM && s.hasPeerA:
	case s.state == simConnected && detgoNetNow() >= s.estAt:
	default:
		return nil, ENOTCONN
	}
	return s.peerAddr(), nil
}

func detgoGetsockoptInt(fd, level, opt int) (int, error) {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return 0, EBADF
	}
	if level == SOL_SOCKET {
		switch opt {
		case SO_ERROR:
			simn.retrySyn(s, detgoNetNow())
			if s.err != 0 && detgoNetNow() >= s.errAt {
				e := s.err
				s.err = 0
				if s.state == simRefused {
					s.state = simFree
				}
				return int(e), nil
			}
			return 0, nil
		case SO_TYPE:
			return s.typ, nil
		case SO_SNDBUF:
			return s.sndbuf, nil
		case SO_RCVBUF:
			return s.rcvbuf, nil
		case SO_ACCEPTCONN:
			return b2i(s.state == simListening), nil
		}
	}
	if level == IPPROTO_IPV6 && opt == IPV6_V6ONLY {
		return b2i(s.v6only), nil
	}
	for _, o := range s.opts {
		if o.level == level && o.opt == opt {
			return o.val, nil
		}
	}
	return 0, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func detgoSetsockoptInt(fd, level, opt, value int) error {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return EBADF
	}
	switch {
	case level == IPPROTO_IPV6 && opt == IPV6_V6ONLY:
		if s.family != AF_INET6 {
			return ENOPROTOOPT
		}
		if s.bound {
			return EINVAL
		}
		s.v6only = value != 0
		return nil
	case level == SOL_SOCKET && opt == SO_SNDBUF:
		s.sndbuf = max(2*value, 4608) // Linux doubles it for bookkeeping
		return nil
	case level == SOL_SOCKET && opt == SO_RCVBUF:
		s.rcvbuf = max(2*value, 2304)
		return nil
	}
	for i := range s.opts {
		if s.opts[i].level == level && s.opts[i].opt == opt {
			s.opts[i].val = value
			return nil
		}
	}
	s.opts = append(s.opts, simOpt{level, opt, value})
	return nil
}

func detgoSetsockoptLinger(fd int, l *Linger) error {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return EBADF
	}
	s.linger0 = l.Onoff != 0 && l.Linger == 0
	return nil
}

func detgoRead(fd int, p []byte) (int, error) {
	n, _, err := detgoRecv(fd, p, false)
	return n, err
}

// detgoRecv reads from a stream or receives a datagram; from is set for
// datagrams when wantFrom is true.
func detgoRecv(fd int, p []byte, wantFrom bool) (int, Sockaddr, error) {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return 0, nil, EBADF
	}
	now := detgoNetNow()
	if s.err != 0 && now >= s.errAt && s.state != simRefused {
		e := s.err
		s.err = 0
		return 0, nil, e
	}
	if s.typ == SOCK_DGRAM {
		return s.recvDgram(p, now, wantFrom)
	}
	switch s.state {
	case simConnected:
	case simRefused:
		return 0, nil, EAGAIN
	case simListening:
		return 0, nil, EINVAL
	default:
		return 0, nil, ENOTCONN
	}
	if now < s.estAt {
		return 0, nil, EAGAIN
	}
	if s.shutRd {
		return 0, nil, nil
	}
	n := 0
	for len(s.rx) > 0 && s.rx[0].at <= now && n < len(p) && !s.rstSeen {
		m := copy(p[n:], s.rx[0].data)
		n += m
		if m == len(s.rx[0].data) {
			s.rx[0].data = nil
			s.rx = s.rx[1:]
		} else {
			s.rx[0].data = s.rx[0].data[m:]
		}
	}
	if n > 0 {
		s.rxLen -= n
		if w := s.peer; w != nil && w.wantW {
			w.wantW = false
			notify(w, 'w', now+s.delay(0)) // the ACK that opens the window
		}
		return n, nil, nil
	}
	if s.rstAt != 0 && now >= s.rstAt {
		// As in Linux, what arrived before the reset is still read first.
		if s.rstSeen {
			return 0, nil, nil
		}
		s.rstSeen = true
		s.rx, s.rxLen = nil, 0
		return 0, nil, ECONNRESET
	}
	if s.finAt != 0 && now >= s.finAt {
		return 0, nil, nil
	}
	return 0, nil, EAGAIN
}

func (s *simSock) recvDgram(p []byte, now int64, wantFrom bool) (int, Sockaddr, error) {
	best := -1
	for i, d := range s.dgrams {
		if d.at <= now && (best < 0 || d.at < s.dgrams[best].at) {
			best = i
		}
	}
	if best < 0 {
		return 0, nil, EAGAIN
	}
	d := s.dgrams[best]
	s.dgrams = append(s.dgrams[:best:best], s.dgrams[best+1:]...)
	s.dgLen -= len(d.data)
	n := copy(p, d.data) // the rest of a long datagram is lost, as with MSG_TRUNC unset
	var from Sockaddr
	switch {
	case wantFrom && s.family == AF_UNIX:
		from = &SockaddrUnix{Name: d.fromPath}
	case wantFrom:
		from = d.from.sockaddr(s.family)
	}
	for _, w := range s.dgWait { // unix: room again for blocked senders
		notify(w, 'w', now)
	}
	s.dgWait = nil
	return n, from, nil
}

func detgoWrite(fd int, p []byte) (int, error) {
	return detgoSend(fd, p, nil)
}

// detgoSend writes to a stream, or sends a datagram to `to` (nil: the
// connected address).
func detgoSend(fd int, p []byte, to Sockaddr) (int, error) {
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sock(fd)
	if s == nil {
		return 0, EBADF
	}
	now := detgoNetNow()
	if s.typ == SOCK_DGRAM {
		return k.sendDgram(s, p, to, now)
	}
	if to != nil && s.state != simConnected {
		return 0, EOPNOTSUPP // TCP Fast Open is not simulated
	}
	switch {
	case s.state == simRefused && now < s.errAt:
		return 0, EAGAIN
	case s.state != simConnected:
		return 0, ENOTCONN
	case now < s.estAt:
		return 0, EAGAIN
	case s.shutWr:
		return 0, EPIPE
	case s.rstAt != 0 && now >= s.rstAt:
		if !s.rstSeen {
			s.rstSeen = true
			return 0, ECONNRESET
		}
		return 0, EPIPE
	}
	if len(p) == 0 {
		return 0, nil
	}
	peer := s.peer
	room := s.sndbuf + peer.rcvbuf - peer.rxLen
	if room <= 0 {
		s.wantW = true
		return 0, EAGAIN
	}
	n := min(len(p), room)
	if simn.hold(s, p[:n]) {
		netlogBytes(now, s.typ, &s.local, &s.remote, n, 0)
		return n, nil // a partition holds it back (detgo_nodes.go)
	}
	d := s.delay(n) // unix: none
	after := s.lastAt
	if s.family != AF_UNIX {
		d = simn.delay(&s.local, &s.remote, n, true)
		after += simTx(n) // the connection's segments queue on the link
	}
	at := max(after, now+d)
	if s.family != AF_UNIX {
		netlogBytes(now, s.typ, &s.local, &s.remote, n, at)
	}
	s.lastAt = at
	if peer.state == simClosed {
		// The data is lost and the peer's kernel answers with an RST.
		// Until it arrives the bytes fill the window, so that a writer
		// that keeps writing blocks and then sees the reset, as in Linux.
		rst(s, at, 0)
		peer.rxLen += n
		return n, nil
	}
	data := make([]byte, n)
	copy(data, p)
	peer.rx = append(peer.rx, simSeg{at, data})
	peer.rxLen += n
	notify(peer, 'r', at)
	return n, nil
}

func (k *simKernel) sendDgram(s *simSock, p []byte, to Sockaddr, now int64) (int, error) {
	if s.family == AF_UNIX {
		return k.sendUnixDgram(s, p, to, now)
	}
	var dst simAddr
	if to == nil {
		if !s.hasPeerA {
			return 0, EDESTADDRREQ
		}
		dst = s.remote
	} else {
		var err error
		if dst, err = route(s, to); err != nil {
			return 0, err
		}
		if err := k.autobind(s, &dst); err != nil {
			return 0, err
		}
	}
	if len(p) > 65507 {
		return 0, EMSGSIZE
	}
	s.used = true
	from := s.local
	if from.unspecified() {
		from.ip = loopbackFor(dst.is4())
	}
	r := k.lookup(SOCK_DGRAM, &dst)
	if r != nil && r.hasPeerA && r.remote != from {
		r = nil // a connected socket takes datagrams from its peer only
	}
	if simn.drop(&from, &dst) {
		netlogBytes(now, SOCK_DGRAM, &from, &dst, len(p), 0)
		return len(p), nil // a partition or loss (detgo_nodes.go)
	}
	at := now + simn.delay(&from, &dst, len(p), false)
	netlogBytes(now, SOCK_DGRAM, &from, &dst, len(p), at)
	if r == nil {
		if s.hasPeerA && to == nil {
			s.err, s.errAt = ECONNREFUSED, at+simDelay(0) // ICMP port unreachable
			notify(s, 'r', s.errAt)
		}
		return len(p), nil
	}
	r.queueDgram(at, from, p)
	if simn.dup(&from, &dst) { // a duplicate, with its own delay (detgo_nodes.go)
		at = now + simn.delay(&from, &dst, len(p), false)
		netlogBytes(now, SOCK_DGRAM, &from, &dst, len(p), at)
		r.queueDgram(at, from, p)
	}
	return len(p), nil
}

// queueDgram puts a copy of p, arriving at at, in r's receive queue, unless
// the queue is full: then it is dropped.
func (r *simSock) queueDgram(at int64, from simAddr, p []byte) {
	if r.dgLen+len(p) > r.rcvbuf {
		return
	}
	data := make([]byte, len(p))
	copy(data, p)
	r.dgrams = append(r.dgrams, simDgram{at: at, from: from, data: data})
	r.dgLen += len(p)
	notify(r, 'r', at)
}

// sendUnixDgram sends a unix datagram to the socket bound to `to`'s name,
// or to the connected peer (nil): it is queued at once, with the sender's
// name. A full receive queue makes the sender wait (EAGAIN) until the
// receiver reads, as in Linux; a closed peer refuses.
func (k *simKernel) sendUnixDgram(s *simSock, p []byte, to Sockaddr, now int64) (int, error) {
	var r *simSock
	if to == nil {
		if !s.hasPeerA {
			return 0, ENOTCONN
		}
		r = s.peer
	} else {
		var err error
		if r, err = k.unixDgramTarget(to); err != nil {
			return 0, err
		}
	}
	switch {
	case r.state == simClosed:
		return 0, ECONNREFUSED
	case r.hasPeerA && r.peer != s:
		return 0, EPERM // r takes datagrams from its peer only
	case len(p) > s.sndbuf:
		return 0, EMSGSIZE
	case r.dgLen+len(p) > r.rcvbuf:
		for _, w := range r.dgWait {
			if w == s {
				return 0, EAGAIN
			}
		}
		r.dgWait = append(r.dgWait, s)
		return 0, EAGAIN
	}
	s.used = true
	data := make([]byte, len(p))
	copy(data, p)
	r.dgrams = append(r.dgrams, simDgram{at: now, fromPath: s.path, data: data})
	r.dgLen += len(p)
	notify(r, 'r', now)
	return len(p), nil
}

func detgoRecvfrom(fd int, p []byte, flags int) (int, Sockaddr, error) {
	if flags != 0 {
		return 0, nil, EOPNOTSUPP // MSG_PEEK and friends are not simulated
	}
	return detgoRecv(fd, p, true)
}

func detgoSendto(fd int, p []byte, flags int, to Sockaddr) error {
	if flags != 0 {
		return EOPNOTSUPP
	}
	_, err := detgoSend(fd, p, to)
	return err
}

// detgoRecvmsg is recvmsg without control messages.
func detgoRecvmsg(fd int, p, oob []byte, flags int) (n, oobn, recvflags int, from Sockaddr, err error) {
	n, from, err = detgoRecvfrom(fd, p, flags)
	return n, 0, 0, from, err
}

func detgoRecvmsgInet4(fd int, p, oob []byte, flags int, from *SockaddrInet4) (n, oobn, recvflags int, err error) {
	n, err = detgoRecvfromInet4(fd, p, flags, from)
	return n, 0, 0, err
}

func detgoRecvmsgInet6(fd int, p, oob []byte, flags int, from *SockaddrInet6) (n, oobn, recvflags int, err error) {
	n, err = detgoRecvfromInet6(fd, p, flags, from)
	return n, 0, 0, err
}

// detgoSendmsgN is sendmsg; control messages are not simulated.
func detgoSendmsgN(fd int, p, oob []byte, to Sockaddr, flags int) (int, error) {
	if flags != 0 || len(oob) > 0 {
		return 0, EOPNOTSUPP
	}
	return detgoSend(fd, p, to)
}

// sockaddr4 and sockaddr6 turn a typed address into a Sockaddr, nil for nil.
func sockaddr4(a *SockaddrInet4) Sockaddr {
	if a == nil {
		return nil
	}
	return a
}

func sockaddr6(a *SockaddrInet6) Sockaddr {
	if a == nil {
		return nil
	}
	return a
}

func detgoRecvfromInet4(fd int, p []byte, flags int, from *SockaddrInet4) (int, error) {
	n, sa, err := detgoRecvfrom(fd, p, flags)
	if sa4, ok := sa.(*SockaddrInet4); ok && from != nil {
		*from = *sa4
	}
	return n, err
}

func detgoRecvfromInet6(fd int, p []byte, flags int, from *SockaddrInet6) (int, error) {
	n, sa, err := detgoRecvfrom(fd, p, flags)
	if sa6, ok := sa.(*SockaddrInet6); ok && from != nil {
		*from = *sa6
	}
	return n, err
}
