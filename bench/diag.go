package main

import (
	"fmt"
	"os"
	"time"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/internal/cputime"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

// diagnose prints, for a few queries, each term's df and maximum
// contribution next to the k-th score: what decides how much pruning can do.
func diagnose(seg *segment.Segment, qs []sparse.Vector, n int) {
	l := seg.Layout()
	for i, q := range qs[:min(n, len(qs))] {
		hits, _ := scoring.Search([]segment.View{{Segment: seg}}, q, scoring.Options{K: 10, Algorithm: "exhaustive"})
		var top, th float32
		if len(hits) > 0 {
			top, th = hits[0].Score, hits[len(hits)-1].Score
		}
		fmt.Fprintf(os.Stderr, "query %d: top1 %.2f, 10th %.2f; terms (df, max contribution):", i, top, th)
		for j, id := range q.IDs {
			df := 0
			var mx float32
			if t, ok := l.Lookup(uint32(id)); ok {
				df = int(l.TermCount[t])
				mx = float32(l.TermMax[t]) * l.Scale * q.Weights[j]
			}
			fmt.Fprintf(os.Stderr, " (%d, %.2f)", df, mx)
		}
		fmt.Fprintln(os.Stderr)
		for _, alg := range scoring.Algorithms() {
			best := time.Duration(1 << 62)
			for range 5 {
				t0 := cputime.Thread()
				scoring.Search([]segment.View{{Segment: seg}}, q, scoring.Options{K: 10, Algorithm: alg})
				best = min(best, cputime.Thread()-t0)
			}
			fmt.Fprintf(os.Stderr, "   %s %.0fus", alg, float64(best.Nanoseconds())/1e3)
		}
		fmt.Fprintln(os.Stderr)
	}
}
