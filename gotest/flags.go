package gotest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/detgo/detgo/seeds"
)

// A goFlag describes one flag of go test that detgo passes on.
type goFlag struct {
	value bool // takes a value: -run X or -run=X; otherwise -v or -v=false
	// list: the flag also decides which packages load (build constraints,
	// module mode), so detgo gives it to go list as well.
	list bool
	// test: go test forwards it to the test binary, so -test.NAME means the same.
	test bool
	// rejected: detgo owns the flag; the text says why.
	rejected string
}

// goFlags is every flag go test accepts (go help testflag, go help build,
// and cmd/go/internal/test's own), as of Go 1.26.
var goFlags = map[string]goFlag{
	// Build flags (go help build).
	"a":             {},
	"n":             {},
	"p":             {value: true},
	"race":          {list: true},
	"msan":          {list: true},
	"asan":          {list: true},
	"cover":         {},
	"covermode":     {value: true},
	"coverpkg":      {value: true},
	"v":             {test: true},
	"work":          {},
	"x":             {},
	"asmflags":      {value: true},
	"buildmode":     {value: true},
	"buildvcs":      {},
	"compiler":      {value: true},
	"gccgoflags":    {value: true},
	"gcflags":       {value: true},
	"installsuffix": {value: true},
	"ldflags":       {value: true},
	"linkshared":    {},
	"mod":           {value: true, list: true},
	"modcacherw":    {},
	"modfile":       {value: true, list: true},
	"overlay":       {value: true, rejected: "detgo sets -overlay to the patched runtime's overlay"},
	"pgo":           {value: true},
	"pkgdir":        {value: true},
	"tags":          {value: true, list: true},
	"toolexec":      {value: true},
	"trimpath":      {},
	"C":             {value: true},
	// Undocumented debugging flags of the go command.
	"debug-actiongraph":   {value: true},
	"debug-runtime-trace": {value: true},
	"debug-trace":         {value: true},

	// Flags of go test itself.
	"c":    {rejected: "detgo runs the test binary itself; build with go test -c -overlay=\"$(detgo toolchain show -overlay)\""},
	"o":    {value: true, rejected: "detgo runs the test binary itself and keeps it at a stable path"},
	"exec": {value: true, rejected: "detgo runs the test binary through its own -exec wrapper"},
	"json": {},
	"vet":  {value: true},

	// Test flags (go help testflag), forwarded to the test binary.
	"artifacts":            {test: true},
	"bench":                {value: true, test: true},
	"benchmem":             {test: true},
	"benchtime":            {value: true, test: true},
	"blockprofile":         {value: true, test: true},
	"blockprofilerate":     {value: true, test: true},
	"count":                {value: true, test: true},
	"coverprofile":         {value: true, test: true},
	"cpu":                  {value: true, test: true},
	"cpuprofile":           {value: true, test: true},
	"failfast":             {test: true},
	"fullpath":             {test: true},
	"fuzz":                 {value: true, test: true},
	"fuzzminimizetime":     {value: true, test: true},
	"fuzztime":             {value: true, test: true},
	"list":                 {value: true, test: true},
	"memprofile":           {value: true, test: true},
	"memprofilerate":       {value: true, test: true},
	"mutexprofile":         {value: true, test: true},
	"mutexprofilefraction": {value: true, test: true},
	"outputdir":            {value: true, test: true},
	"parallel":             {value: true, test: true},
	"run":                  {value: true, test: true},
	"short":                {test: true},
	"shuffle":              {value: true, test: true},
	"skip":                 {value: true, test: true},
	"timeout":              {value: true, test: true},
	"trace":                {value: true, test: true},
}

// notInReplay are the go test flags a replay line that names the failing
// tests leaves out: it picks its own tests with -run, and -failfast only
// changes what happens after the first failure. Every other flag that
// reaches the test binary stays, even -v, -json and -count: they change the
// program's path through package testing, and with it the schedule (in
// examples/bank, seed 30 fails with -count=3 and passes without).
var notInReplay = []string{"run", "failfast"}

// Strategies are the schedulers -sched accepts, with whether they take
// parameters after a colon (name:params).
var Strategies = []struct {
	Name   string
	Params bool
	Doc    string
}{
	{"portfolio", false, "one of the strategies below, chosen by the seed (the default)"},
	{"random", false, "uniform among runnable goroutines; seeded yields at yield points"},
	{"pct", true, "pct:D[:K] probabilistic concurrency testing for bugs of depth D (1-8) over K decisions per test"},
	{"pos", false, "partial order sampling: priorities redrawn for goroutines on the same object"},
	{"delay", true, "delay:B[:K] fifo with B delays (0-16) over K decisions per test"},
	{"fifo", false, "run goroutines in the order they became runnable; only random values follow the seed"},
}

// DefaultSched is the strategy used when -sched is not given.
const DefaultSched = "portfolio"

// DefaultTimeout is the per-run -timeout when the user gives none, as in go test.
const DefaultTimeout = 10 * time.Minute

// An Arg is one go test flag as the user gave it, normalized to -name=value.
type Arg struct {
	Name     string // without dashes or the test. prefix
	Value    string
	HasValue bool // -name=value (or -name value for a flag that takes one)
}

func (a Arg) String() string {
	if a.HasValue {
		return "-" + a.Name + "=" + a.Value
	}
	return "-" + a.Name
}

// An Invocation is a detgo test command line, split into detgo's part and
// go test's part.
type Invocation struct {
	Seeds      seeds.List
	SeedGiven  bool // -seed or -seeds was given; otherwise Seeds is one random seed to announce
	Sched      string
	Check      bool
	Sim        SimOptions
	Timeline   string        // -timeline: write the run's timeline (a Perfetto trace) to this file
	Timeout    time.Duration // per run; go test's own -timeout is set to 0
	Dir        string        // -C, if given
	Flags      []Arg         // go test flags except -C, -timeout and -tags
	UserTags   []string      // from -tags, without "detgo"
	CountGiven bool
	Packages   []string // patterns; "." if none given
	HasArgs    bool     // -args (or --) was given
	BinaryArgs []string // everything after -args, untouched
	userFlags  []Arg    // every go test flag but -C, in order, for replay lines
}

// ErrHelp is returned by ParseArgs for -h, -help and --help.
var ErrHelp = errors.New("help requested")

// ParseArgs splits the arguments of detgo test. It does not choose a random
// seed; when SeedGiven is false, the caller does.
func ParseArgs(args []string) (*Invocation, error) {
	inv := &Invocation{Sched: DefaultSched, Timeout: DefaultTimeout}
	var seed, seedsSpec *string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" {
			inv.HasArgs, inv.BinaryArgs = true, args[i+1:]
			break
		}
		if a == "--" {
			// As in go test: the terminator and everything after it go to the test binary.
			inv.HasArgs, inv.BinaryArgs = true, args[i:]
			break
		}
		if len(a) < 2 || a[0] != '-' {
			inv.Packages = append(inv.Packages, a)
			continue
		}
		name := strings.TrimPrefix(a[1:], "-")
		name, value, hasValue := strings.Cut(name, "=")
		if name == "" || name[0] == '-' || name[0] == '=' {
			return nil, fmt.Errorf("bad flag syntax: %s", a)
		}
		// needValue takes the value of a flag that requires one.
		needValue := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			return args[i], nil
		}
		switch name {
		case "h", "help":
			return nil, ErrHelp
		case "seed", "seeds":
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			if name == "seed" {
				seed = &v
			} else {
				seedsSpec = &v
			}
			continue
		case "sched":
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			if err := CheckSched(v); err != nil {
				return nil, err
			}
			inv.Sched = v
			continue
		case "timeline":
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			if v == "" {
				return nil, errors.New("-timeline: want a file name")
			}
			inv.Timeline = v
			continue
		case "simtimeout", "epoch":
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			if name == "simtimeout" {
				inv.Sim.SimTimeout, err = parseSimTimeout(v)
			} else {
				inv.Sim.Epoch, err = parseEpoch(v)
			}
			if err != nil {
				return nil, err
			}
			inv.userFlags = append(inv.userFlags, Arg{Name: name, Value: v, HasValue: true})
			continue
		case "leaks", "netlog":
			on := true
			if hasValue {
				b, err := strconv.ParseBool(value)
				if err != nil {
					return nil, fmt.Errorf("invalid boolean value %q for -%s", value, name)
				}
				on = b
			}
			if name == "leaks" {
				inv.Sim.Leaks = on
			} else {
				inv.Sim.NetLog = on
			}
			inv.userFlags = append(inv.userFlags, Arg{Name: name, Value: strconv.FormatBool(on), HasValue: true})
			continue
		case "check":
			inv.Check = true
			if hasValue {
				b, err := strconv.ParseBool(value)
				if err != nil {
					return nil, fmt.Errorf("invalid boolean value %q for -check", value)
				}
				inv.Check = b
			}
			continue
		}
		short := strings.TrimPrefix(name, "test.")
		f, ok := goFlags[short]
		if !ok || (short != name && !f.test) {
			return nil, fmt.Errorf("flag provided but not defined: -%s (see 'go help testflag')", name)
		}
		if f.rejected != "" {
			return nil, fmt.Errorf("-%s is not supported: %s", short, f.rejected)
		}
		arg := Arg{Name: short, Value: value, HasValue: hasValue}
		if f.value {
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			arg.Value, arg.HasValue = v, true
		}
		switch short {
		case "C":
			inv.Dir = arg.Value
			continue
		case "timeout":
			d, err := time.ParseDuration(arg.Value)
			if err != nil {
				return nil, fmt.Errorf("invalid value %q for flag -timeout: parse error", arg.Value)
			}
			inv.Timeout = d
			inv.userFlags = append(inv.userFlags, arg)
			continue
		case "tags":
			// As in go: the last -tags wins, and tags may be separated by commas or spaces.
			inv.UserTags = strings.FieldsFunc(arg.Value, func(r rune) bool { return r == ',' || r == ' ' })
			inv.userFlags = slices.DeleteFunc(inv.userFlags, func(a Arg) bool { return a.Name == "tags" })
			inv.userFlags = append(inv.userFlags, arg)
			continue
		case "count":
			inv.CountGiven = true
		}
		inv.Flags = append(inv.Flags, arg)
		inv.userFlags = append(inv.userFlags, arg)
	}
	switch {
	case seed != nil && seedsSpec != nil:
		return nil, errors.New("-seed and -seeds cannot be used together")
	case seed != nil:
		s, err := seeds.ParseSeed(*seed)
		if err != nil {
			return nil, err
		}
		inv.Seeds, inv.SeedGiven = seeds.One(s), true
	case seedsSpec != nil:
		l, err := seeds.Parse(*seedsSpec)
		if err != nil {
			return nil, err
		}
		inv.Seeds, inv.SeedGiven = l, true
	}
	if len(inv.Packages) == 0 {
		inv.Packages = []string{"."}
	}
	if inv.Timeline != "" && (!inv.SeedGiven || inv.Seeds.Len() != 1 || inv.Check) {
		return nil, errors.New("-timeline: draws one run; give one -seed (or replay a -tape), without -seeds or -check")
	}
	return inv, nil
}

// CheckSched reports whether v names a strategy the runtime accepts, with
// valid parameters (the runtime's rules: runtime-shim/runtime/detgo_strategy.go).
func CheckSched(v string) error {
	base, opt, hasOpt := strings.Cut(v, "+")
	if hasOpt {
		n, ok := strings.CutPrefix(opt, "alloc=")
		if k, err := strconv.ParseUint(n, 10, 64); !ok || err != nil || k == 0 {
			return fmt.Errorf("-sched %q: option %q: want +alloc=N, N > 0 (every N-th allocation is a yield point)", v, opt)
		}
	}
	name, params, hasParams := strings.Cut(base, ":")
	var names []string
	for _, s := range Strategies {
		if s.Name != name {
			names = append(names, s.Name)
			continue
		}
		switch {
		case hasParams && !s.Params:
			return fmt.Errorf("-sched %q: %s takes no parameters", v, name)
		case !hasParams && s.Params:
			return fmt.Errorf("-sched %q: %s needs a parameter, e.g. %s:2", v, name, name)
		case !s.Params:
			return nil
		}
		n, k, hasK := strings.Cut(params, ":")
		lo, hi := uint64(1), uint64(8) // pct: depth D
		if name == "delay" {
			lo, hi = 0, 16 // delay: bound B
		}
		d, err := strconv.ParseUint(n, 10, 64)
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("-sched %q: %q is not a number from %d to %d", v, n, lo, hi)
		}
		if hasK {
			if kk, err := strconv.ParseUint(k, 10, 64); err != nil || kk == 0 {
				return fmt.Errorf("-sched %q: K %q is not a positive number", v, k)
			}
		}
		return nil
	}
	return fmt.Errorf("-sched %q: unknown strategy %q (valid: %s)", v, name, strings.Join(names, ", "))
}

// Tags returns the -tags value for go: "detgo" plus the user's tags.
func (inv *Invocation) Tags() string {
	tags := []string{"detgo"}
	for _, t := range inv.UserTags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return strings.Join(tags, ",")
}

// ListFlags returns the user's flags that go list needs to see the same
// packages go test will build, with the merged -tags.
func (inv *Invocation) ListFlags() []string {
	out := []string{"-tags=" + inv.Tags()}
	for _, a := range inv.Flags {
		if goFlags[a.Name].list {
			out = append(out, a.String())
		}
	}
	return out
}

// TestFlags returns the flags for go test after detgo's own: the merged
// -tags, -count=1 unless the user chose a count (so the result cache never
// answers for another seed), -timeout=0 (the wrapper applies the user's
// timeout to each run), then the user's flags.
func (inv *Invocation) TestFlags() []string {
	out := []string{"-tags=" + inv.Tags()}
	if !inv.CountGiven {
		out = append(out, "-count=1")
	}
	out = append(out, "-timeout=0")
	for _, a := range inv.Flags {
		out = append(out, a.String())
	}
	return out
}

// ReplayFlags returns the go test flags a replay line that names the
// failing tests repeats: the user's flags minus -run, -failfast and -C (a
// replay line is relative to the directory detgo ran in). The replay line
// adds -run, -seed and -sched itself.
func (inv *Invocation) ReplayFlags() []string {
	var out []string
	for _, a := range inv.userFlags {
		if !slices.Contains(notInReplay, a.Name) {
			out = append(out, a.String())
		}
	}
	return out
}

// FullReplayFlags returns the go test flags of a replay line that runs the
// test binary exactly as the failing run did: all the user's flags but -C,
// in their order.
func (inv *Invocation) FullReplayFlags() []string {
	var out []string
	for _, a := range inv.userFlags {
		out = append(out, a.String())
	}
	return out
}
