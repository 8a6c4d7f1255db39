package gotest

import (
	"fmt"
	"strconv"
	"time"
)

// SimOptions are detgo test's flags that shape the simulation itself, so a
// replay line repeats them. They reach the test binary as its alarm
// (-test.timeout) and as DETGO_* variables the runtime and testing read.
type SimOptions struct {
	// SimTimeout bounds each test binary's simulated time: testing's alarm,
	// which runs on the virtual clock (detgo test -simtimeout).
	SimTimeout time.Duration `json:"sim_timeout"`
	// Epoch is the virtual wall clock's start in Unix ns, "" for the
	// runtime's default (detgo test -epoch).
	Epoch string `json:"epoch,omitempty"`
	// Leaks fails a test that leaves goroutines running (detgo test -leaks).
	Leaks bool `json:"leaks,omitempty"`
	// NetLog logs the simulated network's packets (detgo test -netlog).
	NetLog bool `json:"netlog,omitempty"`
}

// DefaultSimTimeout is the simulated-time limit when -simtimeout is not
// given. It runs on the virtual clock, so a test may sleep for hours in
// microseconds, while a goroutine that never stops setting timers (a ticker
// loop) is still caught. The user's -timeout limits real time instead,
// enforced by the wrapper (see run). A deadlock is reported at once, not at
// this limit (runtime/detgo_deadlock.go).
const DefaultSimTimeout = 24 * time.Hour

// Env returns the DETGO_* variables for o.
func (o SimOptions) Env() []string {
	var env []string
	if o.Epoch != "" {
		env = append(env, "DETGO_EPOCH="+o.Epoch)
	}
	if o.Leaks {
		env = append(env, "DETGO_LEAKS=1")
	}
	if o.NetLog {
		env = append(env, "DETGO_NETLOG=1")
	}
	return env
}

func (o SimOptions) simTimeout() time.Duration {
	if o.SimTimeout == 0 {
		return DefaultSimTimeout
	}
	return o.SimTimeout
}

// parseSimTimeout parses -simtimeout: a positive duration.
func parseSimTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("-simtimeout %q: want a positive duration of simulated time, e.g. 24h or 90m", v)
	}
	return d, nil
}

// parseEpoch parses -epoch: an RFC 3339 time (2024-03-01T12:00:00Z) or Unix
// seconds, from 1970 on; it returns Unix ns.
func parseEpoch(v string) (string, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		sec, err2 := strconv.ParseInt(v, 10, 64)
		if err2 != nil {
			return "", fmt.Errorf("-epoch %q: want an RFC 3339 time such as 2024-03-01T12:00:00Z, or Unix seconds", v)
		}
		t = time.Unix(sec, 0)
	}
	if t.Before(time.Unix(0, 0)) || t.After(time.Unix(1<<32, 0)) {
		return "", fmt.Errorf("-epoch %q: want a time from 1970 to 2106", v)
	}
	return strconv.FormatInt(t.UnixNano(), 10), nil
}
