package seeds

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestParseSeed(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		err  string
	}{
		{in: "0", want: 0},
		{in: "7", want: 7},
		{in: "007", want: 7},
		{in: " 42 ", want: 42},
		{in: "0x1f", want: 31},
		{in: "0X1F", want: 31},
		{in: "18446744073709551615", want: 18446744073709551615},
		{in: "0xffffffffffffffff", want: 18446744073709551615},
		{in: "18446744073709551616", err: `-seed "18446744073709551616": not an unsigned 64-bit number`},
		{in: "0x10000000000000000", err: `-seed "0x10000000000000000": not an unsigned 64-bit number`},
		{in: "-4", err: `-seed "-4": not an unsigned 64-bit number`},
		{in: "+4", err: `-seed "+4": not an unsigned 64-bit number`},
		{in: "", err: `-seed "": not an unsigned 64-bit number`},
		{in: "0x", err: `-seed "0x": not an unsigned 64-bit number`},
		{in: "1_000", err: `-seed "1_000": not an unsigned 64-bit number`},
		{in: "0b101", err: `-seed "0b101": not an unsigned 64-bit number`},
		{in: "1.5", err: `-seed "1.5": not an unsigned 64-bit number`},
		{in: "1,2", err: `-seed "1,2": not an unsigned 64-bit number`},
	} {
		got, err := ParseSeed(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseSeed(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSeed(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []uint64 // every seed, in running order
		spec string   // canonical String()
		err  string
	}{
		{in: "1", want: []uint64{1}, spec: "1"},
		{in: "1-5", want: []uint64{1, 2, 3, 4, 5}, spec: "1-5"},
		{in: "1,2,5-7", want: []uint64{1, 2, 5, 6, 7}, spec: "1,2,5-7"},
		{in: " 1 , 2 - 3 ", want: []uint64{1, 2, 3}, spec: "1,2-3"},
		{in: "3,1,2", want: []uint64{3, 1, 2}, spec: "3,1,2"},
		{in: "5,5,5", want: []uint64{5}, spec: "5"},
		{in: "5-10,1-7", want: []uint64{5, 6, 7, 8, 9, 10, 1, 2, 3, 4}, spec: "5-10,1-4"},
		{in: "1-3,7-9,0-10", want: []uint64{1, 2, 3, 7, 8, 9, 0, 4, 5, 6, 10}, spec: "1-3,7-9,0,4-6,10"},
		{in: "4-4", want: []uint64{4}, spec: "4"},
		{in: "0x10-0x12", want: []uint64{16, 17, 18}, spec: "16-18"},
		{in: "18446744073709551614-18446744073709551615,18446744073709551615,0",
			want: []uint64{18446744073709551614, 18446744073709551615, 0},
			spec: "18446744073709551614-18446744073709551615,0"},
		{in: "", err: `-seeds "": no seeds given`},
		{in: "  ", err: `-seeds "  ": no seeds given`},
		{in: "1,2,", err: `-seeds "1,2,": item 3 is empty`},
		{in: ",1", err: `-seeds ",1": item 1 is empty`},
		{in: "1,,2", err: `-seeds "1,,2": item 2 is empty`},
		{in: "1-x", err: `-seeds "1-x": "x" is not a number`},
		{in: "1,2,5-x", err: `-seeds "5-x": "x" is not a number`},
		{in: "x-1", err: `-seeds "x-1": "x" is not a number`},
		{in: "1-", err: `-seeds "1-": missing number`},
		{in: "-4", err: `-seeds "-4": "-4" is not an unsigned number`},
		{in: "1--4", err: `-seeds "1--4": "-4" is not a number`},
		{in: "9-3", err: `-seeds "9-3": range end 3 is below its start 9`},
		{in: "abc", err: `-seeds "abc": "abc" is not a number`},
		{in: "18446744073709551616", err: `-seeds "18446744073709551616": "18446744073709551616" is out of range (the largest seed is 18446744073709551615)`},
		{in: "0x1ffffffffffffffff", err: `-seeds "0x1ffffffffffffffff": "0x1ffffffffffffffff" is out of range (the largest seed is 18446744073709551615)`},
		{in: "0-18446744073709551615", err: `-seeds "0-18446744073709551615": range has more than 10000000 seeds`},
		{in: "1-10000001", err: `-seeds "1-10000001": range has more than 10000000 seeds`},
		{in: "1-6000000,10000001-15000000", err: `-seeds "1-6000000,10000001-15000000": more than 10000000 seeds`},
	} {
		l, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Parse(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := slices.Collect(l.All()); !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if l.Len() != uint64(len(tt.want)) {
			t.Errorf("Parse(%q).Len() = %d, want %d", tt.in, l.Len(), len(tt.want))
		}
		if got := l.String(); got != tt.spec {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.spec)
		}
	}
}

func TestParseLimit(t *testing.T) {
	// Exactly MaxCount seeds is allowed, and overlapping ranges count once.
	l, err := Parse("1-10000000,5-10000000,1-10")
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != MaxCount {
		t.Fatalf("Len = %d, want %d", l.Len(), MaxCount)
	}
	if got := l.String(); got != "1-10000000" {
		t.Fatalf("String = %q", got)
	}
}

// TestParseRandom checks the range arithmetic against a plain map-based
// reference on random specs with many overlaps.
func TestParseRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var spec []byte
		var want []uint64
		seen := map[uint64]bool{}
		for i := range 1 + r.IntN(8) {
			if i > 0 {
				spec = append(spec, ',')
			}
			a := r.Uint64N(40)
			b := a
			if r.IntN(2) == 0 {
				b = a + r.Uint64N(15)
				spec = append(spec, []byte(itoa(a)+"-"+itoa(b))...)
			} else {
				spec = append(spec, []byte(itoa(a))...)
			}
			for s := a; s <= b; s++ {
				if !seen[s] {
					seen[s] = true
					want = append(want, s)
				}
			}
		}
		l, err := Parse(string(spec))
		if err != nil {
			t.Fatalf("Parse(%q): %v", spec, err)
		}
		if got := slices.Collect(l.All()); !slices.Equal(got, want) {
			t.Fatalf("Parse(%q) = %v, want %v", spec, got, want)
		}
		// The canonical spec describes the same list.
		again, err := Parse(l.String())
		if err != nil || !slices.Equal(slices.Collect(again.All()), want) {
			t.Fatalf("Parse(%q) (String of %q) = %v, %v", l.String(), spec, slices.Collect(again.All()), err)
		}
	}
}

func TestAllStops(t *testing.T) {
	l, _ := Parse("18446744073709551615,1-100")
	var got []uint64
	for s := range l.All() {
		got = append(got, s)
		if len(got) == 3 {
			break
		}
	}
	if !slices.Equal(got, []uint64{18446744073709551615, 1, 2}) {
		t.Fatalf("got %v", got)
	}
	if got := slices.Collect(One(9).All()); !slices.Equal(got, []uint64{9}) {
		t.Fatalf("One(9) = %v", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "1-100", "1,2,5-10", "", ",", "9-3", "18446744073709551615", "0x1-0x3,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		l, err := Parse(spec)
		if err != nil {
			return
		}
		if l.Len() == 0 || l.Len() > MaxCount {
			t.Fatalf("Parse(%q).Len() = %d", spec, l.Len())
		}
		again, err := Parse(l.String())
		if err != nil || again.String() != l.String() || again.Len() != l.Len() {
			t.Fatalf("Parse(%q): canonical %q does not round-trip: %v", spec, l.String(), err)
		}
	})
}

func itoa(n uint64) string { return One(n).String() }
