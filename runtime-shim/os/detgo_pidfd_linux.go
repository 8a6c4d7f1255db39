// detgo: waiting for a child process without holding the only P.
//
// Process.Wait blocks in waitid. Under detgo there is one P and no sysmon
// to take it from a goroutine stuck in a system call, so while the parent
// waits in waitid none of its other goroutines run, including the ones that
// drain the child's output pipes: a child that fills a pipe and the parent
// would both hang.
//
// Most children need nothing from the parent while it waits, and waiting
// for them holding the P keeps the parent deterministic: when waitid
// returns, their output is all there. So detgoAwaitExit first waits as
// waitid would, holding the P, for up to detgoChildGrace of real time. A
// child still running then may need the parent, so the wait moves to the
// runtime poller (the pidfd becomes readable when the child exits), parked
// like a goroutine reading a pipe, and the parent's goroutines run. From
// there on, when the child's output and exit arrive is real time, outside
// the seed, and -check reports the run as not reproducible.

package os

import (
	"internal/syscall/unix"
	"syscall"
	"time"
	_ "unsafe" // for go:linkname
)

// detgoChildGrace is how long a wait for a child holds the P (real time).
const detgoChildGrace = 3 * time.Second

// detgoEnabled is provided by the runtime (detgo.go).
//
//go:linkname detgoEnabled
func detgoEnabled() bool

// detgoAwaitExit returns when the process behind pidfd has exited, or at
// once outside detgo mode or if the pidfd cannot be polled (waitid then
// blocks as usual).
func detgoAwaitExit(pidfd uintptr) {
	if !detgoEnabled() {
		return
	}
	var info unix.SiginfoChild
	for waited := time.Duration(0); waited < detgoChildGrace; waited += time.Millisecond {
		// WNOWAIT: only look; pidfdWait's waitid reaps the child.
		err := unix.Waitid(unix.P_PIDFD, int(pidfd), &info, syscall.WEXITED|syscall.WNOHANG|syscall.WNOWAIT, nil)
		if err != nil || info.Pid != 0 {
			return
		}
		// A real sleep that keeps the P, as waitid would.
		ts := syscall.NsecToTimespec(int64(time.Millisecond))
		syscall.Nanosleep(&ts, nil)
	}
	// A duplicate, since the File closes its descriptor and the process
	// handle stays the Process's.
	fd, err := syscall.Dup(int(pidfd))
	if err != nil {
		return
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return
	}
	f := newFile(fd, "pidfd", kindNewFile, true)
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	polled := false
	// The first call asks the poller to wait for readability; the second,
	// after the wake-up, ends the wait.
	rc.Read(func(uintptr) bool {
		done := polled
		polled = true
		return done
	})
}
