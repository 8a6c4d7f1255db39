// detgo: the simulated host's name-service files.
//
// net's pure-Go resolver reads /etc/nsswitch.conf, /etc/resolv.conf and
// /etc/hosts. Under detgo their real contents would make name resolution a
// property of the machine, so Open serves fixed contents instead, from an
// anonymous in-memory file (memfd): the returned descriptor is a real,
// read-only-in-practice regular file, so os.File, Stat and Read work
// unchanged.
//
// The simulated host knows localhost (127.0.0.1 and ::1) and nothing else.
// Its DNS server is 127.0.0.1:53: unless the test itself serves DNS there,
// a lookup of any other name fails at once, and the same way every run,
// with "connection refused".

package syscall

import "unsafe"

const (
	detgoSysMemfdCreate = 319 // linux/amd64
	detgoMfdCloexec     = 1
)

var detgoFiles = [...]struct{ path, data string }{
	{"/etc/nsswitch.conf", "# detgo: simulated host\nhosts: files dns\n"},
	{"/etc/resolv.conf", "# detgo: simulated host\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"},
	{"/etc/hosts", "# detgo: simulated host\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
}

// detgoOpen opens one of the virtual files; ok is false for any other path.
func detgoOpen(path string) (fd int, err error, ok bool) {
	for _, f := range detgoFiles {
		if f.path != path {
			continue
		}
		name, err := BytePtrFromString("detgo" + path)
		if err != nil {
			return -1, err, true
		}
		r, _, e := Syscall(detgoSysMemfdCreate, uintptr(unsafe.Pointer(name)), detgoMfdCloexec, 0)
		if e != 0 {
			return -1, e, true
		}
		fd := int(r)
		if _, err := write(fd, []byte(f.data)); err != nil {
			Close(fd)
			return -1, err, true
		}
		if _, err := Seek(fd, 0, 0); err != nil {
			Close(fd)
			return -1, err, true
		}
		return fd, nil, true
	}
	return -1, nil, false
}
