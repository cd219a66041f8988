package scoring

import (
	"slices"

	"github.com/sparrow-search/sparrow/index/segment"
)

// SparseMaxScore is term-at-a-time MaxScore with sparse accumulation, for
// queries whose lists are short for the view's size (where per-window
// bookkeeping costs more than it saves): its cost follows the postings,
// with nothing per window or per doc of the segment.
//
// Lists are ordered by their maximum score; those whose maxima together
// stay below the threshold (primed from the per-term top impacts, see
// Search) are non-essential: a doc they alone hold cannot enter the top k.
// The essential lists are added into one accumulator per doc, marking
// their docs in a bitmap (one bit per doc: it stays in cache where the
// accumulators do not) and listing every posting's doc (a store per
// posting, the cheapest way to find and clear them). The non-essential
// lists are then walked, each posting testing the bitmap and adding to
// the accumulator of a marked doc only, so their other docs cost neither
// an accumulator write nor a clear. One pass over the list offers the
// marked docs and clears them. Against the exhaustive reference, the
// non-essential postings skip the accumulators: for light queries about
// half of the postings.
type SparseMaxScore struct {
	acc     []int32
	bits    []uint64
	touched []uint32
	terms   []qterm
}

// Name implements Algorithm.
func (*SparseMaxScore) Name() string { return "sparse" }

func (a *SparseMaxScore) search(c *collector, l *segment.Layout, q []qterm) error {
	n := l.NumDocs
	if cap(a.acc) < n {
		a.acc = make([]int32, n)
		a.bits = make([]uint64, (n+63)/64)
	}
	acc, bits := a.acc[:n], a.bits[:(n+63)/64]
	// Lists by maximum score, ascending; lists [0, e) are non-essential.
	ts := append(a.terms[:0], q...)
	a.terms = ts
	maxOf := func(t qterm) int32 { return t.w * int32(l.TermMax[t.t]) }
	slices.SortFunc(ts, func(x, y qterm) int { return int(maxOf(x) - maxOf(y)) })
	e := 0
	for rest := int32(0); e < len(ts) && rest+maxOf(ts[e]) < c.thr; e++ {
		rest += maxOf(ts[e])
	}
	touched := a.touched[:0]
	var docs [segment.MaxBlockSize]uint32
	for _, t := range ts[e:] {
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			m := l.TermBlockLen(int(t.t), b)
			imps := l.DecodeDocs(b, m, base, docs[:])
			touched = append(touched, docs[:m]...)
			if e == 0 { // no list to walk: no marks
				for i, d := range docs[:m] {
					acc[d] += t.w * int32(imps[i])
				}
			} else {
				for i, d := range docs[:m] {
					acc[d] += t.w * int32(imps[i])
					bits[d>>6] |= 1 << (d & 63)
				}
			}
			base = l.BlkLast[b] + 1
		}
	}
	for _, t := range ts[:e] {
		walkList(l, t, acc, bits)
	}
	// Offer the touched docs once each (the first entry takes the score
	// and clears it), clearing their marks too when there are any.
	for _, d := range touched {
		if s := acc[d]; s != 0 {
			acc[d] = 0
			if e > 0 {
				bits[d>>6] = 0
			}
			if s >= c.thr {
				c.offer(d, s)
			}
		}
	}
	a.touched = touched[:0]
	return nil
}

// walkList adds list t's scores to the docs marked in bits.
func walkList(l *segment.Layout, t qterm, acc []int32, bits []uint64) {
	var docs [segment.MaxBlockSize]uint32
	b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
	base := uint32(0)
	for b := b0; b < b1; b++ {
		m := l.TermBlockLen(int(t.t), b)
		imps := l.DecodeDocs(b, m, base, docs[:])
		for i, d := range docs[:m] {
			if bits[d>>6]&(1<<(d&63)) != 0 {
				acc[d] += t.w * int32(imps[i])
			}
		}
		base = l.BlkLast[b] + 1
	}
}
