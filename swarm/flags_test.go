package swarm

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	c, err := ParseArgs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Seeds.String() != DefaultSeeds || c.Unbounded || c.Workers != runtime.GOMAXPROCS(0) || c.Inv.Timeout != DefaultTimeout ||
		c.Results != "detgo-swarm.jsonl" || c.MaxFailures != 0 || c.Progress != "auto" || c.Inv.Packages[0] != "." {
		t.Errorf("defaults: %+v", c)
	}
	c, err = ParseArgs(strings.Fields("-workers 3 -run TestX -duration=10m -failfast -shard 2/5 -v -timeout=5s -junit j.xml ./a -args -x"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers != 3 || !c.Unbounded || c.SeedSpec() != "1-" || c.Duration != 10*time.Minute || c.MaxFailures != 1 ||
		c.Shard != (Shard{2, 5}) || c.Inv.Timeout != 5*time.Second || c.JUnit != "j.xml" || c.Results != "detgo-swarm-2of5.jsonl" ||
		strings.Join(c.Inv.Packages, " ") != "./a" || strings.Join(c.Inv.BinaryArgs, " ") != "-x" {
		t.Errorf("parsed: %+v, inv %+v", c, c.Inv)
	}
	if got := strings.Join(c.Inv.RunArgs(), " "); got != "-test.timeout=24h0m0s -test.paniconexit0 -test.count=1 -test.run=TestX -test.v=true -x" {
		t.Errorf("run args: %s", got)
	}
	c, err = ParseArgs(strings.Fields("-n 50 -duration 1h -max-failures=4 -results=r.jsonl -fresh"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Seeds.String() != "1-50" || c.Unbounded || c.MaxFailures != 4 || !c.Fresh || c.Results != "r.jsonl" {
		t.Errorf("parsed: %+v", c)
	}
	// -workers after -args belongs to the test binary.
	c, _ = ParseArgs(strings.Fields("-args -workers 9"))
	if c.Workers != runtime.GOMAXPROCS(0) || strings.Join(c.Inv.BinaryArgs, " ") != "-workers 9" {
		t.Errorf("-args -workers 9: %+v", c)
	}
}

func TestParseArgsErrors(t *testing.T) {
	for args, want := range map[string]string{
		"-shard 3/2":       `-shard "3/2": want k/n with 1 <= k <= n`,
		"-shard x":         `-shard "x": want k/n`,
		"-shard 0/4":       `-shard "0/4"`,
		"-duration 10":     `-duration "10": want a positive duration`,
		"-duration=-1m":    `-duration "-1m"`,
		"-workers 0":       `-workers "0": want a number from 1 to 999`,
		"-n 0":             `-n "0": want a number of seeds`,
		"-n 5 -seeds=1-3":  `-n cannot be used with -seed or -seeds`,
		"-max-failures x":  `-max-failures "x"`,
		"-progress fancy":  `-progress "fancy"`,
		"-frobnicate":      `flag provided but not defined: -frobnicate`,
		"-json":            `-json is not supported by detgo swarm`,
		"-cpuprofile=x":    `-cpuprofile is not supported by detgo swarm`,
		"-sched=bogus":     `-sched "bogus"`,
		"-workers":         `flag needs an argument: -workers`,
		"-failfast=maybe":  `invalid boolean value "maybe" for -failfast`,
		"-seeds=5-1":       `-seeds "5-1": range end 1 is below its start 5`,
		"-results=":        `-results: empty file name`,
		"-timeout=forever": `invalid value "forever" for flag -timeout`,
	} {
		_, err := ParseArgs(strings.Fields(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", args, err, want)
		}
	}
}
