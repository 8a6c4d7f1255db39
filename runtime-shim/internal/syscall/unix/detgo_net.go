// detgo: fcntl on simulated sockets.
//
// Simulated sockets (syscall/detgo_net_linux.go) are descriptors from
// detgoNetFDBase up, which the real kernel does not hand out, and exist only
// in detgo mode. Fcntl answers for them here: F_DUPFD and F_DUPFD_CLOEXEC
// duplicate through syscall.Dup (TCPConn.File, net.FileConn), F_GETFL
// reports a non-blocking read-write descriptor (simulated sockets never
// block), and the flag setters succeed without effect (there is no exec to
// close on).

package unix

import (
	"syscall"
	_ "unsafe" // for go:linkname
)

const detgoNetFDBase = 1 << 29 // keep in step with syscall/detgo_net_linux.go

// detgoNet reports whether sockets are simulated.
var detgoNet = runtime_detgoNetEnabled()

// runtime_detgoNetEnabled is provided by the runtime (detgo_netpoll.go).
//
//go:linkname runtime_detgoNetEnabled
func runtime_detgoNetEnabled() bool

// detgoNetFD reports whether fd is a simulated socket.
func detgoNetFD(fd int) bool {
	return fd >= detgoNetFDBase && detgoNet
}

func detgoFcntl(fd int, cmd int, arg int) (int, error) {
	switch cmd {
	case syscall.F_DUPFD, syscall.F_DUPFD_CLOEXEC:
		return syscall.Dup(fd)
	case syscall.F_GETFL:
		return syscall.O_RDWR | syscall.O_NONBLOCK, nil
	case syscall.F_GETFD:
		return syscall.FD_CLOEXEC, nil
	case syscall.F_SETFL, syscall.F_SETFD:
		return 0, nil
	}
	return -1, syscall.EINVAL
}
