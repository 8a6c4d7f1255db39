// Package kv is a detgo example: a replicated key-value store that loses
// acknowledged writes when a network partition forces a failover.
//
// Three servers; one is the primary. A client sends every write to the
// primary, which stores it, acknowledges it at once and replicates it to the
// other servers in the background, in a batch every 50ms (that is what
// makes it fast). When the primary stops answering, the client promotes the
// next server, which from then on refuses replication from anybody: it is
// the primary now.
//
// BUG: a write is acknowledged before any other server has it. If the
// primary is cut off after the acknowledgement and before the next batch
// got through, the client fails over to a server that never saw the write:
// an acknowledged write is gone. With a healthy network nothing is ever
// lost, so tests on one machine (go test -count=1000) stay green; it takes
// a partition at the wrong 50ms, which examples/kv's test draws from the
// seed with sim.RandomFaults. (The fix is to acknowledge only after a
// majority has the write.)
package kv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// DialFunc opens a connection, e.g. (*net.Dialer).DialContext or a
// simulated node's DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Timeout bounds every request, replication included.
const Timeout = 100 * time.Millisecond

// ReplicateEvery is how often the primary sends what it acknowledged.
const ReplicateEvery = 50 * time.Millisecond

// A Server is one replica.
type Server struct {
	Name  string
	ln    net.Listener
	dial  DialFunc
	peers []string // the other servers' addresses

	mu      sync.Mutex
	data    map[string]string
	primary bool
	pending []string // acknowledged and not yet replicated: key, value, key, value, ...
	closed  bool
	done    chan struct{}
}

// NewServer serves on ln. The primary is the one started with primary set.
func NewServer(name string, ln net.Listener, dial DialFunc, primary bool) *Server {
	s := &Server{Name: name, ln: ln, dial: dial, data: map[string]string{}, primary: primary, done: make(chan struct{})}
	go s.serve()
	go s.replicate()
	return s
}

// SetPeers tells the server the other servers' addresses.
func (s *Server) SetPeers(peers []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peers = peers
}

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	s.mu.Unlock()
	s.ln.Close()
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(c)
	}
}

// handle answers one request: a line of words, answered by one line.
func (s *Server) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(Timeout))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return
	}
	s.mu.Lock()
	var reply string
	switch {
	case f[0] == "PUT" && len(f) == 3:
		if !s.primary {
			reply = "ERR not primary"
			break
		}
		s.data[f[1]] = f[2]
		s.pending = append(s.pending, f[1], f[2])
		reply = "OK" // BUG: acknowledged before anybody else has it
	case f[0] == "GET" && len(f) == 2:
		if v, ok := s.data[f[1]]; ok {
			reply = "VAL " + v
		} else {
			reply = "NONE"
		}
	case f[0] == "REPL" && len(f)%2 == 1:
		if s.primary {
			reply = "ERR primary" // a primary takes writes from clients only
			break
		}
		for i := 1; i < len(f); i += 2 {
			s.data[f[i]] = f[i+1]
		}
		reply = "OK"
	case f[0] == "PROMOTE" && len(f) == 1:
		s.primary = true
		reply = "OK"
	default:
		reply = "ERR bad request"
	}
	s.mu.Unlock()
	fmt.Fprintf(c, "%s\n", reply)
}

// replicate sends the acknowledged writes to the other servers every
// ReplicateEvery, best effort: a server that does not answer misses them.
func (s *Server) replicate() {
	t := time.NewTicker(ReplicateEvery)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		batch, peers := s.pending, s.peers
		s.pending = nil
		primary := s.primary
		s.mu.Unlock()
		if !primary || len(batch) == 0 {
			continue
		}
		req := "REPL " + strings.Join(batch, " ")
		var wg sync.WaitGroup
		for _, p := range peers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				call(s.dial, p, req)
			}()
		}
		wg.Wait()
	}
}

// call sends one request to addr and returns the reply line.
func call(dial DialFunc, addr, req string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(Timeout))
	if _, err := fmt.Fprintf(c, "%s\n", req); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// A Client talks to the primary and fails over when it stops answering.
type Client struct {
	Servers []string // addresses; Servers[0] is the first primary
	Dial    DialFunc

	primary int
}

// Primary returns the address of the server the client takes for the primary.
func (c *Client) Primary() string { return c.Servers[c.primary] }

// Put writes key=value; a nil error means the write was acknowledged. When
// the primary does not answer, Put promotes the next server for the next
// call and returns the error.
func (c *Client) Put(key, value string) error {
	reply, err := call(c.Dial, c.Servers[c.primary], "PUT "+key+" "+value)
	if err == nil && reply == "OK" {
		return nil
	}
	if err == nil {
		err = errors.New(reply)
	}
	next := (c.primary + 1) % len(c.Servers)
	if r, perr := call(c.Dial, c.Servers[next], "PROMOTE"); perr == nil && r == "OK" {
		c.primary = next
	}
	return err
}

// Get reads key from the primary.
func (c *Client) Get(key string) (value string, ok bool, err error) {
	reply, err := call(c.Dial, c.Servers[c.primary], "GET "+key)
	switch {
	case err != nil:
		return "", false, err
	case reply == "NONE":
		return "", false, nil
	case strings.HasPrefix(reply, "VAL "):
		return reply[4:], true, nil
	}
	return "", false, errors.New(reply)
}
