// detgo: the poller side of the simulated network.
//
// In detgo mode package syscall runs a fake kernel for sockets
// (syscall/detgo_net_linux.go). Its descriptors are numbers from a reserved
// range, detgoNetFDBase+n, far above anything the real kernel hands out, and
// they never reach epoll: netpollopen records the pollDesc of a fake fd in
// detgoNet.pd instead, and netpollclose forgets it.
//
// Readiness flows the other way through one push call,
// syscall.detgoNetNotify(fd, mode, when): the fake kernel calls it whenever a
// socket may have become readable or writable (data, FIN, RST, a connection
// in the accept queue, freed send-buffer space, a connect result). If when
// is not in the future the pollDesc is made ready at once; otherwise a
// runtime timer does it at when, exactly as netpolldeadlineimpl does for
// deadlines. Network deliveries are therefore timers, and the idle clock jump
// (detgoIdle) is also the network's event loop: a message with 50us of
// latency arrives 50us of virtual time later, after everything that was
// runnable before it has run.
//
// Invariants:
//   - A fake fd is never passed to epoll_ctl or epoll_wait.
//   - A notification is a hint, never a fact: the fake kernel decides what a
//     read returns from its own clock-stamped queues. A wake-up that turns out
//     to be spurious (the fd was closed and reused, the data was already
//     read) costs the woken goroutine one EAGAIN, as with epoll's edge
//     triggering. A missed wake-up would hang the reader, so registration
//     marks both directions ready (epoll does the same: EPOLL_CTL_ADD
//     reports the current state), and the fake kernel notifies on every
//     change.
//   - pollDescs live in non-GC memory and are never freed, so detgoNet.pd
//     holds them as uintptrs.
//   - netpollAnyWaiters counts only goroutines that may be woken by real
//     descriptors, so that a program whose goroutines all wait on simulated
//     sockets, with no timer pending, is reported as deadlocked instead of
//     blocking in epoll_wait forever.

package runtime

import (
	"internal/runtime/atomic"
	"internal/runtime/syscall/linux"
	"unsafe"
)

const (
	detgoNetFDBase = 1 << 29  // first fake fd; keep in step with syscall/detgo_net_linux.go
	detgoNetFDMax  = 1 << 16  // number of fake fds
	detgoStreamNet = 0x6e6574 // "net": label of the network stream
)

var detgoNet struct {
	pd      [detgoNetFDMax]uintptr // *pollDesc of each registered fake fd, or 0
	realFDs atomic.Int32           // real descriptors registered with epoll
	stream  detgoStream            // latencies, jitter, ephemeral ports
	seeded  bool
	epoch   uint64 // tests started; the fake kernel redraws its port sequence when it changes
}

// detgoNetpollopen is netpollopen in detgo mode. A fake fd is only recorded;
// a real one goes to epoll as in stock Go and is counted.
func detgoNetpollopen(fd uintptr, pd *pollDesc) uintptr {
	if fd >= detgoNetFDBase {
		i := fd - detgoNetFDBase
		if i >= detgoNetFDMax {
			return 9 // EBADF
		}
		detgoNet.pd[i] = uintptr(unsafe.Pointer(pd))
		// Like EPOLL_CTL_ADD, report the current state: callers try the
		// operation before waiting, so a spurious ready is harmless.
		var delta int32
		netpollunblock(pd, 'r', true, &delta)
		netpollunblock(pd, 'w', true, &delta)
		netpollAdjustWaiters(delta)
		return 0
	}
	var ev linux.EpollEvent
	ev.Events = linux.EPOLLIN | linux.EPOLLOUT | linux.EPOLLRDHUP | linux.EPOLLET
	tp := taggedPointerPack(unsafe.Pointer(pd), pd.fdseq.Load())
	*(*taggedPointer)(unsafe.Pointer(&ev.Data)) = tp
	errno := linux.EpollCtl(epfd, linux.EPOLL_CTL_ADD, int32(fd), &ev)
	if errno == 0 {
		detgoNet.realFDs.Add(1)
	}
	return errno
}

// detgoNetpollclose is netpollclose in detgo mode.
func detgoNetpollclose(fd uintptr) uintptr {
	if fd >= detgoNetFDBase {
		if i := fd - detgoNetFDBase; i < detgoNetFDMax {
			detgoNet.pd[i] = 0
		}
		return 0
	}
	var ev linux.EpollEvent
	errno := linux.EpollCtl(epfd, linux.EPOLL_CTL_DEL, int32(fd), &ev)
	if errno == 0 {
		detgoNet.realFDs.Add(-1)
	}
	return errno
}

// detgoNetpollAnyWaiters is netpollAnyWaiters in detgo mode: only real
// descriptors can make a blocking netpoll return, so only they count.
func detgoNetpollAnyWaiters() bool {
	return detgoNet.realFDs.Load() > 0 && netpollWaiters.Load() > 0
}

// detgoNetEvent is one future readiness notification.
type detgoNetEvent struct {
	t    timer
	fd   int
	mode int32
}

//go:linkname syscall_detgoNetEnabled syscall.detgoNetEnabled
func syscall_detgoNetEnabled() bool {
	return detgo.enabled
}

// syscall_detgoNetLogEnabled tells package syscall whether to log the
// simulated network's packets (detgo test -netlog). The runtime reads the
// variable: syscall.Getenv at init would pass a sync.Once, a yield point,
// and shift every schedule.
//
//go:linkname syscall_detgoNetLogEnabled syscall.detgoNetLogEnabled
func syscall_detgoNetLogEnabled() bool {
	return detgo.enabled && detgo.netLog
}

// internal/poll and internal/syscall/unix ask too: they tell simulated
// sockets by number, and a number alone is not proof outside detgo.
//
//go:linkname poll_runtime_detgoNetEnabled internal/poll.runtime_detgoNetEnabled
func poll_runtime_detgoNetEnabled() bool {
	return detgo.enabled
}

//go:linkname unix_runtime_detgoNetEnabled internal/syscall/unix.runtime_detgoNetEnabled
func unix_runtime_detgoNetEnabled() bool {
	return detgo.enabled
}

//go:linkname syscall_detgoNetNow syscall.detgoNetNow
func syscall_detgoNetNow() int64 {
	return detgoNanotime()
}

// syscall_detgoNetRand draws from the network stream, which is separate from
// the program's and the scheduler's so that network timing never shifts the
// values they see.
//
//go:linkname syscall_detgoNetRand syscall.detgoNetRand
func syscall_detgoNetRand() uint64 {
	if !detgoNet.seeded {
		detgoNet.stream.init(detgo.seed, detgoStreamNet)
		detgoNet.seeded = true
	}
	return detgoNet.stream.next()
}

// detgoNetTestStart reseeds the network stream when a test starts (from
// detgoTestStart, with the test's own seed), so that a test sees the same
// ports and latencies whether it runs after others or alone.
func detgoNetTestStart(seed uint64) {
	detgoNet.stream.init(seed, detgoStreamNet)
	detgoNet.seeded = true
	detgoNet.epoch++
	detgoFaultsTestStart(seed) // detgo_faults.go
}

//go:linkname syscall_detgoNetEpoch syscall.detgoNetEpoch
func syscall_detgoNetEpoch() uint64 {
	return detgoNet.epoch
}

// syscall_detgoNetNotify makes fd ready for mode ('r', 'w' or 'r'+'w') at
// virtual time when.
//
//go:linkname syscall_detgoNetNotify syscall.detgoNetNotify
func syscall_detgoNetNotify(fd int, mode int32, when int64) {
	if fd < detgoNetFDBase {
		return
	}
	if when <= detgoNanotime() {
		detgoNetReady(fd, mode)
		return
	}
	e := new(detgoNetEvent)
	e.fd, e.mode = fd, mode
	e.t.init(detgoNetFire, e)
	e.t.modify(when, 0, detgoNetFire, e, 0)
}

func detgoNetFire(arg any, seq uintptr, delay int64) {
	e := arg.(*detgoNetEvent)
	detgoNetReady(e.fd, e.mode)
}

// detgoNetReady marks fd's pollDesc ready and wakes its waiters, the same
// steps netpoll takes for an epoll event.
func detgoNetReady(fd int, mode int32) {
	i := uintptr(fd) - detgoNetFDBase
	if i >= detgoNetFDMax {
		return
	}
	pdp := detgoNet.pd[i]
	if pdp == 0 {
		return // not registered (yet, or any more): the owner polls first
	}
	pd := (*pollDesc)(unsafe.Pointer(pdp))
	var toRun gList
	delta := netpollready(&toRun, pd, mode)
	for !toRun.empty() {
		netpollgoready(toRun.pop(), 0)
	}
	netpollAdjustWaiters(delta)
}
