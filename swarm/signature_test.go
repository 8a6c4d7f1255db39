package swarm

import (
	"slices"
	"testing"
)

func TestParseFailure(t *testing.T) {
	for _, tt := range []struct {
		name, output string
		want         failure
	}{
		{
			name:   "t.Error in a subtest",
			output: "--- FAIL: TestSub (0.00s)\n    --- FAIL: TestSub/a (0.00s)\n        sig_test.go:22: bad value 36 at 0x1d2\nFAIL\n",
			want:   failure{Test: "TestSub", Message: "sig_test.go:22: bad value 36 at 0x1d2"},
		},
		{
			name:   "-v: the message comes before --- FAIL",
			output: "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n    b_test.go:9: got 3, want 4\n--- FAIL: TestB (0.00s)\nFAIL\n",
			want:   failure{Test: "TestB", Message: "b_test.go:9: got 3, want 4"},
		},
		{
			name: "panic",
			output: `--- FAIL: TestPanic (0.00s)
panic: assignment to entry in nil map [recovered, repanicked]

goroutine 6 [running]:
testing.tRunner.func1.2({0x55f9e0, 0x6d3c30})
	/usr/local/go/src/testing/testing.go:1974 +0x232
panic({0x55f9e0?, 0x6d3c30?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
example.com/sig.(*T).inc(...)
	/tmp/sig/sig_test.go:11
example.com/sig.helper(...)
	/tmp/sig/sig_test.go:13
example.com/sig.TestPanic(0x2cdff7738248?)
	/tmp/sig/sig_test.go:17 +0x3a
example.com/sig.extra(0x1)
	/tmp/sig/sig_test.go:17 +0x3a
testing.tRunner(0x2cdff7738248, 0x598768)
	/usr/local/go/src/testing/testing.go:2037 +0xfd
created by testing.(*T).Run in goroutine 1
	/usr/local/go/src/testing/testing.go:2102 +0x4c5
`,
			want: failure{Test: "TestPanic", Message: "panic: assignment to entry in nil map [recovered, repanicked]",
				Frames: []string{"example.com/sig.(*T).inc", "example.com/sig.helper", "example.com/sig.TestPanic"}},
		},
		{
			name:   "an earlier t.Error wins over a later panic, without frames",
			output: "--- FAIL: TestA (0.00s)\n    a_test.go:5: boom\n--- FAIL: TestB (0.00s)\npanic: x\n\ngoroutine 7 [running]:\nexample.com/p.TestB(0x1)\n\t/p/a_test.go:9 +0x1\n",
			want:   failure{Test: "TestA", Message: "a_test.go:5: boom"},
		},
		{
			name: "simulated-time alarm: the test goroutine, not the alarm's",
			output: `panic: test timed out after 24h0m0s
	running tests:
		TestSleep (24h0m0s)

goroutine 7 [running]:
testing.(*M).startAlarm.func1()
	/usr/local/go/src/testing/testing.go:2803 +0x354
created by time.goFunc
	/usr/local/go/src/time/sleep.go:215 +0x2d

goroutine 1 [chan receive]:
testing.(*T).Run(0x2cdff7738008, {0x58b10c?, 0xcbf29ce484222325?}, 0x598770)
	/usr/local/go/src/testing/testing.go:2110 +0x4e5
main.main()
	_testmain.go:52 +0x9b

goroutine 6 [sleep]:
time.Sleep(0x9d29229e0000)
	/usr/local/go/src/runtime/time.go:366 +0x17c
example.com/sig.TestSleep(0x2cdff7738248?)
	/tmp/sig/sig_test.go:33 +0x1d
testing.tRunner(0x2cdff7738248, 0x598770)
	/usr/local/go/src/testing/testing.go:2037 +0xfd
`,
			want: failure{Test: "TestSleep", Message: "panic: test timed out after 24h0m0s", Frames: []string{"example.com/sig.TestSleep"}},
		},
		{
			name: "SIGQUIT dump: the goroutine with a test function",
			output: `SIGQUIT: quit
PC=0x53282f m=0 sigcode=0

goroutine 1 gp=0x1 m=nil [chan receive]:
example.com/sig.TestMain(0x1)
	/tmp/sig/sig_test.go:5 +0x2f fp=0x1 sp=0x1 pc=0x1

goroutine 6 gp=0x1eb83625ef00 m=0 mp=0x6dfee0 [running]:
example.com/sig.spin(...)
	/tmp/sig/sig_test.go:1
example.com/sig.TestHang.func1(0x1eb8362f4248?)
	/tmp/sig/sig_test.go:29 +0x2f fp=0x1 sp=0x1 pc=0x1
runtime.goexit({})
	/usr/local/go/src/runtime/asm_amd64.s:1771 +0x1 fp=0x1 sp=0x1 pc=0x1
`,
			want: failure{Test: "TestHang", Frames: []string{"example.com/sig.spin", "example.com/sig.TestHang.func1"}},
		},
		{
			name:   "fatal error",
			output: "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nexample.com/p.TestX(0x1)\n\t/p/x.go:3 +0x1\n",
			want:   failure{Test: "TestX", Message: "fatal error: all goroutines are asleep - deadlock!", Frames: []string{"example.com/p.TestX"}},
		},
		{name: "nothing to go on", output: "exit\n", want: failure{}},
	} {
		got := parseFailure([]byte(tt.output))
		if got.Test != tt.want.Test || got.Message != tt.want.Message || !slices.Equal(got.Frames, tt.want.Frames) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestSignature(t *testing.T) {
	a := failure{Test: "TestX", Message: "x_test.go:12: balance 350, want 750 (0xdeadbeef)"}
	b := failure{Test: "TestX", Message: "x_test.go:12: balance 650, want 750 (0x1)"}
	if normalize(a.Message) != "x_test.go:#: balance #, want # (0x#)" {
		t.Errorf("normalize(%q) = %q", a.Message, normalize(a.Message))
	}
	if signature("p", Fail, a) != signature("p", Fail, b) {
		t.Error("messages that differ in numbers only have different signatures")
	}
	for _, other := range []struct {
		pkg, outcome string
		f            failure
	}{
		{"q", Fail, a},
		{"p", Timeout, a},
		{"p", Fail, failure{Test: "TestY", Message: a.Message}},
		{"p", Fail, failure{Test: "TestX", Message: "x_test.go:12: balance 350, want 750 (0xdeadbeef) again"}},
		{"p", Fail, failure{Test: "TestX", Message: a.Message, Frames: []string{"p.f"}}},
	} {
		if signature(other.pkg, other.outcome, other.f) == signature("p", Fail, a) {
			t.Errorf("%+v has the signature of %+v", other, a)
		}
	}
}
