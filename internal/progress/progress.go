// Package progress is Sparrow's one progress report for long phases
// (indexing, encoding, building teachers, training, evaluating). On a
// terminal it draws a bar with count, rate and ETA (schollz/progressbar);
// written anywhere else (a log file, a pipe, a CI log) it prints a plain line
// when the phase starts, every few seconds while it runs and when it ends, so
// that no phase is silent and logs do not fill with redraws.
//
// A nil *Bar and a Bar over a nil writer do nothing, so callers never check.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Interval is how often a plain (non-terminal) report prints a line while
// a phase runs, and how often a terminal bar is redrawn when nothing advances
// it (its elapsed time and spinner keep moving).
const Interval = 5 * time.Second

// Bar reports one phase. Safe for concurrent use.
type Bar struct {
	w     io.Writer
	desc  string
	unit  string
	total int // <= 0: unknown
	start time.Time

	mu   sync.Mutex
	done int
	fin  bool
	pb   *progressbar.ProgressBar // terminal only
	stop chan struct{}
	wg   sync.WaitGroup
}

// Env overrides the choice between a bar and plain lines: "bar" draws bars
// on any writer (a log viewer that renders carriage returns), "plain" prints
// lines on a terminal too; unset or anything else decides by IsTerminal.
const Env = "SPARROW_PROGRESS"

// New starts reporting a phase of total steps (total <= 0: unknown, shown as
// a count and the elapsed time) named desc, counting unit ("docs",
// "queries"; "" = "it"). w == nil disables the report. Call Finish when the
// phase ends.
func New(w io.Writer, total int, desc, unit string) *Bar {
	return newBar(w, total, desc, unit, Bars(w), Interval)
}

// Bars reports whether reports to w are drawn as bars (a terminal, or Env
// "bar") rather than plain lines. A line printed to w between a bar's
// updates must then start on a new line.
func Bars(w io.Writer) bool {
	switch os.Getenv(Env) {
	case "bar":
		return true
	case "plain":
		return false
	}
	return IsTerminal(w)
}

// IsTerminal reports whether w is a terminal (a bar is redrawn there).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newBar(w io.Writer, total int, desc, unit string, terminal bool, every time.Duration) *Bar {
	if w == nil {
		return nil
	}
	if unit == "" {
		unit = "it"
	}
	b := &Bar{w: w, desc: desc, unit: unit, total: total, start: time.Now(), stop: make(chan struct{})}
	if terminal {
		max := total
		if max <= 0 {
			max = -1 // spinner
		}
		b.pb = progressbar.NewOptions(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		// start the clock now: otherwise it starts at the first Add, and a
		// single batch reports n items over microseconds
		_ = b.pb.RenderBlank()
	} else if total > 0 {
		fmt.Fprintf(w, "%s: %d %s to do\n", desc, total, unit)
	} else {
		fmt.Fprintf(w, "%s: started\n", desc)
	}
	if every > 0 {
		b.wg.Add(1)
		go b.tick(every)
	}
	return b
}

// tick keeps a silent phase visible: a plain line, or a terminal redraw.
func (b *Bar) tick(every time.Duration) {
	defer b.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.mu.Lock()
			if b.pb != nil {
				_ = b.pb.Add(0)
			} else {
				b.line()
			}
			b.mu.Unlock()
		}
	}
}

// Add advances the phase by n steps.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fin {
		return
	}
	b.done += n
	if b.pb != nil {
		_ = b.pb.Add(n)
	}
}

// Describe renames the phase (e.g. to show the current epoch and loss).
func (b *Bar) Describe(desc string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.desc = desc
	if b.pb != nil {
		b.pb.Describe(desc)
	}
}

// Finish ends the phase: the bar completes, or a final plain line says how
// much was done and how long it took. Later calls (and Close) do nothing.
func (b *Bar) Finish() {
	if !b.end() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pb != nil {
		_ = b.pb.Finish()
		return
	}
	el := time.Since(b.start)
	if b.total <= 0 && b.done == 0 {
		fmt.Fprintf(b.w, "%s: done in %s\n", b.desc, el.Round(100*time.Millisecond))
		return
	}
	fmt.Fprintf(b.w, "%s: done, %d %s in %s (%s)\n", b.desc, b.done, b.unit, el.Round(100*time.Millisecond), rate(b.done, el, b.unit))
}

// Close ends an unfinished phase without reporting it done (a failed phase:
// defer Close after New, call Finish on success). After Finish it does nothing.
func (b *Bar) Close() {
	if b.end() && b.pb != nil {
		fmt.Fprintln(b.w) // leave the partial bar's line
	}
}

// end marks the phase ended and stops the ticker; false if it already was.
func (b *Bar) end() bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	if b.fin {
		b.mu.Unlock()
		return false
	}
	b.fin = true
	close(b.stop)
	b.mu.Unlock()
	b.wg.Wait()
	return true
}

// line prints the plain status line (b.mu held).
func (b *Bar) line() {
	el := time.Since(b.start)
	if b.total <= 0 && b.done == 0 {
		fmt.Fprintf(b.w, "%s: running, %s elapsed\n", b.desc, el.Round(time.Second))
		return
	}
	if b.total <= 0 {
		fmt.Fprintf(b.w, "%s: %d %s, %s elapsed\n", b.desc, b.done, b.unit, el.Round(time.Second))
		return
	}
	pct := 100 * float64(b.done) / float64(b.total)
	eta := "ETA unknown"
	if b.done > 0 && el > 0 {
		left := time.Duration(float64(el) * float64(b.total-b.done) / float64(b.done))
		eta = "ETA " + left.Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "%s: %d/%d %s (%.0f%%), %s, %s\n", b.desc, b.done, b.total, b.unit, pct, rate(b.done, el, b.unit), eta)
}

func rate(n int, el time.Duration, unit string) string {
	if el <= 0 {
		return "- " + unit + "/s"
	}
	r := float64(n) / el.Seconds()
	if r >= 10 {
		return fmt.Sprintf("%.0f %s/s", r, unit)
	}
	return fmt.Sprintf("%.2f %s/s", r, unit)
}

// Phase reports a phase without a count: a start line (plain) or spinner
// (terminal), lines or redraws while it runs, and its duration at the end.
// Call the returned function when the phase ends.
func Phase(w io.Writer, desc string) (end func()) {
	return New(w, 0, desc, "").Finish
}
