// detgo: the simulated network's event log (detgo test -netlog).
//
// With DETGO_NETLOG=1 the fake kernel writes one line to stderr for every
// packet-level event of a TCP or UDP socket, at the moment the program
// causes it, stamped with the virtual time since the start and, for what it
// sends, the virtual time at which it arrives:
//
//	detgo: net 0.000050000 tcp 127.0.0.1:32768 -> 127.0.0.1:8080 SYN, arrives 0.000100000
//	detgo: net 0.000210000 tcp 127.0.0.1:8080 -> 127.0.0.1:32768 12 bytes, arrives 0.000260000
//
// The lines are a function of the seed like everything else, so two runs of
// a seed log the same lines and -check still compares equal. They go to
// stderr with a plain write, in the order of the calls, and mix with the
// test's output where they happen (go test -v shows both).

package syscall

// detgoNetLog is set once, when package syscall initializes, from
// DETGO_NETLOG=1 as the runtime read it (runtime/detgo_netpoll.go).
var detgoNetLog = detgoNet && detgoNetLogEnabled()

func detgoNetLogEnabled() bool

// netlog logs event on the connection from -> to (to is nil for a
// listener) of socket type typ, sent
// at now; at is when it arrives (0: nothing arrives: a close, or a packet a
// partition holds back or loses).
func netlog(now int64, typ int, from, to *simAddr, event string, at int64) {
	if !detgoNetLog {
		return
	}
	b := append([]byte(nil), "detgo: net "...)
	b = simAppendSeconds(b, now)
	if typ == SOCK_DGRAM {
		b = append(b, " udp "...)
	} else {
		b = append(b, " tcp "...)
	}
	b = from.appendTo(b)
	if to != nil {
		b = append(b, " -> "...)
		b = to.appendTo(b)
	}
	b = append(b, ' ')
	b = append(b, event...)
	if at != 0 {
		b = append(b, ", arrives "...)
		b = simAppendSeconds(b, at)
	}
	b = append(b, '\n')
	Write(2, b)
}

// netlogBytes is netlog for a segment or datagram of n bytes.
func netlogBytes(now int64, typ int, from, to *simAddr, n int, at int64) {
	if detgoNetLog {
		netlog(now, typ, from, to, string(simAppendInt(nil, n))+" bytes", at)
	}
}

// simAppendSeconds appends the virtual time t (monotonic ns) as seconds
// since the start of the run, with nine decimals.
func simAppendSeconds(b []byte, t int64) []byte {
	d := t - detgoNetStart
	if d < 0 {
		b = append(b, '-')
		d = -d
	}
	b = simAppendInt(b, int(d/1e9))
	frac := simAppendInt(nil, int(d%1e9)+1e9) // 1xxxxxxxxx: keeps the zeros
	b = append(b, '.')
	return append(b, frac[1:]...)
}

// detgoNetStart is the virtual monotonic clock at the start of the run
// (keep in step with runtime/detgo_clock.go's detgoEpochMono).
const detgoNetStart = 3600e9
