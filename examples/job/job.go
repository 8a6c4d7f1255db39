// Package job is a detgo example: a result sent after the "done" signal.
//
// A Job closes Done as soon as its function returns and only then sends the
// error, so a caller that waits on Done and asks Err right away can get nil:
// in production a failed upload is now and then logged as a success. The
// caller must run in the instant between close(done) and the send, but the
// Go scheduler lets the job goroutine keep running, and it finishes the send
// long before the caller it just woke gets a turn.
//
// Measured on a 2-core machine with Go 1.26: `go test -count=1000` failed 0
// times in each of 8 runs (1 of 10000 with -count=10000), also with
// GOMAXPROCS=1; with -race, 0 to 2 of 1000. There is no data race for -race
// to report.
package job

import "sync"

// Job is a function running in the background.
type Job struct {
	done chan struct{}
	errc chan error // buffered; gets the job's error if it fails

	mu  sync.Mutex
	err error
}

// Start runs fn in a new goroutine.
func Start(fn func() error) *Job {
	j := &Job{done: make(chan struct{}), errc: make(chan error, 1)}
	go func() {
		err := fn()
		close(j.done) // wake up whoever waits for the job
		if err != nil {
			// BUG: the error is sent after done is closed. A waiter that
			// runs between the two sees a finished job without an error.
			j.errc <- err
		}
	}()
	return j
}

// Done is closed when the job has finished.
func (j *Job) Done() <-chan struct{} { return j.done }

// Err returns the error of a finished job, or nil if it succeeded or is still
// running. It never blocks.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	select {
	case err := <-j.errc:
		j.err = err
	default:
	}
	return j.err
}
