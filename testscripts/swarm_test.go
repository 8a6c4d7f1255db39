package testscripts

import (
	"regexp"

	"github.com/rogpeppe/go-internal/testscript"
)

// swarmSessionLine matches the lines of detgo swarm's output that describe
// one session or one merge rather than the results: runs this session, wall
// time, rate, files merged.
var swarmSessionLine = regexp.MustCompile(`(?m)^detgo: swarm( merge|: this session|: resuming)[: ].*\n`)

// cmpswarm a b compares two files of detgo swarm output, ignoring the lines
// about the session (wall time, rate, files merged): the same failure
// groups, replay lines and counts.
func cmdCmpswarm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmpswarm file1 file2")
	}
	a := swarmSessionLine.ReplaceAllString(ts.ReadFile(args[0]), "")
	b := swarmSessionLine.ReplaceAllString(ts.ReadFile(args[1]), "")
	if (a == b) == neg {
		ts.Logf("%s:\n%s\n%s:\n%s", args[0], a, args[1], b)
		if neg {
			ts.Fatalf("%s and %s are the same swarm output", args[0], args[1])
		}
		ts.Fatalf("%s and %s differ", args[0], args[1])
	}
}
