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
	// admitted is the number of docs filter admits (-1: no filter).
	admitted int64
	// hidden bounds the view's docs that cannot be hits (deleted, or left
	// out by the filter); deleted counts those outside live alone
	// (hiddenDocs).
	hidden, deleted int
	// liveAdm and filterAdm answer offer's membership tests for live and
	// filter.
	liveAdm, filterAdm admission
}

// admission answers whether docs are in a bitmap (a view's live set, a
// query's filter) for offer: by the bitmap's Contains (a binary search in
// a container) until those calls would have paid for a dense copy of the
// bitmap, then by a bit test on the copy. Under a filter the threshold
// rises only with admitted docs, so it stays low and nearly every doc an
// algorithm touches is offered: with 1% of the 1M docs admitted, Contains
// was half of the light mix's time (docs/BENCHMARKS.md, round 20).
// Copying once the calls made cost as much as the copy keeps the total
// within about twice the better of the two for any number of calls, which
// no algorithm knows in advance (the ski-rental rule).
type admission struct {
	bm     *roaring.Bitmap
	n      int      // the view's docs
	dense  []uint64 // the copy, valid when ready (reused between queries)
	ready  bool
	probes int // Contains calls left before the copy is made (-1: never; -2: not yet counted)
}

// admissionSlack is the Contains calls made before any copy: a small
// query's offers never pay for one.
const admissionSlack = 32

// reset makes the admission answer for bm (nil: none) on a view of n docs.
// The budget of Contains calls is counted at the first test, so that a
// query whose docs never reach offer does not pay for it.
func (a *admission) reset(bm *roaring.Bitmap, n int) {
	a.bm, a.n, a.ready, a.probes = bm, n, false, -2
}

// budget is the Contains calls whose cost over a bit test's adds up to a
// copy of bm. Measured on 1M docs (docs/BENCHMARKS.md, round 20): Contains
// takes 26 ns in a bitmap container, 46-80 ns in array containers of
// 60-2,000 docs, 67 ns in run containers, a bit test ~3; the copy clears a
// word per 64 docs up to the largest id (0.26 ns each), then writes 1.05
// ns per doc of an array container, 160 ns per bitmap container and about
// 3 ns per run. Calls in bitmap containers (filters admitting 10% of the
// docs and more) count as gaining nothing: the copy of such a filter, a
// clear and a write of 128 KB per 1M docs that also evicts the search's
// own data from the cache, did not pay in the bench's mixes (light
// queries 4-9% slower with it, after budgets counted at 40 and 23 ns per
// call: their threshold rises fast enough that few calls follow), so a
// filter of bitmap containers alone is never copied. A bitmap reaching far
// past the view (ids beyond its docs) is never copied either, the copy
// following its largest id; nor is an empty one.
func (a *admission) budget() int {
	words := a.bm.DenseSize()
	if words == 0 || words > uint64(a.n>>6)+1024 {
		return -1
	}
	st := a.bm.Stats()
	copyNs := 0.26*float64(words) + 1.05*float64(st.ArrayContainerValues) +
		160*float64(st.BitmapContainers) + 3*float64(st.RunContainerBytes/4)
	// The gain per call, containers weighted alike (a probe's doc falls in
	// any of them).
	gainNs := (55*float64(st.ArrayContainers) + 64*float64(st.RunContainers)) / float64(max(st.Containers, 1))
	if gainNs == 0 {
		return -1
	}
	return admissionSlack + int(copyNs/gainNs)
}

// contains reports whether doc is in the bitmap.
func (a *admission) contains(doc uint32) bool {
	if a.ready {
		w := doc >> 6
		return w < uint32(len(a.dense)) && a.dense[w]&(1<<(doc&63)) != 0
	}
	if a.probes == -2 {
		a.probes = a.budget()
	}
	switch {
	case a.probes > 0:
		a.probes--
	case a.probes == 0:
		a.copyDense()
		return a.contains(doc)
	}
	return a.bm.Contains(doc)
}

// copyDense makes the dense copy.
func (a *admission) copyDense() {
	words := int(a.bm.DenseSize())
	if cap(a.dense) < words {
		a.dense = make([]uint64, words)
	}
	a.dense = a.dense[:words]
	clear(a.dense)
	a.bm.WriteDenseTo(a.dense)
	a.ready = true
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
func (c *collector) release() {
	c.live, c.filter = nil, nil
	c.liveAdm.bm, c.filterAdm.bm = nil, nil
}

// k is the number of hits wanted.
func (c *collector) k() int { return c.heap.k }

// setView moves to view v and returns the query's terms present in it,
// numbered as the view's local terms (segment.Layout.Lookup), which is
// how the algorithms index the layout's tables.
func (c *collector) setView(v int, live, filter *roaring.Bitmap, l *segment.Layout, qt []qterm, qs float32) []qterm {
	c.view = int32(v)
	c.live, c.filter = live, filter
	c.admitted = -1
	if filter != nil {
		c.admitted = int64(filter.GetCardinality())
	}
	c.deleted = hiddenDocs(live, nil, l.NumDocs)
	c.hidden = c.deleted + hiddenDocs(nil, filter, l.NumDocs)
	c.liveAdm.reset(live, l.NumDocs)
	c.filterAdm.reset(filter, l.NumDocs)
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
// least r docs with impact TermTop or more, and when r >= k + hidden, where
// at most hidden docs of the view cannot be hits (deleted, or left out by
// the filter), at least k of them can, so the final k-th score is at least
// w_t*TermTop (as a float too: score is monotone in the integer sum). Only
// docs scoring below the floor are pruned, so a doc that ties the k-th
// score still enters and the doc-id tie-break is kept.
func (c *collector) prime(l *segment.Layout, terms []qterm, hidden int) {
	rank := c.k() + hidden
	var best int32
	for _, t := range terms {
		if imp, ok := l.TermTopImpact(int(t.t), rank); ok {
			best = max(best, t.w*int32(imp))
		}
	}
	if best > 0 {
		c.floor = max(c.floor, c.score(best))
	}
}

// primeView primes the threshold for the view c is on (setView), of
// layout l and query terms there, where its hidden docs are few, and
// updates it: what every search but the reference's does before its
// plan and strategy.
func (c *collector) primeView(l *segment.Layout, terms []qterm) {
	if c.fewHidden(l.NumDocs) {
		c.prime(l, terms, c.hidden)
	}
	c.updateThreshold()
}

// fewHidden reports whether the docs of the current view (of n docs) that
// cannot be hits are few, at most 1/8 of it: then the threshold is primed
// (prime), counting them as if they ranked first. With more, the bound is
// weak (and for k <= 1000 past TopRanks' ranks on views of 8,000 docs and
// more anyway).
func (c *collector) fewHidden(n int) bool { return c.hidden*8 <= n }

// hiddenDocs bounds the docs of a view of n docs that cannot be hits: those
// outside its live set and those its filter leaves out (each counted up to
// the view's last doc; a filter may name docs past it).
func hiddenDocs(live, filter *roaring.Bitmap, n int) int {
	if n == 0 {
		return 0
	}
	var hidden int
	for _, bm := range []*roaring.Bitmap{live, filter} {
		if bm != nil {
			hidden += n - int(bm.Rank(uint32(n-1)))
		}
	}
	return hidden
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
	if c.live != nil && !c.liveAdm.contains(doc) {
		return false
	}
	if c.filter != nil && !c.filterAdm.contains(doc) {
		return false
	}
	if c.heap.push(Hit{View: int(c.view), Doc: doc, Score: c.score(sum)}) && c.heap.full() {
		old := c.thr
		c.updateThreshold()
		return c.thr != old
	}
	return false
}
