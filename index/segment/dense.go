package segment

import (
	"cmp"
	"slices"
)

// Dense impact tables: in a small segment, a term held by many documents
// is also kept as one impact byte per document (0 = absent), which lets a
// reader add the whole list with a vector kernel, or read one document's
// impact, without decoding blocks. Derived at Build and Decode, not
// stored; counted in Segment.Bytes.
//
// Which terms: every term held by at least 3/4 of the documents (its
// table costs about what its compressed list does: N bytes against ~1.15
// bytes per posting, at least 0.86 N); then, most documents first, terms
// held by at least 1/4 of them while the segment's bytes stay within
// denseBytesPerPosting (tables trade memory for speed: they spend what
// the rest of the segment leaves of the index's budget, issue 12's 3
// bytes per posting, and no more). Measured (docs/BENCHMARKS.md, issue 12
// round 19): on SciFact with word terms the 3/4 tables took 2.645 -> 2.683
// bytes per posting and DenseMaxScore 26.6 -> 22.4 us per query; with the
// budget, 2.898 bytes per posting and the planner 20.9 -> 19.2 us (SIMD),
// 27.9 -> 26.5 (portable); Cranfield and CACM, whose inverted index alone
// is over the budget, keep only the 3/4 tables. Without a budget, tables
// for every term in 1/4 of the docs were 2.973 bytes per posting on
// SciFact (Cranfield 3.47, CACM 3.75; those two -10% and -20%), in 1/8
// 4.25 and -18%.
const (
	// DenseMaxDocs bounds the segments that get tables (the query
	// planner searches larger ones differently).
	DenseMaxDocs = 1 << 16
	// denseShift: a term gets a table when its postings reach
	// N - N>>denseShift, whatever the budget.
	denseShift = 2
	// denseLeastShift: within the budget, a term gets a table when its
	// postings reach N>>denseLeastShift.
	denseLeastShift = 2
	// denseBytesPerPosting: the budget, the segment's bytes (Bytes) per
	// posting that the tables past the 3/4 ones may fill up to.
	denseBytesPerPosting = 2.9
	// denseTermBytes: a table's bytes beside its N (denseBytes).
	denseTermBytes = 4 + 24
)

// deriveDense builds the dense impact tables.
func (l *Layout) deriveDense() {
	l.denseTerms, l.denseTabs, l.denseMin = nil, nil, ^uint32(0)
	n := l.NumDocs
	if n == 0 || n > DenseMaxDocs {
		return
	}
	always, least := uint32(n-n>>denseShift), uint32(n>>denseLeastShift)
	var terms []int32
	for t := 0; t < l.NumTerms; t++ {
		if l.TermCount[t] >= least {
			terms = append(terms, int32(t))
		}
	}
	// Most documents first (ties: lower term first, so the choice is
	// deterministic); the budget stops the walk.
	slices.SortFunc(terms, func(a, b int32) int {
		if c := cmp.Compare(l.TermCount[b], l.TermCount[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	budget := int64(denseBytesPerPosting*float64(l.Postings)) - l.bytesBesideDense()
	var spent int64
	for i, t := range terms {
		if spent += int64(n) + denseTermBytes; l.TermCount[t] < always && spent > budget {
			terms = terms[:i]
			break
		}
	}
	if len(terms) == 0 {
		return
	}
	l.denseMin = l.TermCount[terms[len(terms)-1]]
	slices.Sort(terms)
	l.denseTerms = terms
	l.denseTabs = make([][]uint8, len(terms))
	for i, t := range terms {
		tab := make([]uint8, n)
		l.termPostings(int(t), func(d uint32, imp uint8) { tab[d] = imp })
		l.denseTabs[i] = tab
	}
}

// DenseImpacts returns local term t's impact per document (0 where it is
// absent), or nil when the term has no dense table (see DenseMaxDocs).
func (l *Layout) DenseImpacts(t int) []uint8 {
	if l.TermCount[t] < l.denseMin {
		return nil
	}
	if i, ok := slices.BinarySearch(l.denseTerms, int32(t)); ok {
		return l.denseTabs[i]
	}
	return nil
}

// denseBytes is the size of the dense impact tables.
func (l *Layout) denseBytes() int64 {
	return int64(len(l.denseTabs))*int64(l.NumDocs) + int64(len(l.denseTerms))*denseTermBytes
}
