package swarm

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/detgo/detgo/gotest"
	"github.com/detgo/detgo/seeds"
)

// DefaultTimeout is a swarm's real-time limit per run when -timeout is not
// given: seeds of one test should take about the same time, and a hung seed
// must not hold a worker for go test's 10 minutes.
const DefaultTimeout = time.Minute

// DefaultSeeds are the seeds of a swarm given neither seeds nor -duration.
const DefaultSeeds = "1-1000"

// Config is a parsed detgo swarm command line.
type Config struct {
	Inv         *gotest.Invocation // the go test part, as detgo test parses it
	Seeds       seeds.List         // the seeds to run, unless Unbounded
	Unbounded   bool               // seeds 1, 2, 3, ... until -duration or another stop rule
	Workers     int
	Duration    time.Duration // 0: no wall-clock budget
	MaxFailures int           // stop after this many failing runs in this session; 0: no limit
	Shard       Shard
	Results     string // the JSONL file; relative to the user's directory
	Fresh       bool   // discard an existing results file
	JUnit       string // "" for none
	Progress    string // auto, bar, plain or none
}

// A Shard is the part k of n of the seed space: seed s belongs to shard
// ((s-1) mod n)+1, so seeds 1..n go to shards 1..n, and any seed list splits
// evenly whatever its ranges. N == 0 means no sharding.
type Shard struct{ K, N uint64 }

// Has reports whether seed s is in the shard.
func (s Shard) Has(seed uint64) bool {
	if s.N <= 1 {
		return true
	}
	k := seed % s.N // (seed-1) mod n + 1, without wrapping at seed 0
	if k == 0 {
		k = s.N
	}
	return k == s.K
}

func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// ParseShard parses -shard's "k/n".
func ParseShard(v string) (Shard, error) {
	ks, ns, ok := strings.Cut(v, "/")
	k, err1 := strconv.ParseUint(strings.TrimSpace(ks), 10, 64)
	n, err2 := strconv.ParseUint(strings.TrimSpace(ns), 10, 64)
	if !ok || err1 != nil || err2 != nil || n == 0 || k == 0 || k > n {
		return Shard{}, fmt.Errorf("-shard %q: want k/n with 1 <= k <= n, e.g. -shard 3/8", v)
	}
	return Shard{k, n}, nil
}

// swarmFlag is one of detgo swarm's own flags.
type swarmFlag struct {
	boolean bool
	set     func(c *Config, v string) error
}

var swarmFlags = map[string]swarmFlag{
	"workers": {set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 999 {
			return fmt.Errorf("-workers %q: want a number from 1 to 999", v)
		}
		c.Workers = n
		return nil
	}},
	"duration": {set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("-duration %q: want a positive duration such as 90s, 10m or 2h", v)
		}
		c.Duration = d
		return nil
	}},
	"max-failures": {set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("-max-failures %q: want a number (0: no limit)", v)
		}
		c.MaxFailures = n
		return nil
	}},
	"failfast": {boolean: true, set: func(c *Config, v string) error {
		if b, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("invalid boolean value %q for -failfast", v)
		} else if b {
			c.MaxFailures = 1
		}
		return nil
	}},
	"shard": {set: func(c *Config, v string) (err error) {
		c.Shard, err = ParseShard(v)
		return err
	}},
	"results": {set: func(c *Config, v string) error {
		if v == "" {
			return errors.New("-results: empty file name")
		}
		c.Results = v
		return nil
	}},
	"fresh": {boolean: true, set: func(c *Config, v string) (err error) {
		c.Fresh, err = strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("invalid boolean value %q for -fresh", v)
		}
		return nil
	}},
	"junit": {set: func(c *Config, v string) error {
		c.JUnit = v
		return nil
	}},
	"progress": {set: func(c *Config, v string) error {
		if !slices.Contains([]string{"auto", "bar", "plain", "none"}, v) {
			return fmt.Errorf("-progress %q: want auto, bar, plain or none", v)
		}
		c.Progress = v
		return nil
	}},
	"n": {set: func(c *Config, v string) error { return nil }}, // handled in ParseArgs
}

// notInSwarm are go test flags that make no sense for a swarm: each run would
// write the same profile or output file, or the binary would not run tests.
var notInSwarm = map[string]string{
	"json":         "detgo swarm writes its own JSONL results (-results)",
	"bench":        "a swarm runs tests, not benchmarks",
	"fuzz":         "a swarm runs tests, not fuzz targets",
	"list":         "a swarm runs tests",
	"cpuprofile":   "every run would write the same profile",
	"memprofile":   "every run would write the same profile",
	"blockprofile": "every run would write the same profile",
	"mutexprofile": "every run would write the same profile",
	"trace":        "every run would write the same trace",
	"coverprofile": "every run would write the same profile",
	"cover":        "coverage is not collected per seed",
	"coverpkg":     "coverage is not collected per seed",
	"covermode":    "coverage is not collected per seed",
	"outputdir":    "every run would write to the same directory",
	"artifacts":    "every run would write to the same directory",
}

// ParseArgs parses the arguments of detgo swarm: its own flags, then what
// remains as detgo test's (go test flags, -seed/-seeds, -sched, -check,
// packages, -args).
func ParseArgs(args []string) (*Config, error) {
	c := &Config{Workers: runtime.GOMAXPROCS(0), Progress: "auto"}
	var rest []string
	var count *string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" || a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		f, ok := swarmFlags[name]
		if !ok {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			switch {
			case f.boolean:
				value = "true"
			case i+1 < len(args):
				i++
				value = args[i]
			default:
				return nil, fmt.Errorf("flag needs an argument: -%s", name)
			}
		}
		if name == "n" {
			count = &value
			continue
		}
		if err := f.set(c, value); err != nil {
			return nil, err
		}
	}
	inv, err := gotest.ParseArgs(rest)
	if err != nil {
		return nil, err
	}
	c.Inv = inv
	for _, f := range inv.Flags {
		if why, ok := notInSwarm[f.Name]; ok {
			return nil, fmt.Errorf("-%s is not supported by detgo swarm: %s", f.Name, why)
		}
	}
	switch {
	case count != nil && inv.SeedGiven:
		return nil, errors.New("-n cannot be used with -seed or -seeds")
	case count != nil:
		n, err := strconv.ParseUint(*count, 10, 64)
		if err != nil || n == 0 || n > seeds.MaxCount {
			return nil, fmt.Errorf("-n %q: want a number of seeds from 1 to %d", *count, seeds.MaxCount)
		}
		c.Seeds, _ = seeds.Parse("1-" + strconv.FormatUint(n, 10))
	case inv.SeedGiven:
		c.Seeds = inv.Seeds
	case c.Duration > 0:
		c.Unbounded = true
	default:
		c.Seeds, _ = seeds.Parse(DefaultSeeds)
	}
	if !inv.TimeoutGiven() {
		inv.Timeout = DefaultTimeout
	}
	if c.Results == "" {
		c.Results = "detgo-swarm.jsonl"
		if c.Shard.N > 0 {
			c.Results = fmt.Sprintf("detgo-swarm-%dof%d.jsonl", c.Shard.K, c.Shard.N)
		}
	}
	return c, nil
}

// SeedSpec describes the seeds for a session record: a -seeds spec, or
// "1-" for an unbounded swarm.
func (c *Config) SeedSpec() string {
	if c.Unbounded {
		return "1-"
	}
	return c.Seeds.String()
}

// allSeeds yields the seeds of the swarm in running order, this shard's only.
func (c *Config) allSeeds(yield func(uint64) bool) {
	if c.Unbounded {
		for s := uint64(1); s < math.MaxUint64; s++ {
			if c.Shard.Has(s) && !yield(s) {
				return
			}
		}
		return
	}
	for s := range c.Seeds.All() {
		if c.Shard.Has(s) && !yield(s) {
			return
		}
	}
}
