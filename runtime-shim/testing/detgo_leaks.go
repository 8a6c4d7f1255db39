// detgo: -leaks, goroutines a test leaves behind.
//
// With DETGO_LEAKS=1 (detgo test -leaks), when a test returns (after its
// subtests and before its result is printed), tRunner calls detgoCheckLeaks.
// A goroutine is the test's if the test's goroutine created it, directly or
// through goroutines created during the test that have since exited (a
// creator with a larger goroutine ID than the test's; detgo runs one
// goroutine at a time, so IDs grow with creation). Goroutines that are still
// ending get time to end: the check sleeps in virtual time, 1µs doubling up
// to a total of 1s, rechecking each time, which costs no real time when
// they are blocked. Whatever is left fails the test with each goroutine's
// wait reason, stack and creation site. Under one seed the result is the
// same every run; under another seed a racy leak may appear or vanish.
//
// Not counted: other tests' goroutines, testing's own, os/signal's watcher,
// which lives for the rest of the process by design, and the goroutines of
// a crashed simulated node, which are gone for good.

package testing

import (
	"cmp"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

var detgoLeaksOn = os.Getenv("DETGO_LEAKS") == "1"

const detgoLeakWait = time.Second // virtual time given to goroutines that are ending

func detgoCheckLeaks(t *T) {
	if !detgoLeaksOn || t.parent == nil { // the root runs all tests; each checks its own
		return
	}
	self := detgoGoroutineID()
	waited := time.Duration(0)
	for d := time.Microsecond; ; d *= 2 {
		leaked := detgoLeakedGoroutines(self)
		if len(leaked) == 0 {
			return
		}
		if waited >= detgoLeakWait {
			t.Errorf("detgo: -leaks: %d goroutine(s) still running after %s returned (waited %v of virtual time for them to end):\n\n%s",
				len(leaked), t.name, waited, strings.Join(leaked, "\n\n"))
			return
		}
		time.Sleep(d)
		waited += d
	}
}

// detgoGoroutine is one goroutine of a runtime.Stack dump.
type detgoGoroutine struct {
	creator uint64 // 0 if unknown (main, or created by the runtime)
	text    string // header, stack and "created by" lines
}

// detgoLeakedGoroutines returns the dump of every live goroutine that the
// goroutine self created, directly or through exited goroutines.
func detgoLeakedGoroutines(self uint64) []string {
	all := detgoGoroutines()
	var leaked []string
	for id, g := range all {
		if id == self || detgoLeakIgnored(g.text) {
			continue
		}
		c := g.creator
		for c != self {
			p, alive := all[c]
			if !alive {
				break
			}
			c = p.creator
		}
		if c == self || c > self {
			leaked = append(leaked, g.text)
		}
	}
	// Map order is random; list goroutines by ID, as the runtime does.
	slices.SortFunc(leaked, func(a, b string) int { return cmp.Compare(detgoHeaderID(a), detgoHeaderID(b)) })
	return leaked
}

func detgoLeakIgnored(text string) bool {
	for _, s := range []string{"testing.tRunner", "testing.(*M).", "os/signal.signal_recv", "os/signal.loop", "[detgo: node crashed]"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// detgoGoroutines parses runtime.Stack(all) into goroutines by ID.
func detgoGoroutines() map[uint64]detgoGoroutine {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	all := make(map[uint64]detgoGoroutine)
	for _, block := range strings.Split(strings.TrimSpace(string(buf)), "\n\n") {
		id := detgoHeaderID(block)
		if id == 0 {
			continue
		}
		g := detgoGoroutine{text: block}
		if i := strings.LastIndex(block, " in goroutine "); i >= 0 {
			rest := block[i+len(" in goroutine "):]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				rest = rest[:j]
			}
			g.creator, _ = strconv.ParseUint(rest, 10, 64)
		}
		all[id] = g
	}
	return all
}

// detgoHeaderID reads N from a dump's "goroutine N [...]:" header.
func detgoHeaderID(block string) uint64 {
	rest, ok := strings.CutPrefix(block, "goroutine ")
	if !ok {
		return 0
	}
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		rest = rest[:i]
	}
	id, _ := strconv.ParseUint(rest, 10, 64)
	return id
}

func detgoGoroutineID() uint64 {
	var buf [64]byte
	return detgoHeaderID(string(buf[:runtime.Stack(buf[:], false)]))
}
