// detgo: the alarm that says "deadlock".
//
// Under detgo, -test.timeout is a limit on virtual time (detgo test
// -simtimeout). When the runtime finds that nothing but this alarm can ever
// happen, it fires the alarm at once (runtime/detgo_deadlock.go) and the
// alarm's panic names the deadlock and the virtual time instead of a
// timeout, and lists the simulated sockets with what each holds. The panic
// then prints every goroutine with its wait reason, stack and creation site,
// as the timeout always did.

package testing

import (
	"fmt"
	"strings"
	"time"
	_ "unsafe" // for go:linkname
)

// detgoSetAlarm and detgoDeadlocked are provided by the runtime
// (detgo_deadlock.go): the runtime fires the alarm early when the test can
// never make progress, and the alarm then reports a deadlock, not a timeout.
//
//go:linkname detgoSetAlarm
func detgoSetAlarm(t *time.Timer)

//go:linkname detgoDeadlocked
func detgoDeadlocked() (deadlocked bool, vnow int64)

// detgoNetSockets lists the open simulated sockets, one per line
// (syscall/detgo_net_describe.go).
//
//go:linkname detgoNetSockets syscall.detgoNetSockets
func detgoNetSockets() string

// detgoAlarmMessage is the alarm's panic message: timeout is testing's own
// ("test timed out after 24h0m0s\nrunning tests: ...").
func detgoAlarmMessage(timeout string) string {
	deadlocked, vnow := detgoDeadlocked()
	if !deadlocked {
		return timeout
	}
	_, running, _ := strings.Cut(timeout, "\n")
	if socks := detgoNetSockets(); socks != "" {
		running += "\nsimulated sockets:\n\t" + strings.ReplaceAll(strings.TrimSuffix(socks, "\n"), "\n", "\n\t")
	}
	return fmt.Sprintf("detgo: deadlock: every goroutine is blocked and no timer is pending, at %v of virtual time; the goroutines and what they wait for follow\n%s",
		time.Duration(vnow), running)
}
