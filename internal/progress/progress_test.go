package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// syncBuf is a bytes.Buffer safe for the ticker goroutine and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPlainLines(t *testing.T) {
	cases := []struct {
		name  string
		total int
		adds  []int
		want  []string // substrings of the lines, in order
	}{
		{"counted", 10, []int{3, 7}, []string{"encode: 10 docs to do", "encode: done, 10 docs in"}},
		{"uncounted", 0, nil, []string{"encode: started", "encode: done in"}},
		{"uncounted with count", -1, []int{4}, []string{"encode: started", "encode: done, 4 docs in"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out syncBuf
			b := newBar(&out, c.total, "encode", "docs", false, 0)
			var wg sync.WaitGroup
			for _, n := range c.adds {
				wg.Go(func() { b.Add(n) })
			}
			wg.Wait()
			b.Finish()
			b.Finish() // idempotent
			b.Add(1)   // after Finish: ignored
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != len(c.want) {
				t.Fatalf("lines %q, want %d", lines, len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d %q, want it to contain %q", i, lines[i], w)
				}
			}
		})
	}
}

// The status line has the count, percentage, rate and ETA.
func TestStatusLine(t *testing.T) {
	var out syncBuf
	b := newBar(&out, 4, "train", "steps", false, 0)
	b.Add(1)
	b.mu.Lock()
	b.line()
	b.mu.Unlock()
	b.Finish()
	got := strings.Split(out.String(), "\n")[1]
	for _, w := range []string{"train: 1/4 steps (25%)", "steps/s", "ETA "} {
		if !strings.Contains(got, w) {
			t.Errorf("%q lacks %q", got, w)
		}
	}
}

func TestNilIsQuiet(t *testing.T) {
	b := New(nil, 10, "x", "")
	b.Add(1)
	b.Describe("y")
	b.Finish()
	Phase(nil, "z")()
}

// A terminal bar (forced here: a buffer is not a terminal) draws and
// completes without plain lines.
func TestTerminalBar(t *testing.T) {
	var out syncBuf
	b := newBar(&out, 2, "index", "docs", true, 0)
	b.Add(2)
	b.Describe("index done")
	b.Finish()
	if s := out.String(); !strings.Contains(s, "2/2") || strings.Contains(s, "to do") {
		t.Errorf("terminal output %q", s)
	}
}

// Close ends a failed phase without a done line; Finish after it is a no-op.
func TestCloseUnfinished(t *testing.T) {
	var out syncBuf
	b := newBar(&out, 3, "build", "docs", false, 0)
	b.Add(1)
	b.Close()
	b.Finish()
	if s := out.String(); strings.Contains(s, "done") {
		t.Errorf("closed phase reported done: %q", s)
	}
}

// A terminal bar's clock starts at New, not at the first Add: a single batch
// would otherwise report its items over microseconds.
func TestTerminalClockStartsAtNew(t *testing.T) {
	var out syncBuf
	b := newBar(&out, 3, "index", "docs", true, 0)
	defer b.Close()
	if !b.pb.IsStarted() {
		t.Fatal("bar not started at New; its rate would count from the first Add")
	}
}
