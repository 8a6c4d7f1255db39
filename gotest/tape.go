package gotest

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// TapeHeader is the first line of a decision tape: the seed and strategy of
// the run that recorded it (runtime-shim/runtime/detgo_tape.go).
type TapeHeader struct {
	Seed  uint64
	Sched string
}

// ReadTapeHeader reads the header line of the tape at path.
func ReadTapeHeader(path string) (TapeHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return TapeHeader{}, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return TapeHeader{}, fmt.Errorf("%s is not a detgo tape: no header line", path)
	}
	fields := strings.Fields(line)
	if len(fields) != 4 || fields[0] != "detgo-tape" {
		return TapeHeader{}, fmt.Errorf("%s is not a detgo tape", path)
	}
	if fields[1] != "1" {
		return TapeHeader{}, fmt.Errorf("%s is a version %s tape; this detgo reads version 1", path, fields[1])
	}
	var h TapeHeader
	seed, ok1 := strings.CutPrefix(fields[2], "seed=")
	sched, ok2 := strings.CutPrefix(fields[3], "sched=")
	h.Seed, err = strconv.ParseUint(seed, 10, 64)
	if !ok1 || !ok2 || err != nil || CheckSched(sched) != nil {
		return TapeHeader{}, fmt.Errorf("%s: malformed tape header %q", path, strings.TrimSpace(line))
	}
	h.Sched = sched
	return h, nil
}

// ReplayArgs turns the arguments of 'detgo replay' into those of 'detgo
// test' and the tape to replay: -tape=FILE is taken out, and the tape's
// seed and strategy are put in. A -seed, -seeds or -sched next to -tape is
// an error, since the tape decides them. Without -tape, detgo replay is
// detgo test.
func ReplayArgs(args []string) (testArgs []string, tape string, err error) {
	var own []string // -seed, -seeds, -sched the user gave
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" {
			testArgs = append(testArgs, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case !strings.HasPrefix(a, "-"):
		case name == "tape":
			if !hasValue {
				if i+1 == len(args) {
					return nil, "", fmt.Errorf("flag needs an argument: -tape")
				}
				i++
				value = args[i]
			}
			tape = value
			continue
		case name == "seed" || name == "seeds" || name == "sched":
			own = append(own, "-"+name)
		}
		testArgs = append(testArgs, a)
	}
	if tape == "" {
		return testArgs, "", nil
	}
	if len(own) > 0 {
		return nil, "", fmt.Errorf("%s: the tape names the seed and strategy; leave %s out", own[0], own[0])
	}
	h, err := ReadTapeHeader(tape)
	if err != nil {
		return nil, "", err
	}
	return append([]string{"-seed=" + strconv.FormatUint(h.Seed, 10), "-sched=" + h.Sched}, testArgs...), tape, nil
}
