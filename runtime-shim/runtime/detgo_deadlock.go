// detgo: deadlock detection for tests.
//
// The stock runtime reports "all goroutines are asleep" only when no timer
// is pending. A test binary always has one: testing's alarm (-test.timeout;
// detgo test sets it to -simtimeout, 24h of virtual time by default). So a
// deadlocked test would jump the virtual clock to the alarm and report a
// timeout, as if it had been waiting for time.
//
// testing tells the runtime which timer is its alarm (testing_detgoSetAlarm).
// When nothing is runnable, no real I/O is awaited, and the only live timer
// left is that alarm, nothing can ever happen before it: the test is
// deadlocked. detgoDeadlock then fires the alarm at once, at the current
// virtual time, with detgo.deadlocked set; testing's alarm asks
// (testing_detgoDeadlocked) and panics with "detgo: deadlock" instead of a
// timeout, followed by every goroutine's wait reason, stack and creation
// site (GOTRACEBACK=all), and the wrapper adds the seed and the replay line.
//
// A goroutine waiting for a timer, however far away, is not deadlocked: a
// live timer other than the alarm means time still has somewhere to go.
// Timers that were stopped (zombies) do not count.
//
// Invariants: only the P owner runs detgoDeadlock (from detgoIdle), with no
// goroutine runnable; the alarm fires early at most once.

package runtime

import "unsafe"

// testing_detgoSetAlarm records the test binary's alarm timer. t is the
// *time.Timer that time.AfterFunc returned, which is a *timeTimer.
//
//go:linkname testing_detgoSetAlarm testing.detgoSetAlarm
func testing_detgoSetAlarm(t unsafe.Pointer) {
	if !detgo.enabled || t == nil {
		return
	}
	detgo.alarm = &(*timeTimer)(t).timer
}

// testing_detgoDeadlocked reports whether the alarm fired because the test
// deadlocked, and the virtual time since the start.
//
//go:linkname testing_detgoDeadlocked testing.detgoDeadlocked
func testing_detgoDeadlocked() (deadlocked bool, vnow int64) {
	return detgo.deadlocked, detgoNanotime() - detgoEpochMono
}

// detgoDeadlock fires the alarm now if it is the only live timer in pp's
// heap, and reports whether it did. Firing means moving the alarm to the
// front of the heap with when = now. Like timers.check, it runs on the P
// owner's M with the P held, so the heap's write barriers are allowed.
//
//go:yeswritebarrierrec
func detgoDeadlock(pp *p, now int64) bool {
	alarm := detgo.alarm
	if alarm == nil || detgo.deadlocked || netpollAnyWaiters() {
		return false
	}
	ts := &pp.timers
	ts.lock()
	defer ts.unlock()
	at := -1
	for i, tw := range ts.heap {
		t := tw.timer
		if t == alarm {
			at = i
			continue
		}
		t.lock()
		zombie := t.state&timerZombie != 0
		t.unlock()
		if !zombie {
			return false
		}
	}
	if at < 0 {
		return false
	}
	alarm.lock()
	if alarm.state&(timerModified|timerZombie) != 0 {
		alarm.unlock()
		return false // stopped or reset: not testing's alarm any more
	}
	alarm.when = now
	alarm.unlock()
	ts.heap[at].when = now
	ts.siftUp(at)
	ts.updateMinWhenHeap()
	detgo.deadlocked = true
	return true
}
