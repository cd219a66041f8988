package scoring

import (
	"slices"

	"github.com/sparrow-search/sparrow/index/segment"
)

// sparseWindowBits is SparseMaxScore's default window: 2^17 docs, whose
// 512 KB of accumulators stay in a core's L2 cache (the Planner halves it
// after plans that leave the upper half out of cache: sparseWide). Against
// 2^16 (docs/BENCHMARKS.md, round 17): on the light mix of a 1M corpus of
// other parameters than the bench's, whose smallest queries (a few
// hundred postings) paid the steps of 16 windows, -6% to -8% and 1-2 of
// 500 queries slower than exhaustive where 2^16 had 29; -13% to -23% on
// the bench's 100k light mix (one window covers the view: searchOne);
// unchanged on its 1M mixes. 2^18 was no faster than 2^17 on the first
// corpus and slower on the bench's.
const sparseWindowBits = 17

// sparseMaxBits bounds SparseMaxScore.WindowBits: the accumulators are
// 2^sparseMaxBits int32.
const sparseMaxBits = 17

// SparseMaxScore is term-at-a-time MaxScore for queries whose lists are
// short for the view's size (where per-window block-max bookkeeping costs
// more than it saves): its cost follows the postings, with nothing per
// doc of the segment.
//
// Every list is decoded once, whole, into one buffer (sequential writes).
// The doc space is then cut into windows of 2^17 docs (sparseWindowBits),
// visited in order (windows holding no essential posting are jumped
// over), and in each window every list's run of docs is added into the
// window's accumulators, which stay in cache: one accumulator per doc of
// the segment (the exhaustive reference's, and this type's before) misses
// the cache for nearly every posting of a light query.
//
// Lists are ordered by their maximum score; those whose maxima together
// stay below the threshold (primed from the per-term top impacts, see
// Search; re-checked at every window as the threshold rises) are
// non-essential: a doc they alone hold cannot enter the top k, so their
// postings only add to docs that an essential list touched (accumulator
// non-zero), without a branch, and are never listed. The essential
// postings' docs are listed (a store per posting), and one pass over that
// list per window offers the docs and clears them. (Probing the
// non-essential lists per candidate instead, as WMaxScore does, was 3x
// slower on light queries: their thresholds leave most docs candidates.)
type SparseMaxScore struct {
	// WindowBits is log2 of the window in docs, 6..17; 0 = 17.
	WindowBits uint
	// narrow halves the default window (set by the Planner: sparseWide).
	narrow bool

	acc     *[1 << sparseMaxBits]int32
	docs    []uint32 // every list's docs, list after list (order of terms)
	imps    []uint8
	ends    []int // list i's postings are docs[pos[i]:ends[i]]
	pos     []int // list i's next posting
	touched []uint32
	terms   []qterm
	block   blockBuf
}

// Name implements Algorithm.
func (*SparseMaxScore) Name() string { return "sparse" }

func (a *SparseMaxScore) search(c *collector, l *segment.Layout, q []qterm) error {
	if a.acc == nil {
		a.acc = new([1 << sparseMaxBits]int32)
	}
	// Lists by maximum score, ascending; lists [0, e) are non-essential.
	ts := a.sortTerms(l, q)
	bits := a.WindowBits
	if bits == 0 {
		bits = sparseWindowBits
	}
	W := uint64(1) << min(max(bits, 6), sparseMaxBits)
	N := uint64(l.NumDocs)
	if a.narrow && a.WindowBits == 0 && N > W {
		W >>= 1
	}
	if N <= W {
		a.searchOne(c, l, ts)
		return nil
	}
	a.decodeAll(l, ts)
	e := 0
	var rest int32
	for w0 := uint64(0); w0 < N; w0 += W {
		e, rest = nonEssential(l, ts, e, rest, c.thr)
		// Windows without an essential posting are jumped over.
		next := NoMore
		for i := e; i < len(ts); i++ {
			if p := a.pos[i]; p < a.ends[i] {
				next = min(next, a.docs[p])
			}
		}
		if next == NoMore {
			return nil
		}
		if uint64(next) >= w0+W {
			w0 = uint64(next) &^ (W - 1)
		}
		end := uint32(min(w0+W, N))
		for i := len(ts) - 1; i >= e; i-- { // strongest first, as in searchOne
			a.addEssential(i, ts[i].w, uint32(w0), end)
		}
		for i := range e {
			a.addNonEssential(i, ts[i].w, uint32(w0), end)
		}
		a.offer(c, uint32(w0))
	}
	return nil
}

// sortTerms copies q into a.terms, ordered by maximum score ascending.
// Queries are short: an insertion sort on the precomputed maxima costs
// less than a sort with a comparison closure, which showed in the
// profile of 5 µs queries on small views.
func (a *SparseMaxScore) sortTerms(l *segment.Layout, q []qterm) []qterm {
	ts := append(a.terms[:0], q...)
	a.terms = ts
	if len(ts) > 32 {
		slices.SortFunc(ts, func(x, y qterm) int { return int(x.maxScore(l) - y.maxScore(l)) })
		return ts
	}
	var maxes [32]int32
	for i, t := range ts {
		m := t.maxScore(l)
		j := i
		for ; j > 0 && maxes[j-1] > m; j-- {
			maxes[j], ts[j] = maxes[j-1], ts[j-1]
		}
		maxes[j], ts[j] = m, t
	}
	return ts
}

// nonEssential extends the non-essential lists ts[:e] (ascending maxima,
// summing to rest) while their maxima together stay below thr, and
// returns the new e and rest.
func nonEssential(l *segment.Layout, ts []qterm, e int, rest, thr int32) (int, int32) {
	for e < len(ts) && rest+ts[e].maxScore(l) < thr {
		rest += ts[e].maxScore(l)
		e++
	}
	return e, rest
}

// searchOne searches a view that one window covers: nothing is jumped
// over, so the lists need not be decoded into a buffer first; each block
// is decoded into a stack buffer and added at once, essential lists
// first (their docs listed), then the non-essential ones (added to the
// docs an essential list touched), which is the exhaustive reference's
// work less the non-essential lists' listing and offers, plus a sort of
// the terms. On small views (fresh segments) queries take microseconds,
// and the buffer, its copy and the per-window bookkeeping were what
// made this plan slower than the reference.
func (a *SparseMaxScore) searchOne(c *collector, l *segment.Layout, ts []qterm) {
	e, _ := nonEssential(l, ts, 0, 0, c.thr)
	acc := a.acc
	touched := a.touched[:0]
	docs := &a.block
	// Strongest list first: the docs are offered in the order listed, and
	// the docs of strong lists raise the heap's threshold early, so fewer
	// of the others are pushed (weakest first, most offers replaced the
	// heap's worst hit, with its threshold update).
	for i := len(ts) - 1; i >= e; i-- {
		t := ts[i]
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			n := l.TermBlockLen(int(t.t), b)
			// Decoded straight into the list of docs: no copy.
			touched = slices.Grow(touched, n)
			ds := touched[len(touched) : len(touched)+n]
			imps := l.DecodeDocs(b, n, base, ds)[:n]
			for k, d := range ds {
				acc[d&(1<<sparseMaxBits-1)] += t.w * int32(imps[k])
			}
			touched = touched[:len(touched)+n]
			base = l.BlkLast[b] + 1
		}
	}
	a.touched = touched
	for _, t := range ts[:e] {
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			n := l.TermBlockLen(int(t.t), b)
			imps := l.DecodeDocs(b, n, base, docs[:])
			imps = imps[:n]
			for k, d := range docs[:n] {
				off := d & (1<<sparseMaxBits - 1)
				s := acc[off]
				acc[off] = s + (t.w*int32(imps[k]))&((s|-s)>>31)
			}
			base = l.BlkLast[b] + 1
		}
	}
	a.offer(c, 0)
}

// decodeAll decodes the lists of ts, in order, into a.docs and a.imps.
func (a *SparseMaxScore) decodeAll(l *segment.Layout, ts []qterm) {
	var total int
	for _, t := range ts {
		total += int(l.TermCount[t.t])
	}
	if cap(a.docs) < total {
		a.docs = make([]uint32, total)
		a.imps = make([]uint8, total)
	}
	docs, imps := a.docs[:total], a.imps[:total]
	a.ends, a.pos = a.ends[:0], a.pos[:0]
	off := 0
	for _, t := range ts {
		a.pos = append(a.pos, off)
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			m := l.TermBlockLen(int(t.t), b)
			copy(imps[off:off+m], l.DecodeDocs(b, m, base, docs[off:off+m]))
			off += m
			base = l.BlkLast[b] + 1
		}
		a.ends = append(a.ends, off)
	}
}

// addEssential adds list i's postings below end (weight w) into the
// window starting at w0 and lists their docs.
func (a *SparseMaxScore) addEssential(i int, w int32, w0, end uint32) {
	acc := a.acc
	p, stop := a.pos[i], a.ends[i]
	docs, imps := a.docs[p:stop], a.imps[p:stop]
	n := runEnd(docs, end)
	touched := a.touched
	for k, d := range docs[:n] {
		off := (d - w0) & (1<<sparseMaxBits - 1)
		acc[off] += w * int32(imps[k])
		touched = append(touched, off)
	}
	a.touched = touched
	a.pos[i] = p + n
}

// addNonEssential adds list i's postings in [w0, end) to the docs of the
// window that an essential list touched (non-zero accumulators), without
// a branch on the data; its postings in windows jumped over are skipped.
func (a *SparseMaxScore) addNonEssential(i int, w int32, w0, end uint32) {
	acc := a.acc
	p, stop := a.pos[i], a.ends[i]
	if p < stop && a.docs[p] < w0 {
		p += runEnd(a.docs[p:stop], w0)
	}
	docs, imps := a.docs[p:stop], a.imps[p:stop]
	n := runEnd(docs, end)
	for k, d := range docs[:n] {
		off := (d - w0) & (1<<sparseMaxBits - 1)
		s := acc[off]
		acc[off] = s + (w*int32(imps[k]))&((s|-s)>>31) // s > 0: all ones; 0: none
	}
	a.pos[i] = p + n
}

// runEnd is the number of docs (ascending) below end: a short scan, then
// a binary search (a list's run in a window can be long).
func runEnd(docs []uint32, end uint32) int {
	if len(docs) == 0 || docs[len(docs)-1] < end {
		return len(docs)
	}
	if len(docs) <= 8 || docs[8] >= end {
		n := 0
		for docs[n] < end {
			n++
		}
		return n
	}
	n, _ := slices.BinarySearch(docs, end)
	return n
}

// offer offers the window's listed docs and empties the list. Every entry
// clears its accumulator, without a branch on the data: the first entry
// of a doc takes its score, a later one finds 0, below every threshold
// (at least 1). Which entries repeat a doc is unpredictable; the branch
// on it cost the sparse plans of the real 1M mix 8-15% on queries of 30k
// postings and more, both builds (docs/BENCHMARKS.md, issue 12 round 26).
func (a *SparseMaxScore) offer(c *collector, w0 uint32) {
	acc := a.acc
	for _, off := range a.touched {
		s := acc[off]
		acc[off] = 0
		if s >= c.thr {
			c.offer(w0+off, s)
		}
	}
	a.touched = a.touched[:0]
}
