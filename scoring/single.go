package scoring

import (
	"fmt"

	"github.com/sparrow-search/sparrow/index/segment"
)

// SingleTerm answers a query that has one term in the view (the planner's
// "single" plan). A doc's score is then that list's impact times the
// term's weight, with nothing to add up, so the list is walked once
// without accumulators: a block whose maximum impact cannot reach the
// threshold is skipped undecoded, and each posting of the other blocks
// that reaches it is offered at once. Every other strategy does this
// work and more on such a query (each adds the postings into
// accumulators, lists their docs and reads them back before offering),
// and the one-term queries that cost the most — many hits wanted from a
// list barely longer than k — were those where the planner lost to the
// exhaustive reference most often (top-1000 on 1M docs: 38 of 200
// one-term queries slower; docs/BENCHMARKS.md, round 21).
type SingleTerm struct {
	block blockBuf
}

// Name implements Algorithm.
func (*SingleTerm) Name() string { return "single" }

func (a *SingleTerm) search(c *collector, l *segment.Layout, q []qterm) error {
	if len(q) != 1 {
		return fmt.Errorf("the single-term strategy got a query of %d terms", len(q))
	}
	t := q[0]
	b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
	least := leastImpact(c.thr, t.w)
	docs := &a.block
	for b := b0; b < b1; b++ {
		if int32(l.BlkMax[b]) < least {
			continue
		}
		base := uint32(0)
		if b > b0 {
			base = l.BlkLast[b-1] + 1
		}
		n := l.TermBlockLen(int(t.t), b)
		imps := l.DecodeDocs(b, n, base, docs[:])[:n]
		for i, imp := range imps {
			if int32(imp) >= least && c.offer(docs[i], t.w*int32(imp)) {
				least = leastImpact(c.thr, t.w)
			}
		}
	}
	return nil
}

// leastImpact is the smallest impact whose score w*impact reaches the
// threshold thr (w > 0; in 64 bits: thr may be MaxInt32).
func leastImpact(thr, w int32) int32 {
	return int32((int64(thr) + int64(w) - 1) / int64(w))
}
