package bisect

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// containsAll is a failure that needs every one of need.
func containsAll(need ...int) func(context.Context, []int) bool {
	return func(_ context.Context, s []int) bool {
		for _, x := range need {
			if !slices.Contains(s, x) {
				return false
			}
		}
		return true
	}
}

// checkOneMinimal fails t unless fails(result) and fails(result less e) is
// false for every element e.
func checkOneMinimal(t *testing.T, result []int, fails func(context.Context, []int) bool) {
	t.Helper()
	ctx := context.Background()
	if !fails(ctx, result) {
		t.Fatalf("result %v does not fail", result)
	}
	for i := range result {
		smaller := slices.Delete(slices.Clone(result), i, i+1)
		if fails(ctx, smaller) {
			t.Errorf("result %v is not 1-minimal: %v fails too", result, smaller)
		}
	}
}

func TestMinimizeFindsTheCause(t *testing.T) {
	for _, tc := range []struct {
		n    int
		need []int
	}{
		{20, []int{3, 7}},
		{20, []int{5}},
		{1, []int{0}},
		{2, []int{0, 1}},
		{100, []int{0, 42, 99}},
		{37, []int{10, 11, 12, 13}},
	} {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("n=%d,need=%v,workers=%d", tc.n, tc.need, workers), func(t *testing.T) {
				got, err := Minimize(context.Background(), tc.n, workers, containsAll(tc.need...))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.need) {
					t.Errorf("Minimize = %v, want %v", got, tc.need)
				}
			})
		}
	}
}

func TestMinimizeEmptyWhenNothingIsNeeded(t *testing.T) {
	got, _ := Minimize(context.Background(), 10, 2, func(context.Context, []int) bool { return true })
	if len(got) != 0 {
		t.Errorf("Minimize = %v, want the empty set (the default schedule fails too)", got)
	}
}

func TestMinimizeNoElements(t *testing.T) {
	asked := 0
	got, _ := Minimize(context.Background(), 0, 1, func(context.Context, []int) bool { asked++; return true })
	if len(got) != 0 || asked != 0 {
		t.Errorf("Minimize(0) = %v after %d questions, want [] after none", got, asked)
	}
}

// TestMinimizeOneMinimal checks the promise on failures that are not
// monotone in the set: any of several causes, any two of a group, and
// switches that cancel each other (an even number of a pair fails).
func TestMinimizeOneMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + r.IntN(60)
		// Some causes, each a small set of elements; the failure needs one
		// whole cause, and is cancelled by a "repair" element if present.
		var causes [][]int
		for range 1 + r.IntN(3) {
			var c []int
			for range 1 + r.IntN(3) {
				c = append(c, r.IntN(n))
			}
			slices.Sort(c)
			causes = append(causes, slices.Compact(c))
		}
		repair := r.IntN(n + n/2) // often outside 0..n-1: no repair
		fails := func(_ context.Context, s []int) bool {
			if slices.Contains(s, repair) && !slices.Contains(causes[0], repair) {
				return false
			}
			for _, c := range causes {
				if containsAll(c...)(nil, s) {
					return true
				}
			}
			return false
		}
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		if !fails(nil, all) {
			continue // Minimize assumes the whole set fails
		}
		for _, workers := range []int{1, 2} {
			var mu sync.Mutex
			asked := map[string]int{}
			counted := func(ctx context.Context, s []int) bool {
				mu.Lock()
				asked[key(s)]++
				mu.Unlock()
				return fails(ctx, s)
			}
			got, err := Minimize(context.Background(), n, workers, counted)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(fmt.Sprintf("trial%d/workers=%d", trial, workers), func(t *testing.T) {
				checkOneMinimal(t, got, fails)
				for k, c := range asked {
					if c > 1 {
						t.Errorf("subset %s asked %d times", k, c)
					}
				}
			})
		}
	}
}

func TestMinimizeSameResultWithMoreWorkers(t *testing.T) {
	// Two causes: which one is found depends on the order candidates are
	// taken in, which must not depend on how many run at once.
	fails := func(_ context.Context, s []int) bool {
		return containsAll(2, 30)(nil, s) || containsAll(17)(nil, s)
	}
	one, _ := Minimize(context.Background(), 40, 1, fails)
	two, _ := Minimize(context.Background(), 40, 2, fails)
	if !slices.Equal(one, two) {
		t.Errorf("1 worker: %v, 2 workers: %v", one, two)
	}
}

func TestMinimizeStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	asked := 0
	got, err := Minimize(ctx, 64, 1, func(_ context.Context, s []int) bool {
		asked++
		if asked == 3 {
			cancel()
		}
		return slices.Contains(s, 9)
	})
	if err == nil {
		t.Fatal("Minimize after cancel: no error")
	}
	if !slices.Contains(got, 9) {
		t.Errorf("Minimize after cancel = %v, want a failing set (with 9)", got)
	}
}
