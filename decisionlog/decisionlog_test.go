package decisionlog

import (
	"reflect"
	"testing"
)

// A log as the runtime writes it with DETGO_TRACE_DETAIL=1 (shortened paths).
const sampleLog = `step 8 vnow 0 pick goroutine 7 of 3 at example.com/bank.TestDeposits.func1 /src/bank_test.go:13
	decision 68
	stopped goroutine 6 waiting sync.WaitGroup.Wait
	stopped at sync.(*WaitGroup).Wait /go/src/sync/waitgroup.go:208
	stopped at example.com/bank.TestDeposits /src/bank_test.go:18
	created by goroutine 6 at example.com/bank.TestDeposits /src/bank_test.go:13
	stack example.com/bank.TestDeposits.func1 /src/bank_test.go:13
step 8 vnow 1500 yield goroutine 7 kind 8 at example.com/bank.(*Account).Balance /src/bank.go:30
	decision 70
	stack internal/sync.(*Mutex).Unlock /go/src/internal/sync/mutex.go:25
	stack example.com/bank.(*Account).Balance /src/bank.go:30
	stack example.com/bank.(*Account).Deposit /src/bank.go:44
step 9 vnow 1500 pick goroutine 8 of 3 at ? ?:0
	decision 71
	stopped goroutine 7 runnable
	some future detail line
`

func TestParse(t *testing.T) {
	events, err := Parse([]byte(sampleLog))
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{
			Step: 8, Pick: true, Goroutine: 7, N: 3,
			At:       Frame{"example.com/bank.TestDeposits.func1", "/src/bank_test.go", 13},
			Decision: 68,
			Stack:    []Frame{{"example.com/bank.TestDeposits.func1", "/src/bank_test.go", 13}},
			Stopped: &Stopped{Goroutine: 6, State: "waiting", Reason: "sync.WaitGroup.Wait", Stack: []Frame{
				{"sync.(*WaitGroup).Wait", "/go/src/sync/waitgroup.go", 208},
				{"example.com/bank.TestDeposits", "/src/bank_test.go", 18},
			}},
			CreatedBy: &Creation{Parent: 6, At: Frame{"example.com/bank.TestDeposits", "/src/bank_test.go", 13}},
		},
		{
			Step: 8, VNow: 1500, Goroutine: 7, N: 8,
			At:       Frame{"example.com/bank.(*Account).Balance", "/src/bank.go", 30},
			Decision: 70,
			Stack: []Frame{
				{"internal/sync.(*Mutex).Unlock", "/go/src/internal/sync/mutex.go", 25},
				{"example.com/bank.(*Account).Balance", "/src/bank.go", 30},
				{"example.com/bank.(*Account).Deposit", "/src/bank.go", 44},
			},
		},
		{
			Step: 9, VNow: 1500, Pick: true, Goroutine: 8, N: 3,
			At:       Frame{"?", "?", 0},
			Decision: 71,
			Stopped:  &Stopped{Goroutine: 7, State: "runnable"},
		},
	}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", events, want)
	}
	if got := UserFrames(events[1].Stack); len(got) != 2 || got[0].Func != "example.com/bank.(*Account).Balance" {
		t.Errorf("UserFrames = %v, want Balance and Deposit", got)
	}
	if got := YieldKind(events[1].N); got != "Mutex.Unlock" {
		t.Errorf("YieldKind(8) = %q, want Mutex.Unlock", got)
	}
	if got := YieldKind(0x80 | 2); got != "chan receive (non-blocking)" {
		t.Errorf("YieldKind(0x82) = %q", got)
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	for _, bad := range []string{
		"hello\n",
		"\tdecision 3\n",
		"step x vnow 0 pick goroutine 1 of 1 at f f.go:1\n",
		"step 1 vnow 0 pick goroutine 1 of 1 at f f.go:1\n\tdecision x\n",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}
