package timeline

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/detgo/detgo/decisionlog"
)

// A run of two goroutines: 7 runs, gives way at an Unlock, 8 runs and
// blocks on a mutex; 7 runs again, and a timer moves virtual time.
const sampleLog = `step 1 vnow 0 pick goroutine 7 of 2 at example.com/bank.TestDeposits.func1 /src/bank_test.go:13
	decision 10
	created by goroutine 6 at example.com/bank.TestDeposits /src/bank_test.go:13
	stack example.com/bank.TestDeposits.func1 /src/bank_test.go:13
step 1 vnow 0 yield goroutine 7 kind 8 at example.com/bank.(*Account).Balance /src/bank.go:30
	decision 12
	stack example.com/bank.(*Account).Balance /src/bank.go:30
step 2 vnow 0 pick goroutine 8 of 2 at example.com/bank.TestDeposits.func1 /src/bank_test.go:13
	decision 13
	stopped goroutine 7 runnable
	stack example.com/bank.TestDeposits.func1 /src/bank_test.go:13
step 3 vnow 2000000 pick goroutine 7 of 1 at example.com/bank.(*Account).Balance /src/bank.go:30
	decision 14
	stopped goroutine 8 waiting sync.Mutex.Lock
	stopped at example.com/bank.(*Account).Set /src/bank.go:35
	stack example.com/bank.(*Account).Balance /src/bank.go:30
`

type traceFile struct {
	TraceEvents []struct {
		Name string         `json:"name"`
		Ph   string         `json:"ph"`
		Ts   float64        `json:"ts"`
		Dur  *float64       `json:"dur"`
		Pid  int            `json:"pid"`
		Tid  uint64         `json:"tid"`
		S    string         `json:"s"`
		Args map[string]any `json:"args"`
	} `json:"traceEvents"`
	DisplayTimeUnit string `json:"displayTimeUnit"`
}

func TestWrite(t *testing.T) {
	events, err := decisionlog.Parse([]byte(sampleLog))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, events, Run{Title: "example.com/bank seed=2 sched=random", EndNow: 3000000}); err != nil {
		t.Fatal(err)
	}
	var tf traceFile
	if err := json.Unmarshal(buf.Bytes(), &tf); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
	}
	type drawn struct {
		ph   string
		tid  uint64
		name string
		ts   float64
		dur  float64
	}
	var got []drawn
	tracks := map[uint64]string{}
	for _, e := range tf.TraceEvents {
		if e.Pid != pid {
			t.Errorf("event %q has pid %d", e.Name, e.Pid)
		}
		switch e.Ph {
		case "M":
			if e.Name == "thread_name" {
				tracks[e.Tid] = e.Args["name"].(string)
			}
			continue
		case "i":
			if e.S != "t" {
				t.Errorf("instant %q is not on its thread's track (s=%q)", e.Name, e.S)
			}
		}
		d := drawn{ph: e.Ph, tid: e.Tid, name: e.Name, ts: e.Ts}
		if e.Dur != nil {
			d.dur = *e.Dur
		}
		got = append(got, d)
	}
	// Virtual time stands still for the first steps: 1 ns (0.001 µs) apart.
	// Goroutine 8 blocks, nothing runs until the clock jumps to 2 ms, and
	// the last span lasts to the end of the run (3 ms).
	want := []drawn{
		{"X", 7, "bank.TestDeposits.func1", 0, 0.002},
		{"i", 7, "gives way at Mutex.Unlock", 0.001, 0},
		{"X", 8, "bank.TestDeposits.func1", 0.002, 0.001},
		{"i", 8, "blocks: sync.Mutex.Lock", 0.003, 0},
		{"X", 7, "bank.(*Account).Balance", 2000, 1000},
	}
	if len(got) != len(want) {
		t.Fatalf("drawn events:\n got %v\nwant %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if tracks[7] != "goroutine 7 bank.TestDeposits.func1" || tracks[8] == "" {
		t.Errorf("tracks = %v", tracks)
	}
	if tf.DisplayTimeUnit != "ns" {
		t.Errorf("displayTimeUnit = %q", tf.DisplayTimeUnit)
	}
}
