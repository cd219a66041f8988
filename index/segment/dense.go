package segment

import "slices"

// Dense impact tables: in a small segment, a term held by at least 3/4
// of the documents is also kept as one impact byte per document (0 =
// absent). That costs about what its compressed list does (N bytes
// against ~1.15 bytes per posting, at least 0.86 N) and lets a reader add
// the whole list with a vector kernel, or read one document's impact,
// without decoding blocks. Derived at Build and Decode, not stored;
// counted in Segment.Bytes. SciFact with word terms: tables for the
// WordPiece tokens found almost everywhere, 2.645 -> 2.683 bytes per
// posting, DenseMaxScore 26.6 -> 22.4 us per query (docs/BENCHMARKS.md).
const (
	// DenseMaxDocs bounds the segments that get tables (the query
	// planner searches larger ones differently).
	DenseMaxDocs = 1 << 16
	// denseShift: a term gets a table when its postings reach
	// N - N>>denseShift.
	denseShift = 2
)

// deriveDense builds the dense impact tables.
func (l *Layout) deriveDense() {
	l.denseTerms, l.denseTabs = nil, nil
	n := l.NumDocs
	if n == 0 || n > DenseMaxDocs {
		return
	}
	least := l.denseLeast()
	for t := 0; t < l.NumTerms; t++ {
		if l.TermCount[t] < least {
			continue
		}
		tab := make([]uint8, n)
		l.termPostings(t, func(d uint32, imp uint8) { tab[d] = imp })
		l.denseTerms = append(l.denseTerms, int32(t))
		l.denseTabs = append(l.denseTabs, tab)
	}
}

// DenseImpacts returns local term t's impact per document (0 where it is
// absent), or nil when the term has no dense table (see DenseMaxDocs).
func (l *Layout) DenseImpacts(t int) []uint8 {
	if len(l.denseTerms) == 0 || l.TermCount[t] < l.denseLeast() {
		return nil
	}
	if i, ok := slices.BinarySearch(l.denseTerms, int32(t)); ok {
		return l.denseTabs[i]
	}
	return nil
}

// denseLeast is the postings a term needs for a dense table.
func (l *Layout) denseLeast() uint32 { return uint32(l.NumDocs - l.NumDocs>>denseShift) }

// denseBytes is the size of the dense impact tables.
func (l *Layout) denseBytes() int64 {
	return int64(len(l.denseTabs))*int64(l.NumDocs) + int64(len(l.denseTerms))*(4+24)
}
