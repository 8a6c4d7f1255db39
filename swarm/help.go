package swarm

// Help is the text of 'detgo help swarm'.
func Help() string { return helpText }

const helpText = `usage: detgo swarm [swarm flags] [build/test flags] [packages] [-args test binary flags]
       detgo swarm merge [-o merged.jsonl] [-junit report.xml] results.jsonl...

'detgo swarm' runs many seeds of the named packages' tests (default: the
package in the current directory) in parallel. Each package's test binary is
compiled once, as 'detgo test' compiles it, and run directly once per seed by
worker processes, with the arguments and environment 'detgo test' would give
it, so that every seed a swarm finds replays with 'detgo test'. Build and
test flags, -run and the other filters, -sched, -check, -seed and -seeds work
as in 'detgo test' (see 'detgo help test').

Which seeds, and when to stop:

	-seeds SPEC, -seed N
	    The seeds to run, e.g. 1-1000000 or 1,2,5-10.
	-n N
	    Seeds 1 to N.
	-duration D
	    A wall-clock budget, e.g. 90s, 10m, 8h. With no seeds given, the
	    swarm runs seeds 1, 2, 3, ... until the budget is spent.
	    Without -seeds, -n or -duration, the seeds are ` + DefaultSeeds + `.
	-failfast
	    Stop at the first failing seed (the same as -max-failures 1).
	-max-failures N
	    Stop once N runs of this session have failed.

Runs stopped by a stop rule, by -duration or by an interrupt are not
recorded; they run again when the swarm is resumed.

How to run:

	-workers N
	    Worker processes (default: one per core, as GOMAXPROCS counts
	    them, so a container's CPU limit is respected).
	-timeout D
	    The real-time limit of each run (default 1m). At the limit the test
	    binary gets SIGQUIT, prints its goroutines, and the run is recorded
	    with outcome "timeout" and the top frames of the hanging goroutine.
	-shard k/n
	    Run only shard k of n: seed s belongs to shard ((s-1) mod n)+1, so
	    the n shards of any seed list are disjoint and together the whole.
	    Give the same command, seeds and flags to every shard.
	-progress auto|bar|plain|none
	    A live progress bar on a terminal (auto), or a plain line every
	    few seconds.

Results:

	-results FILE
	    The JSON Lines results file (default detgo-swarm.jsonl, or
	    detgo-swarm-KofN.jsonl with -shard). If it exists and holds results
	    of the same swarm (same packages, test binaries, flags, -sched and
	    -timeout), the swarm resumes: seeds already recorded are skipped.
	    Another swarm's file is refused.
	-fresh
	    Empty the results file first.
	-junit FILE
	    Also write JUnit XML: per package a summary test case and one failing
	    test case per failure group.

The results file has one JSON object per line: a header (the swarm's
configuration and the test binaries' hashes), a session record for each
start or resume, and one record per run of one package with one seed:

	{"type":"seed","package":"example.com/bank","seed":5,"sched":"random",
	 "strategy":"random","outcome":"fail","exit":1,"test":"TestDeposits",
	 "virtual_ns":0,"real_ns":2113000,"steps":44,"hash":"0x…",
	 "signature":"3f2a9c1d04b1e2aa","message":"bank_test.go:20: …",
	 "replay":"detgo test -seed=5 ./bank","worker":2}

outcome is pass, fail, timeout, nondet (-check: two runs differed) or error
(no valid report from the detgo runtime). Each record is written with one
write as soon as its run ends, so a swarm killed even with SIGKILL loses
only the runs in flight, and resuming it runs them again; the file is
fsynced every second and at the end.

Failures are grouped by signature: package, outcome, the first failing
test, its first failure line with every number replaced by #, and the top
three frames of the panicking or hanging goroutine. At the end each group is
printed with its count, its smallest seed and a replay line: one that names
the test with -run if the smallest seed fails that way too (detgo runs it to
see), otherwise one that runs the test binary exactly as the swarm did.

'detgo swarm merge' combines the results files of the shards of one swarm
(refusing files of different swarms), warns about missing shards and about
a seed recorded with different results, writes the merged file with -o, and
prints the failure groups of the whole.

Each worker has its own TMPDIR, <cache>/swarm/<id>/wNNN/tmp, emptied before
every run: the same length for every worker but not the same path, nor the
one detgo test uses. Temporary names inside it follow the seed; a test whose
behaviour depends on the directory's path string may not replay exactly.

Exit status: 0 when every run recorded in the results file passed, 1 when
any failed, 2 for usage, build and results-file errors, or an interrupted
swarm without failures.
`
