// Package seeds parses the seeds a user asks detgo to run.
//
// A seed is one unsigned 64-bit number, written in decimal or, with a 0x
// prefix, in hexadecimal. -seed takes one seed; -seeds takes a comma list of
// seeds and inclusive ranges:
//
//	-seed=4711
//	-seed=0x1f
//	-seeds=1-1000
//	-seeds=1,2,5-10
//
// A List keeps the order the user wrote, and a seed that appears twice runs
// once, at its first place: "5-10,1-7" is 5..10 followed by 1..4. A List is
// stored as ranges, never expanded, so a spec of ten million seeds costs a few
// bytes; String gives back a canonical spec that parses to the same List.
package seeds

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// MaxCount is the most seeds one -seeds spec may name. It is far more than one
// machine runs in a day; a larger count is almost always a typo.
const MaxCount = 10_000_000

// A Range is the seeds First..Last, both included.
type Range struct{ First, Last uint64 }

// Len is the number of seeds in r.
func (r Range) Len() uint64 { return r.Last - r.First + 1 } // at most MaxCount, so no overflow in use

// A List is an ordered set of seeds.
type List struct {
	ranges []Range // disjoint, in the order the seeds run
	n      uint64
}

// One returns the List holding only seed.
func One(seed uint64) List { return List{ranges: []Range{{seed, seed}}, n: 1} }

// Len is the number of seeds in l.
func (l List) Len() uint64 { return l.n }

// Ranges returns the disjoint ranges of l in running order.
func (l List) Ranges() []Range { return slices.Clone(l.ranges) }

// All yields every seed of l in running order.
func (l List) All() iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		for _, r := range l.ranges {
			for s := r.First; ; s++ {
				if !yield(s) {
					return
				}
				if s == r.Last {
					break
				}
			}
		}
	}
}

// String returns a -seeds spec for l, e.g. "1-100,105".
func (l List) String() string {
	var b strings.Builder
	for i, r := range l.ranges {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(r.First, 10))
		if r.Last != r.First {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(r.Last, 10))
		}
	}
	return b.String()
}

// ParseSeed parses the value of -seed.
func ParseSeed(s string) (uint64, error) {
	n, ok := parseNumber(strings.TrimSpace(s))
	if !ok {
		return 0, fmt.Errorf("-seed %q: not an unsigned 64-bit number", s)
	}
	return n, nil
}

// Parse parses the value of -seeds.
func Parse(spec string) (List, error) {
	if strings.TrimSpace(spec) == "" {
		return List{}, fmt.Errorf("-seeds %q: no seeds given", spec)
	}
	var l List
	var seen []Range // the seeds of l, sorted and merged, to drop repeats
	for i, piece := range strings.Split(spec, ",") {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			return List{}, fmt.Errorf("-seeds %q: item %d is empty", spec, i+1)
		}
		r, err := parsePiece(piece)
		if err != nil {
			return List{}, fmt.Errorf("-seeds %q: %v", piece, err)
		}
		for _, part := range subtract(seen, r) {
			l.ranges = append(l.ranges, part)
			l.n += part.Len()
			if l.n > MaxCount {
				return List{}, fmt.Errorf("-seeds %q: more than %d seeds", spec, MaxCount)
			}
		}
		seen = insert(seen, r)
	}
	return l, nil
}

// parsePiece parses one comma-separated item of -seeds: N or A-B.
func parsePiece(piece string) (Range, error) {
	first, last, isRange := strings.Cut(piece, "-")
	if !isRange {
		n, err := number(piece)
		return Range{n, n}, err
	}
	if strings.TrimSpace(first) == "" {
		return Range{}, fmt.Errorf("%q is not an unsigned number", piece)
	}
	a, err := number(strings.TrimSpace(first))
	if err != nil {
		return Range{}, err
	}
	b, err := number(strings.TrimSpace(last))
	if err != nil {
		return Range{}, err
	}
	if b < a {
		return Range{}, fmt.Errorf("range end %d is below its start %d", b, a)
	}
	if b-a >= MaxCount {
		return Range{}, fmt.Errorf("range has more than %d seeds", MaxCount)
	}
	return Range{a, b}, nil
}

func number(s string) (uint64, error) {
	n, ok := parseNumber(s)
	switch {
	case ok:
		return n, nil
	case s == "":
		return 0, fmt.Errorf("missing number")
	case isDigits(s):
		return 0, fmt.Errorf("%q is out of range (the largest seed is 18446744073709551615)", s)
	}
	return 0, fmt.Errorf("%q is not a number", s)
}

// parseNumber accepts decimal and 0x-prefixed hexadecimal, nothing else:
// strconv's base 0 would also take octal, binary and underscores, which a
// seed copied from a log never has.
func parseNumber(s string) (uint64, bool) {
	base := 10
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s, base = s[2:], 16
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 64)
	return n, err == nil
}

// isDigits reports whether s is a well-formed number that parseNumber
// rejected, i.e. one too large for 64 bits.
func isDigits(s string) bool {
	digits := "0123456789"
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s, digits = s[2:], "0123456789abcdefABCDEF"
	}
	for _, c := range s {
		if !strings.ContainsRune(digits, c) {
			return false
		}
	}
	return s != ""
}

// subtract returns the parts of r not covered by seen (sorted, disjoint,
// merged), in ascending order.
func subtract(seen []Range, r Range) []Range {
	var out []Range
	// The first seen range that could overlap r ends at or after r.First.
	i, _ := slices.BinarySearchFunc(seen, r.First, func(s Range, v uint64) int {
		if s.Last < v {
			return -1
		}
		return 1
	})
	cur := r.First
	for ; i < len(seen) && seen[i].First <= r.Last; i++ {
		if seen[i].First > cur {
			out = append(out, Range{cur, seen[i].First - 1})
		}
		if seen[i].Last >= r.Last {
			return out
		}
		cur = seen[i].Last + 1
	}
	return append(out, Range{cur, r.Last})
}

// insert adds r to seen, keeping it sorted and merged (adjacent ranges join).
func insert(seen []Range, r Range) []Range {
	// lo: first range that ends at or after r.First-1 (touches or overlaps).
	lo, _ := slices.BinarySearchFunc(seen, r.First, func(s Range, v uint64) int {
		if v > 0 && s.Last < v-1 {
			return -1
		}
		return 1
	})
	hi := lo
	for hi < len(seen) && (r.Last == ^uint64(0) || seen[hi].First <= r.Last+1) {
		r.First = min(r.First, seen[hi].First)
		r.Last = max(r.Last, seen[hi].Last)
		hi++
	}
	return slices.Replace(seen, lo, hi, r)
}
