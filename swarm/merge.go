package swarm

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/detgo/detgo/gotest"
)

// Merge is detgo swarm merge: it combines results files of one swarm (the
// shards of a CI matrix, or runs on several machines) into one, prints the
// failure groups of the whole and returns 1 if any run failed.
func Merge(ctx context.Context, args []string, opts Options) (int, error) {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Dir == "" {
		var err error
		if opts.Dir, err = os.Getwd(); err != nil {
			return 2, err
		}
	}
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "")
	junit := fs.String("junit", "", "")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0, ErrHelp
			}
			return 2, &gotest.UsageError{Err: fmt.Errorf("swarm merge: %v", err)}
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) == 0 {
		return 2, &gotest.UsageError{Err: errors.New("swarm merge: no results files given (usage: detgo swarm merge [-o merged.jsonl] [-junit report.xml] results.jsonl...)")}
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(opts.Dir, p)
	}

	type key struct {
		pkg  string
		seed uint64
	}
	var header *Header
	var sessions []Session
	var records []Record
	from := map[key]int{} // index in records
	where := map[key]string{}
	conflicts := 0
	for _, name := range files {
		f, err := os.Open(abs(name))
		if err != nil {
			return 2, err
		}
		c, err := ReadResults(f, name)
		f.Close()
		if err != nil {
			return 2, err
		}
		if c.Header == nil {
			return 2, fmt.Errorf("%s is empty", name)
		}
		if header == nil {
			header = c.Header
		} else if what, a, b := header.diff(c.Header); what != "" {
			return 2, fmt.Errorf("%s and %s are results of different swarms (%s: %s and %s)", files[0], name, what, a, b)
		} else {
			for i, p := range c.Header.Packages {
				if p.Binary != header.Packages[i].Binary {
					fmt.Fprintf(opts.Stderr, "detgo: swarm merge: warning: %s and %s ran different test binaries of %s (another commit, Go version or build directory); their seeds replay only on their own binary\n", files[0], name, p.ImportPath)
				}
			}
		}
		sessions = append(sessions, c.Sessions...)
		for _, rec := range c.Records {
			k := key{rec.Package, rec.Seed}
			if i, ok := from[k]; ok {
				old := records[i]
				if old.Outcome != rec.Outcome || old.Hash != rec.Hash {
					conflicts++
					if conflicts <= 5 {
						fmt.Fprintf(opts.Stderr, "detgo: swarm merge: warning: seed %d of %s ran twice with different results: %s (hash %s) in %s, %s (hash %s) in %s\n",
							rec.Seed, rec.Package, old.Outcome, old.Hash, where[k], rec.Outcome, rec.Hash, name)
					}
				}
				continue
			}
			from[k] = len(records)
			where[k] = name
			records = append(records, rec)
		}
	}
	if conflicts > 5 {
		fmt.Fprintf(opts.Stderr, "detgo: swarm merge: warning: %d seeds ran twice with different results\n", conflicts)
	}
	slices.SortFunc(records, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Package, b.Package), cmp.Compare(a.Seed, b.Seed))
	})
	if msg := missingShards(sessions); msg != "" {
		fmt.Fprintf(opts.Stderr, "detgo: swarm merge: warning: %s\n", msg)
	}

	if *out != "" {
		if err := writeMerged(abs(*out), header, sessions, records); err != nil {
			return 2, err
		}
	}
	summary := newSummary()
	for i := range records {
		summary.add(&records[i])
	}
	summary.print(opts.Stdout)
	fmt.Fprintf(opts.Stdout, "detgo: swarm merge: %d files, %d runs%s\n", len(files), len(records), shardNote(sessions))
	if *junit != "" {
		if err := writeJUnit(abs(*junit), summary, header); err != nil {
			return 2, err
		}
	}
	if summary.Failed > 0 {
		return 1, nil
	}
	return 0, nil
}

// missingShards names the shards of k/n that no session ran, if every
// session ran a shard of the same n.
func missingShards(sessions []Session) string {
	var n uint64
	have := map[uint64]bool{}
	for _, s := range sessions {
		if s.Shard == "" {
			return ""
		}
		sh, err := ParseShard(s.Shard)
		if err != nil || (n != 0 && sh.N != n) {
			return ""
		}
		n = sh.N
		have[sh.K] = true
	}
	var missing []string
	for k := uint64(1); k <= n && len(missing) < 10; k++ {
		if !have[k] {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "no results for shard " + strings.Join(missing, ", ")
}

func shardNote(sessions []Session) string {
	seen := map[string]bool{}
	for _, s := range sessions {
		if s.Shard != "" {
			seen[s.Shard] = true
		}
	}
	if len(seen) == 0 {
		return ""
	}
	return fmt.Sprintf(" from %d shards", len(seen))
}

// writeMerged writes a results file atomically.
func writeMerged(path string, h *Header, sessions []Session, records []Record) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	enc := json.NewEncoder(w)
	enc.Encode(h)
	for i := range sessions {
		enc.Encode(&sessions[i])
	}
	for i := range records {
		if err := enc.Encode(&records[i]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
