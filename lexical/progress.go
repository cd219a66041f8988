package lexical

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// bar is a progress bar over documents that is a no-op without a writer.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(w io.Writer, n int) bar {
	if w == nil || n == 0 {
		return bar{}
	}
	pb := progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("indexing"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("docs"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	// Start the clock now: otherwise it starts at the first Add, and a
	// single batch reports n docs over microseconds (e.g. "236518448 docs/s").
	pb.StartWithoutRender()
	return bar{pb: pb}
}

func (b bar) add(n int) {
	if b.pb != nil {
		_ = b.pb.Add(n)
	}
}

func (b bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}
