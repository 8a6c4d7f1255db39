package gotest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A Report is what the detgo runtime writes to $DETGO_REPORT when a test
// binary exits: one "key value" per line, e.g.
//
//	seed 7
//	sched random
//	hash 0x1f2e3d4c5b6a7988
//	steps 12345
//	yields 678
//	jumps 9
//	vnow 3000000000
//	nondet 0
//	checkpoint 1024 0x0123456789abcdef
//
// Keys detgo does not know are skipped, so the runtime can add more.
type Report struct {
	Seed        uint64
	Sched       string
	Hash        uint64 // the trace hash: every scheduling decision, clock jump and network event
	Steps       uint64
	Yields      uint64
	Jumps       uint64
	VNow        uint64 // the virtual clock at exit, in nanoseconds
	Nondet      uint64 // switches at points chosen by real time (after a watchdog stop)
	Choices     uint64 // picks with two of the tests' goroutines runnable: 0 means the seed cannot change the interleaving
	HasChoices  bool   // the report has a choices line
	Checkpoints []Checkpoint

	// When a decision tape was replayed (DETGO_TAPE):
	TapeReplayed  uint64 // decisions taken from the tape
	TapeDiverged  uint64 // the decision at which the run left the tape; 0 = it did not
	TapeExpected  string // what the tape expected there
	TapeExpectedN uint64 // the goroutine count of the expected pick, if any
}

// A Checkpoint is the trace hash after a given number of steps.
type Checkpoint struct {
	Step uint64
	Hash uint64
}

// ReadReport reads the report file at path. A missing file gives an error
// satisfying errors.Is(err, fs.ErrNotExist).
func ReadReport(path string) (Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Report{}, err
	}
	r, err := ParseReport(data)
	if err != nil {
		return Report{}, fmt.Errorf("report %s: %v", path, err)
	}
	return r, nil
}

// ParseReport parses the contents of a report file. It needs at least the
// seed and hash lines; a known key with a malformed value is an error.
func ParseReport(data []byte) (Report, error) {
	var r Report
	var haveSeed, haveHash bool
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		key, vals := fields[0], fields[1:]
		num := func(i int) (uint64, error) {
			if len(vals) <= i {
				return 0, fmt.Errorf("line %d: %s: missing value", n, key)
			}
			v, err := strconv.ParseUint(vals[i], 0, 64)
			if err != nil {
				return 0, fmt.Errorf("line %d: %s: %q is not a number", n, key, vals[i])
			}
			return v, nil
		}
		var err error
		switch key {
		case "seed":
			r.Seed, err = num(0)
			haveSeed = true
		case "sched":
			if len(vals) == 0 {
				err = fmt.Errorf("line %d: sched: missing value", n)
			} else {
				r.Sched = vals[0]
			}
		case "hash":
			r.Hash, err = num(0)
			haveHash = true
		case "steps":
			r.Steps, err = num(0)
		case "yields":
			r.Yields, err = num(0)
		case "jumps":
			r.Jumps, err = num(0)
		case "vnow":
			r.VNow, err = num(0)
		case "nondet":
			r.Nondet, err = num(0)
		case "choices":
			r.Choices, err = num(0)
			r.HasChoices = true
		case "tape_replayed":
			r.TapeReplayed, err = num(0)
		case "tape_diverged":
			r.TapeDiverged, err = num(0)
		case "tape_expected":
			r.TapeExpected = strings.Join(vals, " ")
		case "tape_expected_n":
			r.TapeExpectedN, err = num(0)
		case "checkpoint":
			var c Checkpoint
			if c.Step, err = num(0); err == nil {
				c.Hash, err = num(1)
			}
			r.Checkpoints = append(r.Checkpoints, c)
		}
		if err != nil {
			return Report{}, err
		}
	}
	if err := sc.Err(); err != nil {
		return Report{}, err
	}
	switch {
	case !haveSeed:
		return Report{}, fmt.Errorf("no seed line")
	case !haveHash:
		return Report{}, fmt.Errorf("no hash line")
	}
	return r, nil
}
