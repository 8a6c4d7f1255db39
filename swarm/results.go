package swarm

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The results file is JSON Lines: a header, then session and seed records
// in the order they happened. Every line is one JSON object whose "type"
// says which:
//
//	{"type":"header","version":1,"config":"…",…}       once, first
//	{"type":"session","start":"…","seeds":"1-1000",…}  each time a swarm starts or resumes
//	{"type":"seed","package":"…","seed":5,…}           one per run of one package with one seed
//
// Durability: a seed's record is written with a single write(2) as soon as
// the run ends, so a swarm that is killed, even with SIGKILL, loses only the
// runs still in flight, and a resumed swarm runs those again. The file is
// fsynced every second and when the swarm ends: a crash of the machine loses
// at most the last second of records, which again only run again. A last
// line without its newline (a write cut short by such a crash) is dropped
// when the file is read.

// FormatVersion is the version of the results file format.
const FormatVersion = 1

// A Header is the first record of a results file: what decides the result
// of a seed. A swarm resumes a file only if its header is the same.
type Header struct {
	Type       string        `json:"type"` // "header"
	Version    int           `json:"version"`
	Config     string        `json:"config"` // hash of the fields below but Packages[].Binary
	Sched      string        `json:"sched"`
	Check      bool          `json:"check,omitempty"`
	Timeout    string        `json:"timeout"`     // real-time limit per run
	BuildFlags []string      `json:"build_flags"` // go test -c flags besides the toolchain's
	Args       []string      `json:"args"`        // the test binary's arguments
	Packages   []PackageInfo `json:"packages"`
}

// PackageInfo is one package of a swarm.
type PackageInfo struct {
	ImportPath string `json:"import_path"`
	Arg        string `json:"arg"`    // as a replay line names it (relative to where detgo ran)
	Binary     string `json:"binary"` // sha256 of the test binary; seeds replay only on the same binary
}

// A Session record starts each run of detgo swarm on a results file.
type Session struct {
	Type    string    `json:"type"` // "session"
	Start   time.Time `json:"start"`
	Seeds   string    `json:"seeds"` // a -seeds spec; "1-" for an unbounded swarm
	Shard   string    `json:"shard,omitempty"`
	Workers int       `json:"workers"`
	Host    string    `json:"host,omitempty"`
}

// Outcomes of a run.
const (
	Pass    = "pass"
	Fail    = "fail"    // the test binary exited with a non-zero status
	Timeout = "timeout" // still running after -timeout of real time; stopped with SIGQUIT
	Nondet  = "nondet"  // -check: two runs of the seed differed
	Error   = "error"   // exited 0 but the detgo runtime's report is missing or wrong
)

// A Record is the result of running one package's test binary with one seed.
type Record struct {
	Type      string   `json:"type"` // "seed"
	Package   string   `json:"package"`
	Seed      uint64   `json:"seed"`
	Sched     string   `json:"sched"`    // the -sched asked for
	Strategy  string   `json:"strategy"` // the strategy the runtime ran (a portfolio picks one per seed)
	Outcome   string   `json:"outcome"`
	Exit      int      `json:"exit"`
	Test      string   `json:"test,omitempty"` // the first failing top-level test
	VirtualNS uint64   `json:"virtual_ns"`     // the virtual clock at exit, from 2000-01-01T00:00:00Z
	RealNS    int64    `json:"real_ns"`        // wall time of the run
	Steps     uint64   `json:"steps,omitempty"`
	Hash      string   `json:"hash,omitempty"`    // the runtime's trace hash
	Nondet    uint64   `json:"nondet,omitempty"`  // switches at points chosen by real time (watchdog)
	Choices   *uint64  `json:"choices,omitempty"` // picks with two test goroutines runnable; 0: the seed cannot change the interleaving
	Signature string   `json:"signature,omitempty"`
	Message   string   `json:"message,omitempty"` // the first failure line, as printed
	Frames    []string `json:"frames,omitempty"`  // top frames of the panicking or hanging goroutine
	Replay    string   `json:"replay,omitempty"`  // a detgo test command that runs the seed as the swarm did
	Worker    int      `json:"worker,omitempty"`
}

// Failed reports whether the record is a failure of any kind.
func (r *Record) Failed() bool { return r.Outcome != Pass }

// computeConfig fills in h.Config.
func (h *Header) computeConfig() {
	c := *h
	c.Config = ""
	c.Packages = nil
	for _, p := range h.Packages {
		c.Packages = append(c.Packages, PackageInfo{ImportPath: p.ImportPath})
	}
	data, _ := json.Marshal(c)
	sum := sha256.Sum256(data)
	h.Config = hex.EncodeToString(sum[:8])
}

// diff names a difference between the configurations of h and o: what
// differs, its value in h and in o. It returns what == "" if they have the
// same Config.
func (h *Header) diff(o *Header) (what, inH, inO string) {
	if h.Config == o.Config {
		return "", "", ""
	}
	switch {
	case h.Version != o.Version:
		return "the format version", fmt.Sprint(h.Version), fmt.Sprint(o.Version)
	case h.Sched != o.Sched:
		return "-sched", h.Sched, o.Sched
	case h.Check != o.Check:
		return "-check", fmt.Sprint(h.Check), fmt.Sprint(o.Check)
	case h.Timeout != o.Timeout:
		return "-timeout", h.Timeout, o.Timeout
	case !slices.Equal(h.BuildFlags, o.BuildFlags):
		return "the build flags", fmt.Sprintf("%q", h.BuildFlags), fmt.Sprintf("%q", o.BuildFlags)
	case !slices.Equal(h.Args, o.Args):
		return "the test binary's arguments", fmt.Sprintf("%q", h.Args), fmt.Sprintf("%q", o.Args)
	}
	var a, b []string
	for _, p := range h.Packages {
		a = append(a, p.ImportPath)
	}
	for _, p := range o.Packages {
		b = append(b, p.ImportPath)
	}
	return "the packages", strings.Join(a, " "), strings.Join(b, " ")
}

// Contents is what a results file holds.
type Contents struct {
	Header   *Header // nil for an empty file
	Sessions []Session
	Records  []Record
	size     int64 // bytes up to the end of the last complete line
}

var seedPrefix = []byte(`{"type":"seed"`)

// ReadResults reads a results file. A last line without a newline is
// ignored (see the durability note above); any other line that does not
// parse is an error.
func ReadResults(r io.Reader, name string) (*Contents, error) {
	c := &Contents{}
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return c, nil // a partial last line, if any, is dropped
		}
		if err != nil {
			return nil, err
		}
		c.size += int64(len(line))
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		bad := func(err error) error { return fmt.Errorf("%s:%d: %v", name, n, err) }
		if bytes.HasPrefix(line, seedPrefix) {
			var rec Record
			if err := json.Unmarshal(line, &rec); err != nil {
				return nil, bad(err)
			}
			if c.Header == nil {
				return nil, bad(errors.New("seed record before the header"))
			}
			c.Records = append(c.Records, rec)
			continue
		}
		var kind struct{ Type string }
		if err := json.Unmarshal(line, &kind); err != nil {
			return nil, bad(err)
		}
		switch kind.Type {
		case "header":
			if c.Header != nil {
				return nil, bad(errors.New("a second header"))
			}
			c.Header = new(Header)
			if err := json.Unmarshal(line, c.Header); err != nil {
				return nil, bad(err)
			}
			if c.Header.Version != FormatVersion {
				return nil, bad(fmt.Errorf("results format version %d; this detgo reads version %d", c.Header.Version, FormatVersion))
			}
		case "session":
			var s Session
			if err := json.Unmarshal(line, &s); err != nil {
				return nil, bad(err)
			}
			c.Sessions = append(c.Sessions, s)
		case "seed":
			var rec Record
			if err := json.Unmarshal(line, &rec); err != nil {
				return nil, bad(err)
			}
			c.Records = append(c.Records, rec)
		default:
			// A record type from a later detgo: skip it.
		}
		if c.Header == nil {
			return nil, bad(errors.New("the first record is not a header; not a detgo swarm results file"))
		}
	}
}

// resultsFile is an open, locked results file being appended to.
type resultsFile struct {
	once  sync.Once
	cerr  error
	mu    sync.Mutex
	f     *os.File
	dirty bool
	err   error // the first write error
	stop  chan struct{}
	done  chan struct{}
}

// syncEvery is how often the results file is fsynced while records arrive.
const syncEvery = time.Second

// openResults opens (creating it if needed) and locks the results file at
// path and reads what it holds. With fresh, it is emptied first.
func openResults(path string, fresh bool) (*resultsFile, *Contents, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	if err := lockResults(f); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, fmt.Errorf("results file %s is in use by another detgo swarm", path)
		}
		return nil, nil, fmt.Errorf("locking %s: %v", path, err)
	}
	fail := func(err error) (*resultsFile, *Contents, error) {
		f.Close()
		return nil, nil, err
	}
	if fresh {
		if err := f.Truncate(0); err != nil {
			return fail(err)
		}
	}
	c, err := ReadResults(f, path)
	if err != nil {
		return fail(err)
	}
	// Cut a partial last line, so that the next record starts a line.
	if err := f.Truncate(c.size); err != nil {
		return fail(err)
	}
	if _, err := f.Seek(c.size, io.SeekStart); err != nil {
		return fail(err)
	}
	rf := &resultsFile{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go rf.syncLoop()
	return rf, c, nil
}

// append writes v as one line, with one write call.
func (rf *resultsFile) append(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.err != nil {
		return rf.err
	}
	if _, err := rf.f.Write(data); err != nil {
		rf.err = err
		return err
	}
	rf.dirty = true
	return nil
}

func (rf *resultsFile) sync() error {
	rf.mu.Lock()
	dirty := rf.dirty
	rf.dirty = false
	rf.mu.Unlock()
	if !dirty {
		return nil
	}
	return rf.f.Sync()
}

func (rf *resultsFile) syncLoop() {
	defer close(rf.done)
	t := time.NewTicker(syncEvery)
	defer t.Stop()
	for {
		select {
		case <-rf.stop:
			return
		case <-t.C:
			rf.sync()
		}
	}
}

// Close syncs, unlocks and closes the file.
func (rf *resultsFile) Close() error {
	rf.once.Do(func() { rf.cerr = rf.close() })
	return rf.cerr
}

func (rf *resultsFile) close() error {
	close(rf.stop)
	<-rf.done
	err := rf.sync()
	if cerr := rf.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rf.err
	}
	return err
}

// lockBusyWait is how long openResults waits for a results file that
// another process has locked: a swarm killed a moment ago may have left a
// worker between fork and exec that still shares the locked descriptor.
const lockBusyWait = 2 * time.Second

// lockResults takes the exclusive lock on f, waiting up to lockBusyWait.
func lockResults(f *os.File) error {
	deadline := time.Now().Add(lockBusyWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
