package bisect

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
)

// A tape as the runtime writes it: start-up decisions, testing's root test,
// a switch before the test, the test, then a yield that gave way followed
// by its pick (k=1), a stay, a pick k=0 and a pick k=2.
func sampleTape() []byte {
	b := []byte("detgo-tape 1 seed=7 sched=random\n")
	for _, v := range []uint64{
		2, 0, // pick among 1: k=0
		recordGaveWay, 4, 0, // a switch in start-up: kept as it is
		recordTestStart, rootTestHash,
		recordGaveWay, 4, 1,
		recordTestStart, 12345,
		recordGaveWay, 6, 1, // switch: gave way, then pick k=1 (also a switch)
		recordStay,
		6, 0,
		8, 2, // switch: pick k=2
	} {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func TestTapeRoundTrip(t *testing.T) {
	data := sampleTape()
	tape, err := ParseTape(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := tape.Bytes(); !bytes.Equal(got, data) {
		t.Errorf("Bytes() = %q, want %q", got, data)
	}
	if all, inTests := tape.NonDefault(); all != 6 || inTests != 3 {
		t.Errorf("NonDefault() = %d, %d; want 6 (3 before the test), 3", all, inTests)
	}
	// Records: 0 pick, 1 gave way, 2 pick, 3 root start, 4 gave way, 5 pick k=1,
	// 6 test start, 7 gave way, 8 pick k=1, 9 stay, 10 pick, 11 pick k=2.
	if got, want := tape.Switches(), []int{7, 8, 11}; !slices.Equal(got, want) {
		t.Errorf("Switches() = %v, want %v (none before the first test function)", got, want)
	}
	if got := tape.Decision(7); got != 6 {
		t.Errorf("Decision(7) = %d, want 6 (eight records, two of them test starts)", got)
	}
}

func TestParseTapeRejects(t *testing.T) {
	for _, bad := range [][]byte{
		[]byte("hello\n"),
		[]byte("detgo-tape 1 seed=1 sched=random\n\x09"),     // unknown kind 9
		[]byte("detgo-tape 1 seed=1 sched=random\n\x04\x05"), // pick 5 of 2
		[]byte("detgo-tape 1 seed=1 sched=random\n\x05"),     // test start without its hash
	} {
		if _, err := ParseTape(bad); err == nil {
			t.Errorf("ParseTape(%q): no error", bad)
		}
	}
}

func TestKeep(t *testing.T) {
	tape, _ := ParseTape(sampleTape())
	switches := tape.Switches()
	// Keep only the last switch (pick k=2): the yield stays and its pick,
	// which no longer happens, is dropped.
	got := tape.Keep(switches, []int{2})
	want := slices.Clone(tape.Records[:7])
	want = append(want, Record{Head: recordStay}, Record{Head: recordStay}, Record{Pick: true, N: 3}, Record{Pick: true, N: 4, K: 2})
	if !slices.Equal(got.Records, want) {
		t.Errorf("Keep([2]):\n got %v\nwant %v", got.Records, want)
	}
	// Keep the yield but not its pick: the pick takes the head of the queue.
	got = tape.Keep(switches, []int{0})
	if r := got.Records[8]; !r.Pick || r.K != 0 {
		t.Errorf("Keep([0]): record 8 = %v, want a pick k=0", r)
	}
	if r := got.Records[11]; r.K != 0 {
		t.Errorf("Keep([0]): record 11 = %v, want a pick k=0", r)
	}
	if !slices.Equal(tape.Keep(switches, []int{0, 1, 2}).Records, tape.Records) {
		t.Error("Keep(all) changed the tape")
	}
}

func TestSlid(t *testing.T) {
	tape, _ := ParseTape(sampleTape())
	switches := tape.Switches() // 7, 8, 11
	got, ok := tape.Slid(switches, 0, -1)
	if !ok {
		t.Fatal("Slid(0, -1) not possible")
	}
	// Switch 0 (record 7) is dropped; 8 moves to 7, 11 to 10.
	want := slices.Clone(tape.Records)
	want[7] = tape.Records[8]
	want[8] = Record{Pick: true, N: 3}
	want[10] = tape.Records[11]
	want[11] = Record{Pick: true, N: 4}
	if !slices.Equal(got.Records, want) {
		t.Errorf("Slid(0, -1):\n got %v\nwant %v", got.Records, want)
	}
	if _, ok := tape.Slid(switches, 0, 1); ok {
		t.Error("Slid(0, +1) moved a switch off the end of the tape")
	}
	if _, ok := tape.Slid(switches, 0, -2); ok {
		t.Error("Slid(0, -2) moved a switch onto the test start")
	}
	if _, ok := tape.Slid(switches, 1, -4); ok {
		t.Error("Slid(1, -4) moved a switch before the one kept before it")
	}
}
