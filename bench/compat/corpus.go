package main

import "time"

// An Entry is one package pattern of the corpus and how to run it.
type Entry struct {
	Pattern string   // an import path or pattern (third-party patterns are expanded to packages with tests)
	Module  string   // module@version that provides it; "" for std
	Flags   []string // go test flags given both ways (-short, -run)
	Note    string   // why the flags, as the table says
	// RunTimeout bounds the real time of one detgo run (detgo's -timeout)
	// and, times three, of one native run. Zero: DefaultRunTimeout.
	RunTimeout time.Duration
}

// DefaultRunTimeout is the real-time limit of one run of one test binary.
const DefaultRunTimeout = time.Minute

const shortNet = "-short: without it net tests look up and dial internet hosts (testenv.MustHaveExternalNetwork skips in -short mode)"

// Full is the full corpus: the std packages the issue names and their kin,
// and three real modules at pinned versions, fetched through the module proxy.
var Full = []Entry{
	{Pattern: "sync"},
	{Pattern: "sync/atomic", RunTimeout: 2 * time.Minute}, // 30s natively
	{Pattern: "context"},
	{Pattern: "time"},
	{Pattern: "sort"},
	{Pattern: "encoding/json"},
	{Pattern: "container/heap"},
	{Pattern: "container/list"},
	{Pattern: "container/ring"},
	{Pattern: "bufio"},
	{Pattern: "io"},
	{Pattern: "io/fs"},
	{Pattern: "strings"},
	{Pattern: "bytes"},
	{Pattern: "math/rand/v2"},
	{Pattern: "os/exec", Flags: []string{"-short"}, Note: "-short: skips the slowest subprocess tests"},
	{Pattern: "net", Flags: []string{"-short"}, Note: shortNet, RunTimeout: 3 * time.Minute},
	{Pattern: "net/http", Flags: []string{"-short"}, Note: shortNet, RunTimeout: 3 * time.Minute},
	{Pattern: "net/http/httptest", Flags: []string{"-short"}, Note: shortNet},
	{Pattern: "net/http/httputil", Flags: []string{"-short"}, Note: shortNet},
	{Pattern: "net/textproto", Flags: []string{"-short"}, Note: shortNet},
	{Pattern: "net/url"},
	{Pattern: "net/netip"},

	{Pattern: "golang.org/x/sync/...", Module: "golang.org/x/sync@v0.25.0"},
	{Pattern: "go.etcd.io/raft/v3/...", Module: "go.etcd.io/raft/v3@v3.7.0"},
	{Pattern: "github.com/hashicorp/raft", Module: "github.com/hashicorp/raft@v1.8.0",
		Flags:      []string{"-short"},
		Note:       "-short: skips the long cluster soak tests; the suite still starts real multi-node clusters (in-memory transport) and loopback TCP transports",
		RunTimeout: 4 * time.Minute},
}

// Smoke is the subset go test ./... runs (bench/compat's TestSmoke): quick
// std suites that must keep passing under detgo.
var Smoke = []Entry{
	{Pattern: "sort", RunTimeout: time.Minute},
	{Pattern: "container/list", RunTimeout: time.Minute},
	{Pattern: "container/ring", RunTimeout: time.Minute},
	{Pattern: "bufio", RunTimeout: time.Minute},
}

// Rest is the full corpus's packages in which one test hangs under detgo at
// every seed, run again (both ways) without that test, to measure the rest
// of the suite. docs/compat.md gives each skipped test's cause.
var Rest = []Entry{
	{Pattern: "time", Flags: []string{"-skip", "^TestAfterFuncStarvation$"}, Note: "virtual time stands still while goroutines are runnable"},
	{Pattern: "os/exec", Flags: []string{"-short", "-skip", "^TestConcurrentExec$"}, Note: "a blocking wait for a child process stops the simulation (TestClosePipeOnCopyError still hangs: same cause)"},
	{Pattern: "net", Flags: []string{"-short", "-skip", "^TestSplice$"}, Note: shortNet + "; TestSplice: a blocking wait for a child process stops the simulation", RunTimeout: 3 * time.Minute},
	{Pattern: "net/http", Flags: []string{"-short", "-skip", "^TestCmdGoNoHTTPServer$"}, Note: shortNet + "; TestCmdGoNoHTTPServer: a blocking wait for a child process stops the simulation", RunTimeout: 3 * time.Minute},
}

// Corpora are the corpora -corpus names.
var Corpora = map[string][]Entry{"full": Full, "smoke": Smoke, "rest": Rest}
