// detgo: the virtual wall clock for the syscall package.
//
// syscall.Gettimeofday and syscall.Time read the clock through the vDSO, not
// through the runtime, so under detgo they would see real time while
// time.Now sees virtual time. Their hooks call detgoGettimeofday, which asks
// the runtime for the virtual wall clock and falls back to the real call
// outside detgo mode.

package syscall

import _ "unsafe" // for go:linkname

// detgoWalltime is provided by the runtime (detgo_clock.go).
//
//go:linkname detgoWalltime
func detgoWalltime() (sec int64, nsec int32, ok bool)

func detgoGettimeofday(tv *Timeval) Errno {
	sec, nsec, ok := detgoWalltime()
	if !ok {
		return gettimeofday(tv)
	}
	tv.Sec, tv.Usec = sec, int64(nsec/1000)
	return 0
}
