// detgo: the simulated host's name-service files.
//
// net's pure-Go resolver reads /etc/nsswitch.conf, /etc/resolv.conf and
// /etc/hosts. Under detgo their real contents would make name resolution a
// property of the machine, so these three paths show fixed contents
// instead. Each lives in an anonymous in-memory file (memfd) created on
// first use and kept for the life of the process: Open returns a new open
// file description of it (through /proc/self/fd), so each opener has its own
// offset, and Stat and Lstat describe it, so os.SameFile agrees that every
// open of the path is the same file. Opening one for writing fails with
// EACCES, as for an unprivileged user.
//
// The simulated host knows localhost (127.0.0.1 and ::1) and nothing else.
// Its DNS server is 127.0.0.1:53: unless the test itself serves DNS there,
// a lookup of any other name fails at once, and the same way every run,
// with "connection refused".
//
// Only these exact paths are virtual; "/etc/../etc/hosts" is the real file.

package syscall

import (
	"sync"
	"unsafe"
)

const (
	detgoSysMemfdCreate = 319 // linux/amd64
	detgoMfdCloexec     = 1
)

var detgoFiles = [...]struct {
	path, data string
	once       sync.Once
	fd         int // the memfd, once created
	err        error
}{
	{path: "/etc/nsswitch.conf", data: "# detgo: simulated host\nhosts: files dns\n"},
	{path: "/etc/resolv.conf", data: "# detgo: simulated host\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"},
	{path: "/etc/hosts", data: "# detgo: simulated host\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
}

// detgoFile returns the memfd holding path's virtual contents; ok is false
// if path is not virtual.
func detgoFile(path string) (fd int, err error, ok bool) {
	for i := range detgoFiles {
		f := &detgoFiles[i]
		if f.path != path {
			continue
		}
		f.once.Do(func() { f.fd, f.err = detgoMemfd(f.path, f.data) })
		return f.fd, f.err, true
	}
	return -1, nil, false
}

func detgoMemfd(path, data string) (int, error) {
	name, err := BytePtrFromString("detgo" + path)
	if err != nil {
		return -1, err
	}
	r, _, e := Syscall(detgoSysMemfdCreate, uintptr(unsafe.Pointer(name)), detgoMfdCloexec, 0)
	if e != 0 {
		return -1, e
	}
	fd := int(r)
	if _, err := write(fd, []byte(data)); err != nil {
		Close(fd)
		return -1, err
	}
	if err := Fchmod(fd, 0o644); err != nil {
		Close(fd)
		return -1, err
	}
	return fd, nil
}

// detgoOpen opens a virtual file; ok is false for any other path.
func detgoOpen(path string, mode int) (fd int, err error, ok bool) {
	mfd, err, ok := detgoFile(path)
	if !ok || err != nil {
		return -1, err, ok
	}
	if mode&(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC) != 0 {
		return -1, EACCES, true
	}
	fd, err = openat(_AT_FDCWD, "/proc/self/fd/"+detgoItoa(mfd), mode|O_LARGEFILE, 0)
	return fd, err, true
}

// detgoStat stats a virtual file; ok is false for any other path.
func detgoStat(path string, st *Stat_t) (err error, ok bool) {
	mfd, err, ok := detgoFile(path)
	if !ok || err != nil {
		return err, ok
	}
	return Fstat(mfd, st), true
}

func detgoItoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}
