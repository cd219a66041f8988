package scoring

import (
	"slices"

	"github.com/sparrow-search/sparrow/index/segment"
)

// DenseMaxScore is term-at-a-time MaxScore with one accumulator per doc
// (Moffat and Zobel's "continue" strategy), for small views whose query
// lists cover every doc several times: there, the lists that decide the
// ranking are short (rare terms, large weights) while most postings
// belong to terms in nearly every document with tiny contributions
// (WordPiece tokens of low idf), which exhaustive accumulation pays for
// in full.
//
// Lists are taken in decreasing order of their maximum score. While the
// lists not yet taken could lift a doc that has nothing so far to the
// threshold, each list is added into the accumulators. Once they cannot,
// only the docs whose partial score plus those lists' maxima reach the
// threshold remain candidates, and the remaining lists are merged with
// the candidates (skipping the blocks that hold none, dropping candidates
// as the remaining maxima shrink). The threshold is the primed one and,
// on views without deleted docs, is raised on the way from the partial
// scores: k docs with a partial score of at least s score at least s in
// the end (under a filter admitting at most 1/8 of the view, k docs it
// admits: their partial scores are read through the filter, and the
// candidates it does not admit are dropped before the merges). Lists
// with a dense impact table (segment.Layout.DenseImpacts: on a small
// view, terms in at least 3/4 of the docs, and down to 1/4 within a byte
// budget) are added with a vector kernel and merged by one byte per
// candidate, without decoding.
// Rank-safe like every algorithm.
type DenseMaxScore struct {
	acc    []int32
	terms  []qterm
	rem    []int32
	cand   []uint32
	scores []int32
	blocks []int64 // mergeLimit's scratch
	block  blockBuf
	// eager raises the threshold before every list (tests: the raise
	// path on small corpora).
	eager bool
	// unfused adds every list through a doc buffer, as blocks whose docs
	// span two windows are (tests: that path on small corpora).
	unfused bool
}

// Name implements Algorithm.
func (*DenseMaxScore) Name() string { return "densemaxscore" }

func (a *DenseMaxScore) search(c *collector, l *segment.Layout, q []qterm) error {
	n := l.NumDocs
	const wd = segment.WindowDocs
	if span := (n + wd - 1) &^ (wd - 1); cap(a.acc) < span {
		// Whole windows of 2^16 accumulators (the last one past the view
		// never written): the lists are added by the fused
		// unpack-and-add (segment.Layout.AddBlockWindow), on larger views
		// block by block into the window that holds the block.
		a.acc = make([]int32, span)
	}
	acc := a.acc[:n] // all zero between queries
	var win *[wd]int32
	if n <= wd && !a.unfused {
		win = (*[wd]int32)(a.acc[:wd])
	}
	ts := a.sortTerms(l, q)
	// rem[i]: the most the lists ts[i:] add to a doc; left: the postings
	// of the lists not yet added.
	rem := slices.Grow(a.rem[:0], len(ts)+1)[:len(ts)+1]
	a.rem = rem
	rem[len(ts)] = 0
	var left int64
	for i := len(ts) - 1; i >= 0; i-- {
		rem[i] = rem[i+1] + ts[i].maxScore(l)
		left += int64(l.TermCount[ts[i].t])
	}
	// The threshold is raised from the k-th partial score of every doc
	// (histAbove, 16 docs per step) counting k + hidden docs, where at most
	// hidden of the view's docs are deleted or left out by the filter,
	// while hidden <= k: the bound is then at most the 2k-th score. Under
	// a filter admitting at most 1/8 of the view the partial scores are
	// read through it, a step per admitted doc, counting k + deleted
	// (SciFact served, 10% admitted: 29.5 -> 23.8 µs; 50%: 30.8 -> 36.8
	// without this bound; docs/BENCHMARKS.md, round 20). Otherwise no
	// raise. With hidden up to 1/8 of the view and k + hidden counted,
	// SciFact's top-10 under a filter admitting 95% took 41 µs, against 26
	// adding every list (round 21).
	allDocs := c.hidden <= c.k() && c.k()+c.hidden <= n
	throughFilter := !allDocs && c.filter != nil && c.admitted*8 <= int64(n) && c.k()+c.deleted <= n
	raise := allDocs || throughFilter
	var since int64 // postings added since the threshold was last raised
	i := 0
	for ; i < len(ts); i++ {
		if raise && i > 0 && left >= int64(n) && (a.eager || since >= int64(n)) {
			// Cheap (a vector compare per 16 docs, then the docs at or
			// above the threshold) and worth it: the lists left hold at
			// least a posting per doc, and the partial scores have moved.
			a.raise(c, acc, rem[0]-rem[i], throughFilter)
			since = 0
			// Continue once the candidates are few enough that merging
			// them with the lists left costs less than adding the lists
			// (collected at once, up to that many).
			if rem[i] < c.thr {
				var ok bool
				limit := a.mergeLimit(l, ts[i:])
				if a.cand, a.scores, ok = candidatesUpTo(acc, c.thr-rem[i], limit, a.cand[:0], a.scores[:0]); ok {
					clear(acc)
					a.cand, a.scores = admitted(c, a.cand, a.scores)
					break
				}
			}
		}
		// Without a raise every list is added: a threshold from elsewhere
		// (primed, or an earlier view's hits) that the lists left cannot
		// reach alone may still leave most docs candidates, and merging
		// them cost SciFact's queries under filters admitting 85-99.9%
		// 6-7x exhaustive's time once primed thresholds reached this path
		// (round 21).
		t := ts[i]
		addList(l, t, acc, win, !a.unfused, &a.block)
		cnt := int64(l.TermCount[t.t])
		since += cnt
		left -= cnt
	}
	if i == len(ts) {
		for d, sum := range acc {
			if sum >= c.thr {
				c.offer(uint32(d), sum)
			}
			acc[d] = 0
		}
		return nil
	}
	// Continue: only docs within rem[i] of the threshold can still enter
	// (collected above when the threshold was raised).
	cand, scores := a.cand, a.scores
	for ; i < len(ts) && len(cand) > 0; i++ {
		cand, scores = mergeList(l, ts[i], cand, scores, &a.block)
		// Drop the candidates the remaining lists cannot lift enough.
		lo, k := c.thr-rem[i+1], 0
		for j, d := range cand {
			if scores[j] >= lo {
				cand[k], scores[k] = d, scores[j]
				k++
			}
		}
		cand, scores = cand[:k], scores[:k]
	}
	for j, d := range cand {
		if scores[j] >= c.thr {
			c.offer(d, scores[j])
		}
	}
	a.cand, a.scores = cand[:0], scores[:0]
	return nil
}

// addList adds list t into the accumulators: from its dense impact table
// when it has one, else through the fused unpack-and-add, into win (acc's
// window of 2^16) when it is set, else into the window of acc that holds
// the block (acc's capacity is whole windows), else (blocks across two
// windows, or unfused) by decoding the block.
func addList(l *segment.Layout, t qterm, acc []int32, win *[segment.WindowDocs]int32, fused bool, docs *blockBuf) {
	if tab := l.DenseImpacts(int(t.t)); tab != nil {
		addScaledU8(acc, tab, t.w)
		return
	}
	const wd = segment.WindowDocs
	b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
	base := uint32(0)
	for b := b0; b < b1; b++ {
		m := l.TermBlockLen(int(t.t), b)
		if win != nil {
			l.AddBlockWindow(b, m, base, 0, t.w, win)
		} else if w0 := base &^ (wd - 1); fused && l.BlkLast[b]-w0 < wd {
			// The block's docs (base..BlkLast) lie in one window.
			l.AddBlockWindow(b, m, base, w0, t.w, (*[wd]int32)(acc[w0:w0+wd]))
		} else {
			imps := l.DecodeDocs(b, m, base, docs[:])
			for j, d := range docs[:m] {
				acc[d] += t.w * int32(imps[j])
			}
		}
		base = l.BlkLast[b] + 1
	}
}

// sortTerms copies q into a.terms in decreasing order of maximum score,
// then increasing postings: an insertion sort on precomputed keys for
// the usual query lengths (the closure sort was 3% of SciFact's time).
func (a *DenseMaxScore) sortTerms(l *segment.Layout, q []qterm) []qterm {
	ts := append(a.terms[:0], q...)
	a.terms = ts
	before := func(x, y qterm) bool { // x sorts before y
		if mx, my := x.maxScore(l), y.maxScore(l); mx != my {
			return mx > my
		}
		return l.TermCount[x.t] < l.TermCount[y.t]
	}
	if len(ts) > 64 {
		slices.SortFunc(ts, func(x, y qterm) int {
			if before(x, y) {
				return -1
			}
			if before(y, x) {
				return 1
			}
			return 0
		})
		return ts
	}
	for i := 1; i < len(ts); i++ {
		t, j := ts[i], i
		for ; j > 0 && before(t, ts[j-1]); j-- {
			ts[j] = ts[j-1]
		}
		ts[j] = t
	}
	return ts
}

// raise lifts c's floor to a lower bound of the k-th largest partial score
// of a doc that may be a hit (every partial score is at most top): a
// histogram of the scores at or above the threshold, read from the top
// until k + hidden docs are seen (k + deleted through the filter: only the
// docs it admits are read).
func (a *DenseMaxScore) raise(c *collector, acc []int32, top int32, throughFilter bool) {
	lo := c.thr
	if top < lo {
		return
	}
	shift := uint(0)
	for (top-lo)>>shift >= 256 {
		shift++
	}
	var hist [256]int32
	k := int32(c.k() + c.hidden)
	if throughFilter {
		a.histAdmitted(c, acc, lo, shift, &hist)
		k = int32(c.k() + c.deleted)
	} else {
		histAbove(acc, lo, shift, &hist)
	}
	var seen int32
	for b := 255; b >= 0; b-- {
		if seen += hist[b]; seen >= k {
			if bound := lo + int32(b)<<shift; bound > lo {
				c.floor = max(c.floor, c.score(bound))
				c.updateThreshold()
			}
			return
		}
	}
}

// histAdmitted is histAbove over the docs of acc that c's filter admits.
func (a *DenseMaxScore) histAdmitted(c *collector, acc []int32, lo int32, shift uint, hist *[256]int32) {
	it := c.filter.ManyIterator()
	for {
		var docs []uint32
		if docs, a.cand = nextAdmitted(it, a.cand, len(acc)); len(docs) == 0 {
			return
		}
		for _, d := range docs {
			if v := acc[d]; v >= lo {
				hist[min((v-lo)>>shift, 255)]++
			}
		}
	}
}

// admitted keeps the candidates (and their scores) that c's filter
// admits, in order; all of them without a filter.
func admitted(c *collector, cand []uint32, scores []int32) ([]uint32, []int32) {
	if c.filter == nil {
		return cand, scores
	}
	k := 0
	for j, d := range cand {
		if c.filterAdm.contains(d) {
			cand[k], scores[k] = d, scores[j]
			k++
		}
	}
	return cand[:k], scores[:k]
}

// mergeLimit is the most candidates that merging with the lists ts costs
// less than adding the lists (-1: none): a merge decodes at most one
// block per candidate and searches it, adding costs every posting. The
// merge's cost, cand x (dense lists + mergeCandCost x the others) +
// mergeBlockCost x the sum over the others of min(cand, blocks), grows
// with cand, so the limit is found by a binary search over the
// lists' block counts gathered once.
func (a *DenseMaxScore) mergeLimit(l *segment.Layout, ts []qterm) int {
	var per, add int64 // merge cost per candidate; adding's cost
	blocks := a.blocks[:0]
	for _, t := range ts {
		if l.DenseImpacts(int(t.t)) != nil {
			// A byte per candidate against a vector add over the view.
			per++
			add += int64(l.NumDocs) / 4
			continue
		}
		blocks = append(blocks, int64(l.TermBlk[t.t+1]-l.TermBlk[t.t]))
		per += mergeCandCost
		add += int64(l.TermCount[t.t])
	}
	a.blocks = blocks
	cheaper := func(cand int64) bool {
		merge := cand * per
		for _, b := range blocks {
			merge += min(cand, b) * mergeBlockCost
		}
		return 3*merge < 2*add
	}
	lo, hi := int64(-1), int64(l.NumDocs)+1 // cheaper(lo) (or -1), !cheaper(hi) (or past the view)
	for hi-lo > 1 {
		m := (lo + hi) >> 1
		if cheaper(m) {
			lo = m
		} else {
			hi = m
		}
	}
	return int(lo)
}

// The merge's costs in postings added: decoding and entering a block, and
// finding a candidate in it.
const (
	mergeBlockCost = 40
	mergeCandCost  = 8
)

// mergeList adds list t's scores to the candidates (ascending docs),
// reading its dense impact table when it has one, else decoding only the
// blocks that hold a candidate's doc range.
func mergeList(l *segment.Layout, t qterm, cand []uint32, scores []int32, docs *blockBuf) ([]uint32, []int32) {
	if tab := l.DenseImpacts(int(t.t)); tab != nil {
		for j, d := range cand {
			scores[j] += t.w * int32(tab[d])
		}
		return cand, scores
	}
	var imps []uint8
	b, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
	dec, m, p := -1, 0, 0
	for j, d := range cand {
		for b < b1 && l.BlkLast[b] < d {
			b++
		}
		if b == b1 {
			break
		}
		if dec != b {
			base := uint32(0)
			if b > int(l.TermBlk[t.t]) {
				base = l.BlkLast[b-1] + 1
			}
			m = l.TermBlockLen(int(t.t), b)
			imps = l.DecodeDocs(b, m, base, docs[:])
			dec, p = b, 0
		}
		// Few candidates per block, most of them. Found without a branch
		// on the data (the candidates' positions are random, and a
		// mispredicted step per halving cost more than the search;
		// SciFact: ~60 ns per candidate, 14% of a search request): a
		// vector count of the docs below d in the SIMD build, lowerBound's
		// arithmetic halvings in the portable one.
		p = rankInBlock(docs, p, m, d)
		if p < m && docs[p] == d {
			scores[j] += t.w * int32(imps[p&(segment.MaxBlockSize-1)])
		}
	}
	return cand, scores
}
