package swarm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleResults = `{"type":"header","version":1,"config":"abc","sched":"random","timeout":"1m0s","build_flags":null,"args":null,"packages":[{"import_path":"p","arg":".","binary":"00"}]}
{"type":"session","start":"2026-01-01T00:00:00Z","seeds":"1-3","workers":2}
{"type":"seed","package":"p","seed":1,"sched":"random","strategy":"random","outcome":"pass","exit":0,"virtual_ns":0,"real_ns":5}
{"type":"future","x":1}
{"type":"seed","package":"p","seed":2,"sched":"random","strategy":"random","outcome":"fail","exit":1,"virtual_ns":0,"real_ns":5}
`

func TestReadResults(t *testing.T) {
	c, err := ReadResults(strings.NewReader(sampleResults), "r")
	if err != nil {
		t.Fatal(err)
	}
	if c.Header.Config != "abc" || len(c.Sessions) != 1 || len(c.Records) != 2 || c.Records[1].Outcome != Fail || c.size != int64(len(sampleResults)) {
		t.Errorf("read %+v", c)
	}
	// A line cut short by a crash is dropped.
	torn := sampleResults + `{"type":"seed","package":"p","se`
	c, err = ReadResults(strings.NewReader(torn), "r")
	if err != nil || len(c.Records) != 2 || c.size != int64(len(sampleResults)) {
		t.Errorf("torn last line: %v, %+v", err, c)
	}
	for text, want := range map[string]string{
		sampleResults + "{oops\n":                                       "r:6: ",
		`{"type":"seed","seed":1}` + "\n":                               "r:1: seed record before the header",
		`{"type":"session"}` + "\n":                                     "r:1: the first record is not a header",
		strings.Replace(sampleResults, `"version":1`, `"version":9`, 1): "r:1: results format version 9",
	} {
		if _, err := ReadResults(strings.NewReader(text), "r"); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

// openResults cuts a torn last line so that the next record starts a line,
// and refuses a file another swarm holds.
func TestOpenResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	os.WriteFile(path, []byte(sampleResults+`{"type":"seed","pack`), 0o644)
	rf, c, err := openResults(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Records) != 2 {
		t.Errorf("%d records", len(c.Records))
	}
	if _, _, err := openResults(path, false); err == nil || !strings.Contains(err.Error(), "in use by another detgo swarm") {
		t.Errorf("second open: %v", err)
	}
	rf.append(&Record{Type: "seed", Package: "p", Seed: 3, Outcome: Pass})
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(data), "}\n"+`{"type":"seed","package":"p","seed":3,"sched":"","strategy":"","outcome":"pass","exit":0,"virtual_ns":0,"real_ns":0}`+"\n") {
		t.Errorf("after append:\n%s", data)
	}
	rf, _, err = openResults(path, true)
	if err != nil {
		t.Fatal(err)
	}
	rf.Close()
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Errorf("-fresh left %d bytes", fi.Size())
	}
}
