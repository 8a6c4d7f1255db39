package swarm

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/detgo/detgo/gotest"
)

// A failure is what a failing run's output says about why it failed.
type failure struct {
	Test    string   // the first failing top-level test, if known
	Message string   // the first failure line, trimmed
	Frames  []string // top functions of the panicking (or hanging) goroutine
}

// maxFrames is how many stack frames go into a signature.
const maxFrames = 3

// maxMessage bounds the length of a recorded message.
const maxMessage = 300

// parseFailure reads a failing run's output: the first "--- FAIL: Test"
// line and the first indented line after it (t.Error's text), or the panic
// or fatal error line; and, for a panic or a goroutine dump (timeout), the
// top frames of the first goroutine whose stack has a function outside the
// runtime and package testing.
func parseFailure(output []byte) failure {
	var f failure
	if tests := gotest.FailingTests(output); len(tests) > 0 {
		f.Test = tests[0]
	}
	lines := strings.Split(strings.ReplaceAll(string(output), "\r\n", "\n"), "\n")
	inFail := false
	sawFail := false
	lastIndented := "" // with -v, t.Error's line comes before "--- FAIL"
	before := ""       // lastIndented at the first "--- FAIL"
	dumpAt := -1       // where the goroutine dump starts
	panicLine := ""
	for i, line := range lines {
		line = strings.TrimPrefix(line, "\x16")
		trimmed := strings.TrimSpace(line)
		indented := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
		switch {
		case strings.HasPrefix(trimmed, "--- FAIL: "):
			if !sawFail {
				before = lastIndented
			}
			inFail, sawFail = true, true
			continue
		case strings.HasPrefix(line, "=== "):
			lastIndented = ""
		case indented && trimmed != "":
			if inFail && f.Message == "" {
				f.Message = trimmed
			}
			lastIndented = trimmed
		case strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") || strings.HasPrefix(line, "SIGQUIT: "):
			if panicLine == "" && !strings.HasPrefix(line, "SIGQUIT: ") {
				panicLine = trimmed
			}
			if dumpAt < 0 {
				dumpAt = i + 1
			}
		}
		inFail = inFail && (trimmed == "" || indented)
	}
	for _, m := range []string{panicLine, before} {
		if f.Message == "" {
			f.Message = m
		}
	}
	// Frames belong to the failure only if it is the panic (or a timeout's
	// goroutine dump), not when an earlier test failed first.
	if dumpAt >= 0 && (f.Message == panicLine || panicLine == "") {
		f.Frames = userFrames(lines[dumpAt:])
		if f.Test == "" {
			f.Test = testOf(f.Frames)
		}
	}
	if len(f.Message) > maxMessage {
		f.Message = f.Message[:maxMessage] + "..."
	}
	return f
}

// userFrames returns the top maxFrames functions of one goroutine in a Go
// traceback: the first whose stack has a test function (TestXxx, not
// TestMain), or else the first that has any function of its own, one
// outside the runtime, package testing and the test main.
func userFrames(lines []string) []string {
	var first, frames []string
	hasTest := false
	end := func() bool { // at the end of a goroutine: is it the one?
		if hasTest {
			return true
		}
		if first == nil && len(frames) > 0 {
			first = frames
		}
		frames, hasTest = nil, false
		return false
	}
	inGoroutine := false
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "goroutine "):
			if end() {
				return frames
			}
			inGoroutine = true
			continue
		case line == "":
			if end() {
				return frames
			}
			inGoroutine = false
			continue
		case !inGoroutine || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "created by "):
			continue
		}
		fn := funcName(line)
		if fn == "" || ignoredFrame(fn) {
			continue
		}
		if len(frames) < maxFrames {
			frames = append(frames, fn)
		}
		hasTest = hasTest || testOf([]string{fn}) != ""
	}
	if end() {
		return frames
	}
	return first
}

// funcName returns the function of a traceback line such as
// "example.com/p.(*T).m(0xc000012345, ...)": "example.com/p.(*T).m".
func funcName(line string) string {
	line = strings.TrimSpace(line)
	if !strings.HasSuffix(line, ")") {
		return ""
	}
	i := strings.LastIndex(line, "(")
	if i <= 0 {
		return ""
	}
	return line[:i]
}

func ignoredFrame(fn string) bool {
	return fn == "panic" || fn == "main.main" ||
		strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "testing.") ||
		strings.HasPrefix(fn, "internal/") || strings.HasPrefix(fn, "sync.") || strings.HasPrefix(fn, "time.")
}

// testOf returns the test function among frames, e.g. TestX for
// "example.com/p.TestX.func1".
func testOf(frames []string) string {
	for _, fn := range frames {
		rest := fn[strings.LastIndex(fn, "/")+1:]
		parts := strings.Split(rest, ".")
		if len(parts) >= 2 && strings.HasPrefix(parts[1], "Test") && parts[1] != "TestMain" {
			return parts[1]
		}
	}
	return ""
}

var numberRE = regexp.MustCompile(`0[xX][0-9a-fA-F]+|[0-9]+`)

// normalize replaces every number in a message by #, so that one bug that
// prints different values for different seeds gives one signature.
func normalize(msg string) string {
	return numberRE.ReplaceAllStringFunc(msg, func(s string) string {
		if len(s) > 1 && (s[1] == 'x' || s[1] == 'X') {
			return "0x#"
		}
		return "#"
	})
}

// signature returns the failure signature of a failing run: a short hash of
// the package, the outcome, the test, the normalized message and the top
// frames.
func signature(pkg, outcome string, f failure) string {
	h := sha256.New()
	for _, s := range []string{pkg, outcome, f.Test, normalize(f.Message), strings.Join(f.Frames, "\n")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// FailureSignature returns the signature of a failing run's output as a
// swarm groups it (its test, first failure line with the numbers masked,
// the top frames of a panic or hang), and the test and message it names.
// detgo bisect uses it to keep shrinking the same failure.
func FailureSignature(output []byte) (sig, test, message string) {
	f := parseFailure(output)
	return signature("", "fail", f), f.Test, f.Message
}
