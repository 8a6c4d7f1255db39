package swarm

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how a swarm is doing: a live bar on a terminal, a plain
// line every plainEvery otherwise, nothing with -progress=none. Lines
// printed through it (new failures) appear above the bar.
type progress struct {
	mu       sync.Mutex
	stdout   io.Writer
	stderr   io.Writer
	mode     string // bar, plain or none
	total    int64  // runs to do this session; -1 if unbounded
	deadline time.Time
	start    time.Time
	done     int64
	failed   int64
	bar      *progressbar.ProgressBar
	lastLine time.Time
}

// plainEvery is how often a plain progress line is printed.
var plainEvery = 5 * time.Second

func newProgress(mode string, stdout, stderr io.Writer, total int64, deadline time.Time) *progress {
	p := &progress{stdout: stdout, stderr: stderr, mode: mode, total: total, deadline: deadline, start: time.Now()}
	p.lastLine = p.start
	if mode == "bar" {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("swarm"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("seeds"),
			progressbar.OptionSetPredictTime(total >= 0),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetRenderBlankState(true),
		)
	}
	return p
}

// add counts a finished run.
func (p *progress) add(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if failed {
		p.failed++
	}
	switch p.mode {
	case "bar":
		if failed || !p.deadline.IsZero() {
			p.bar.Describe(p.describe())
		}
		p.bar.Add64(1)
	case "plain":
		if time.Since(p.lastLine) >= plainEvery {
			p.lastLine = time.Now()
			fmt.Fprintln(p.stderr, p.line())
		}
	}
}

// describe is the bar's description: failures, and the time left of -duration.
func (p *progress) describe() string {
	d := fmt.Sprintf("%d failed", p.failed)
	if !p.deadline.IsZero() {
		d += fmt.Sprintf(", %v left", time.Until(p.deadline).Round(time.Second))
	}
	return d
}

// line is a plain progress line.
func (p *progress) line() string {
	elapsed := time.Since(p.start)
	rate := float64(p.done) / elapsed.Seconds()
	s := fmt.Sprintf("detgo: swarm: %d", p.done)
	if p.total >= 0 {
		s += fmt.Sprintf("/%d", p.total)
	}
	s += fmt.Sprintf(" seeds, %.1f seeds/s, %d failed", rate, p.failed)
	var eta time.Duration = -1
	if p.total >= 0 && rate > 0 {
		eta = time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
	}
	if !p.deadline.IsZero() {
		if left := time.Until(p.deadline); eta < 0 || left < eta {
			eta = max(left, 0)
		}
	}
	if eta >= 0 {
		s += fmt.Sprintf(", ETA %v", eta.Round(time.Second))
	}
	return s
}

// println prints a line to stdout, above the bar.
func (p *progress) println(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintln(p.stdout, text)
}

// finish removes the bar.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}
