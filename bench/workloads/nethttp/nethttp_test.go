// Package nethttp is a benchmark workload, not a test of detgo: an
// httptest server and concurrent clients, the shape of an HTTP handler's
// unit test. Under detgo it runs on the simulated network; under go test on
// real loopback. bench/net.sh runs it both ways.
//
// Flags (after -args): -clients and -requests set the load; -order names a
// file that receives the order in which the server saw the requests, one
// line, so that runs can be compared.
package nethttp

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

var (
	clients  = flag.Int("clients", 10, "concurrent clients")
	requests = flag.Int("requests", 5, "requests per client")
	order    = flag.String("order", "", "write the server-side request order to this file")
)

func TestServe(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	for c := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range *requests {
				path := fmt.Sprintf("/%d.%d", c, r)
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Error(err)
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != "hello "+path || err != nil {
					t.Errorf("GET %s = %q, %v", path, b, err)
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != *clients**requests {
		t.Fatalf("server saw %d requests, want %d", len(seen), *clients**requests)
	}
	if *order != "" {
		if err := os.WriteFile(*order, []byte(strings.Join(seen, " ")+"\n"), 0o666); err != nil {
			t.Fatal(err)
		}
	}
}
