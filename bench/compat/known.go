package main

import "strings"

// known holds the diagnosed cause of every test that passes natively and
// not under detgo, keyed "package TestName" ("package *" for every test of
// a package, "package -check" for a run that differs as a whole). The
// table prints UNDIAGNOSED for anything not here; docs/compat.md explains
// each cause at length.
var known = map[string]string{}

func knownCause(pkg, test string) string {
	if c, ok := known[pkg+" "+test]; ok {
		return c
	}
	for k, c := range known {
		p, t, _ := strings.Cut(k, " ")
		if p == pkg && t == "*" {
			return c
		}
	}
	return ""
}
