// detgo: internal/poll's part of the simulated network.
//
// Simulated sockets (syscall/detgo_net_linux.go) are descriptors from
// detgoNetFDBase up, a range the real kernel does not hand out, and they
// exist only in detgo mode. Three paths here would pass them to raw system
// calls: writev goes through syscall.Write buffer by buffer instead, and
// splice and sendfile report "not handled" so that net and os fall back to
// plain reads and writes.

package poll

import (
	"syscall"
	"unsafe"
)

const detgoNetFDBase = 1 << 29 // keep in step with syscall/detgo_net_linux.go

// detgoNet reports whether sockets are simulated (set when the package
// initializes; nothing here runs before that).
var detgoNet = runtime_detgoNetEnabled()

// runtime_detgoNetEnabled is provided by the runtime (detgo_netpoll.go).
//
//go:linkname runtime_detgoNetEnabled
func runtime_detgoNetEnabled() bool

// detgoNetFD reports whether fd is a simulated socket.
func detgoNetFD(fd int) bool {
	return fd >= detgoNetFDBase && detgoNet
}

// detgoWritev writes iovecs in order with syscall.Write and stops at the
// first short write, as writev(2) does.
func detgoWritev(fd int, iovecs []syscall.Iovec) (uintptr, error) {
	total := uintptr(0)
	for _, v := range iovecs {
		b := unsafe.Slice(v.Base, v.Len)
		n, err := syscall.Write(fd, b)
		if n > 0 {
			total += uintptr(n)
		}
		if err != nil || n < len(b) {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
	}
	return total, nil
}
