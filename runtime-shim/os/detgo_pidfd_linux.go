// detgo: waiting for a child process without holding the only P.
//
// Process.Wait blocks in waitid. Under detgo there is one P and no sysmon
// to take it from a goroutine stuck in a system call, so while the parent
// waits in waitid none of its other goroutines run, including the ones that
// drain the child's output pipes or fire the timer that would kill it: a
// child that fills a pipe, or waits to be killed, would hang with its parent.
//
// Most children need nothing from the parent while it waits, and waiting
// for them holding the P keeps the parent deterministic: when waitid
// returns, their output is all there, and no timer fired meanwhile. So
// detgoAwaitExit first waits as waitid would, holding the P, as long as the
// child is busy: some thread of it running or in disk wait (/proc). When all
// its threads have been asleep for detgoChildIdle (it waits for something:
// perhaps for the parent), or after detgoChildGrace at most, the wait moves
// to the runtime poller (the pidfd becomes readable when the child exits),
// parked like a goroutine reading a pipe, and the parent's goroutines and
// timers run. From there on, when the child's output and exit arrive is
// real time, outside the seed, and -check reports the run as not
// reproducible. A child that is a detgo test binary itself sleeps in
// virtual time, so it is seldom asleep for long.

package os

import (
	"internal/bytealg"
	"internal/strconv"
	"internal/syscall/unix"
	"syscall"
	"time"
	_ "unsafe" // for go:linkname
)

// How long a wait for a child holds the P, in real time: while the child is
// busy, for at most detgoChildGrace; detgoChildIdle once all its threads
// sleep.
const (
	detgoChildGrace = 3 * time.Second
	detgoChildIdle  = 50 * time.Millisecond
	detgoChildPoll  = time.Millisecond
)

// detgoEnabled is provided by the runtime (detgo.go).
//
//go:linkname detgoEnabled
func detgoEnabled() bool

// detgoAwaitExit returns when the process behind pidfd has exited, or at
// once outside detgo mode or if the pidfd cannot be polled (waitid then
// blocks as usual).
func detgoAwaitExit(pidfd uintptr, pid int) {
	if !detgoEnabled() {
		return
	}
	var info unix.SiginfoChild
	asleep := time.Duration(0)
	for waited := time.Duration(0); waited < detgoChildGrace && asleep < detgoChildIdle; waited += detgoChildPoll {
		// WNOWAIT: only look; pidfdWait's waitid reaps the child.
		err := unix.Waitid(unix.P_PIDFD, int(pidfd), &info, syscall.WEXITED|syscall.WNOHANG|syscall.WNOWAIT, nil)
		if err != nil || info.Pid != 0 {
			return
		}
		if detgoProcessAsleep(pid) {
			asleep += detgoChildPoll
		} else {
			asleep = 0
		}
		// A real sleep that keeps the P, as waitid would.
		ts := syscall.NsecToTimespec(int64(detgoChildPoll))
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

// detgoProcessAsleep reports whether every thread of process pid is asleep
// (state S, T or t in /proc/<pid>/task/<tid>/stat), that is none is running
// or in disk wait. It reads /proc with plain system calls: os's own files go
// through the poller, whose reads are scheduling points, and the number of
// these reads depends on real time. If /proc cannot be read, it says no.
func detgoProcessAsleep(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	var names []string
	buf := make([]byte, 4096)
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err != nil || n <= 0 {
			break
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
	syscall.Close(fd)
	if len(names) == 0 {
		return false
	}
	stat := make([]byte, 512)
	for _, tid := range names {
		fd, err := syscall.Open(dir+"/"+tid+"/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return false
		}
		n, _ := syscall.Read(fd, stat)
		syscall.Close(fd)
		// "tid (comm) S ...": the state follows the last ')'.
		i := bytealg.LastIndexByteString(string(stat[:max(n, 0)]), ')')
		if i < 0 || i+2 >= n {
			return false
		}
		switch stat[i+2] {
		case 'S', 'T', 't':
		default:
			return false
		}
	}
	return true
}
