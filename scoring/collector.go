package scoring

import (
	"math"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
)

// collector is the state one query shares with the algorithm over all
// views: the top-k heap, the admission threshold, and the current view's
// visibility (Live, Filter) and score scale.
type collector struct {
	heap   hitHeap
	view   int32
	mult   float64 // integer score -> float score, this view
	thr    int32   // smallest integer score that may enter the heap, this view
	floor  float32 // a lower bound of the final k-th score (0 = none), from prime
	live   *roaring.Bitmap
	filter *roaring.Bitmap
	terms  []qterm // the query's terms present in the current view
}

func newCollector() collector {
	var c collector
	c.heap.reset(10)
	return c
}

func (c *collector) reset(k int) {
	c.heap.reset(k)
	c.floor = 0
}

// release drops the references to the last query's bitmaps.
func (c *collector) release() { c.live, c.filter = nil, nil }

// k is the number of hits wanted.
func (c *collector) k() int { return c.heap.k }

// setView moves to view v and returns the query's terms present in it,
// numbered as the view's local terms (segment.Layout.Lookup), which is
// how the algorithms index the layout's tables.
func (c *collector) setView(v int, live, filter *roaring.Bitmap, l *segment.Layout, qt []qterm, qs float32) []qterm {
	c.view = int32(v)
	c.live, c.filter = live, filter
	c.mult = float64(qs) * float64(l.Scale)
	c.terms = localTerms(c.terms[:0], l, qt)
	return c.terms
}

// localTerms appends the terms of qt that l holds, as local terms.
func localTerms(out []qterm, l *segment.Layout, qt []qterm) []qterm {
	for _, t := range qt {
		if i, ok := l.Lookup(t.t); ok && l.TermCount[i] > 0 {
			out = append(out, qterm{t: uint32(i), w: t.w})
		}
	}
	return out
}

func (c *collector) score(sum int32) float32 { return float32(float64(sum) * c.mult) }

// prime raises floor with the view's per-term top impacts: term t has at
// least r >= k docs with impact TermTop or more, so at least k docs of the
// view score w_t*TermTop or more and the final k-th score is at least that
// (as a float too: score is monotone in the integer sum). Only docs
// scoring below the floor are pruned, so a doc that ties the k-th score
// still enters and the doc-id tie-break is kept. Valid only when every doc
// of the view is visible (no Live set, no filter): the caller checks.
func (c *collector) prime(l *segment.Layout, terms []qterm) {
	var best int32
	for _, t := range terms {
		if imp, ok := l.TermTopImpact(int(t.t), c.k()); ok {
			best = max(best, t.w*int32(imp))
		}
	}
	if best > 0 {
		c.floor = max(c.floor, c.score(best))
	}
}

// updateThreshold recomputes thr after the heap or the floor changed: the
// smallest integer score whose float score reaches both the k-th kept hit
// (once the heap is full) and the floor.
func (c *collector) updateThreshold() {
	th := c.floor
	if c.heap.full() {
		th = max(th, c.heap.worst().Score)
	}
	if !(th > 0) {
		c.thr = 1
		return
	}
	// smallest S >= 1 with score(S) >= th
	x := int64(math.Ceil(float64(th) / c.mult))
	x = max(x, 1)
	for x > 1 && c.score(int32(min(x-1, math.MaxInt32))) >= th {
		x--
	}
	for x <= math.MaxInt32 && c.score(int32(x)) < th {
		x++
	}
	if x > math.MaxInt32 {
		x = math.MaxInt32
	}
	c.thr = int32(x)
}

// offer tries doc with integer score sum (>= c.thr); it reports whether the
// threshold changed.
func (c *collector) offer(doc uint32, sum int32) bool {
	if c.live != nil && !c.live.Contains(doc) {
		return false
	}
	if c.filter != nil && !c.filter.Contains(doc) {
		return false
	}
	if c.heap.push(Hit{View: int(c.view), Doc: doc, Score: c.score(sum)}) && c.heap.full() {
		old := c.thr
		c.updateThreshold()
		return c.thr != old
	}
	return false
}
