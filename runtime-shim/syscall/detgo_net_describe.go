// detgo: the simulated sockets, described for a deadlock report.
//
// When a test deadlocks, testing's alarm (testing/detgo_alarm.go) prints
// every goroutine; one blocked on a simulated socket shows as [IO wait] in
// net's Read or Accept, which does not say on which connection. The report
// adds this table: every open simulated socket with its descriptor, its
// addresses, its state and what it holds, at the virtual time of the
// deadlock, so a reader can see who waits for whom (a reader with nothing
// arrived, a connection whose peer never wrote).

package syscall

import _ "unsafe" // for go:linkname

// detgoNetSockets returns one line per open simulated socket, in descriptor
// order, or "" when there is none (or outside detgo mode).
//
//go:linkname detgoNetSockets
func detgoNetSockets() string {
	if !detgoNet {
		return ""
	}
	k := &simk
	k.mu.Lock()
	defer k.mu.Unlock()
	now := detgoNetNow()
	var b []byte
	for i, s := range k.fds {
		if s == nil || len(s.fds) == 0 || s.fds[0] != detgoFDBase+i {
			continue // free, or listed under its first descriptor
		}
		b = append(b, "fd "...)
		b = simAppendInt(b, detgoFDBase+i)
		b = append(b, ' ')
		b = s.describe(b, now)
		b = append(b, '\n')
	}
	return string(b)
}

func (s *simSock) describe(b []byte, now int64) []byte {
	switch {
	case s.family == AF_UNIX:
		if s.typ == SOCK_DGRAM {
			b = append(b, "unixgram "...)
		} else {
			b = append(b, "unix "...)
		}
		b = append(b, s.path...)
		if s.peerPath != "" {
			b = append(b, " -> "...)
			b = append(b, s.peerPath...)
		}
	case s.typ == SOCK_DGRAM:
		b = append(b, "udp "...)
		b = s.local.appendTo(b)
		if s.hasPeerA {
			b = append(b, " -> "...)
			b = s.remote.appendTo(b)
		}
	default:
		b = append(b, "tcp "...)
		b = s.local.appendTo(b)
		if s.state == simConnected || s.state == simRefused {
			b = append(b, " -> "...)
			b = s.remote.appendTo(b)
		}
	}
	switch s.state {
	case simListening:
		b = append(b, " listening, "...)
		ready := 0
		for _, c := range s.acceptq {
			if c.estAt <= now {
				ready++
			}
		}
		b = simAppendInt(b, ready)
		b = append(b, " to accept"...)
		return b
	case simConnected:
		if s.estAt > now {
			return append(b, " connecting"...)
		}
		b = append(b, " established"...)
	case simRefused:
		return append(b, " refused"...)
	case simClosed:
		return append(b, " closed"...)
	default:
		if s.typ != SOCK_DGRAM {
			return append(b, " not connected"...)
		}
	}
	arrived, inFlight := 0, 0
	for _, seg := range s.rx {
		if seg.at <= now {
			arrived += len(seg.data)
		} else {
			inFlight += len(seg.data)
		}
	}
	for _, d := range s.dgrams {
		if d.at <= now {
			arrived += len(d.data)
		} else {
			inFlight += len(d.data)
		}
	}
	b = append(b, ", "...)
	b = simAppendInt(b, arrived)
	b = append(b, " bytes to read, "...)
	b = simAppendInt(b, inFlight)
	b = append(b, " in flight"...)
	if s.finAt != 0 && s.finAt <= now {
		b = append(b, ", peer closed"...)
	}
	if s.wantW {
		b = append(b, ", window full"...)
	}
	return b
}

// appendTo appends a as ip:port ([ip]:port for IPv6).
func (a *simAddr) appendTo(b []byte) []byte {
	if a.is4() {
		for i, x := range a.ip[12:] {
			if i > 0 {
				b = append(b, '.')
			}
			b = simAppendInt(b, int(x))
		}
	} else if a.ip == [16]byte{} {
		b = append(b, "[::]"...)
	} else if a.ip == [16]byte{15: 1} {
		b = append(b, "[::1]"...)
	} else {
		const hex = "0123456789abcdef"
		b = append(b, '[')
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				b = append(b, ':')
			}
			v := uint16(a.ip[i])<<8 | uint16(a.ip[i+1])
			started := false
			for shift := 12; shift >= 0; shift -= 4 {
				d := (v >> shift) & 15
				if d != 0 || started || shift == 0 {
					b = append(b, hex[d])
					started = true
				}
			}
		}
		b = append(b, ']')
	}
	b = append(b, ':')
	return simAppendInt(b, a.port)
}

func simAppendInt(b []byte, v int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}
