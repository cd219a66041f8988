package scoring

import (
	"math/bits"

	"github.com/sparrow-search/sparrow/index/segment"
)

// windowBits is the default window of WMaxScore: 1<<windowBits docs.
const windowBits = 16

// maxDenseBits bounds the windows that may be processed densely (a scan
// or a clear of every accumulator): cache-resident ones.
const maxDenseBits = 16

// WMaxScore's window ends are computed in uint32: the last window of the
// largest segment must end below 2^32 (a compile error here if windows of
// the default size outgrow the headroom that segment.MaxDocs leaves;
// larger windows cover whole segments and are clipped to NumDocs).
const _ uint32 = segment.MaxDocs + 1<<windowBits - 1

// How a window's accumulators are handled.
type windowMode int

const (
	listed  windowMode = iota // the postings' docs listed, candidates and clearing from the list
	cleared                   // candidates caught as they cross the bound, the span cleared whole
	scanned                   // every accumulator scanned and cleared (SIMD)
)

// WMaxScore is windowed block-max MaxScore (as Lucene's
// MaxScoreBulkScorer): the doc space is cut into windows of 65,536 docs
// (their 256 KB of accumulators stay in the 1 MB L2 cache; fastest of
// 2^13..2^17 on the 1M benchmark). In each window every list's bound is
// the largest block maximum it has there (0 when it has no posting there);
// a window whose bounds cannot reach the threshold is skipped without
// decoding anything, and windows without postings are never visited, so
// the cost follows the postings, not the segment size. Otherwise the lists
// whose bounds together stay below 3/4 of the threshold (SetAside) are
// non-essential; the essential lists are accumulated term-at-a-time into
// the window, and the docs whose score reaches the threshold minus the
// non-essential bounds are candidates. Candidates meet the non-essential
// lists one list at a time, highest bound first, and drop out as soon as
// their score plus the remaining bounds falls below the threshold. Each list is probed per
// candidate, or, when candidates are many, walked (its postings test the
// candidates' bitmap); when so many that every list left would be walked,
// and many hits are wanted, the lists left are added whole into the
// window instead (FinishShift).
//
// How a window's accumulators are found and cleared follows the expected
// essential postings there: listed (few: every posting's doc is listed, a
// cheap bulk copy, and one pass over the list finds the candidates and
// clears), cleared (many, portable: candidates are caught as their score
// crosses the bound and the window is cleared whole) or scanned (many,
// SIMD: every accumulator is compared and cleared 16 at a time).
//
// The zero value is the measured default configuration.
type WMaxScore struct {
	// WindowBits is log2 of the window in docs, 6..32 (windows larger than
	// the segment cover it whole); 0 = 16, except on views of 2^16..2^18
	// docs: there the largest window that cuts the view into at least 4
	// (fewWindowsBits).
	WindowBits uint
	// DenseShift: a window of at most 2^16 docs is scanned (every
	// accumulator compared and cleared in one pass, no candidate
	// bookkeeping per posting) when its essential lists are expected to
	// hold at least window>>DenseShift postings. 0 = the build's default:
	// 5 with the SIMD kernels (16 accumulators per instruction; fastest of
	// 4..7 on the 1M benchmark), 2 in the portable build (windows holding
	// a quarter as many essential postings as docs: the scalar scan costs
	// about a nanosecond per doc, catching candidates posting by posting
	// about as much per posting; fastest of 0..3 on the 1M benchmark).
	DenseShift uint
	// ClearShift: otherwise a window of at most 2^16 docs is cleared whole
	// when its essential lists are expected to hold at least
	// window>>ClearShift postings (a 256 KB clear, ~8 us, against ~1.5 ns
	// per listed posting). 0 = 5 (fastest of 3..8, portable build).
	ClearShift uint
	// CandCost: a non-essential list is walked instead of probed when the
	// candidates left x CandCost exceed its expected postings in the
	// window (a probe that decodes or searches a block costs about as much
	// as walking a dozen postings). 0 = 16; negative: always probe.
	CandCost int64
	// FinishShift: for more than the top 10 and at most 1,000 docs of the
	// view per hit wanted (finishes), once the candidates of a window
	// number at least window>>FinishShift and every non-essential list
	// left would be walked (CandCost), the candidates' scores go back into
	// the window's accumulators, the lists left are added whole (the
	// essential lists' fused adds: no bitmap, no passes over the
	// candidates per list) and the candidates' full scores are read back
	// before the window is cleared whole (the clear is what the
	// candidates must pay for). Walking costs a bit test per posting and
	// three passes over the candidates per list; at the low threshold of
	// many hits nearly every candidate stays to the last list. 0 = 6;
	// negative: never. Measured on the 1M, 100k and 8.8M mixes
	// (docs/BENCHMARKS.md, issue 12 round 23).
	FinishShift int
	// SetAside: in each window the lists whose bounds, smallest first,
	// sum below SetAside times the threshold are non-essential (set
	// aside), not all those summing below the threshold itself (plain
	// MaxScore). Where the set-aside bounds come near the threshold, the
	// candidates' bar (the threshold less those bounds) is low, nearly
	// every doc of the essential lists is a candidate, and the set-aside
	// lists are walked or probed for most of them: a set-aside posting
	// then cost the windowed strategy up to 4.2 ns, an added one 1.8
	// (issue 12 round 25). Keeping lists essential is always safe. Per
	// query on the real 1M mix (docs/BENCHMARKS.md, issue 12 round 26),
	// 3/4 against the threshold itself: queries slower than exhaustive
	// (paired, top 10) 9, 8 -> 4, 2 (SIMD) and 12, 12 -> 10, 8
	// (portable), its two-term query of 198k postings 1.40 -> 0.95x
	// exhaustive's time; on the synthetic 1M mixes the windowed plans'
	// time changed by -3.6% to +1.9%. 0 = 3/4; negative or at least 1:
	// the threshold itself.
	SetAside float64

	cursors cursorSet
	wmax    []int32
	order   []int
	est     []int64
	win     window
	cand    []uint32
	scores  []int32
	// finishes counts the windows finished whole (FinishShift), for tests.
	finishes int
}

// Name implements Algorithm.
func (*WMaxScore) Name() string { return "wmaxscore" }

// wmsConfig is a WMaxScore configuration with the defaults applied.
type wmsConfig struct {
	windowShift, clearShift uint
	scanMin                 uint // least expected essential postings of a scanned window: span>>scanMin
	candCost                int64
	finishShift             int // negative: never
	setAside                float64
}

// asideBelow is the bound that the set-aside lists' bounds must sum below
// at threshold thr (SetAside).
func (c wmsConfig) asideBelow(thr int32) int32 {
	return int32(float64(thr) * c.setAside)
}

// scans reports whether a window of span docs whose essential lists are
// expected to hold essPost postings is scanned.
func (c wmsConfig) scans(essPost, span int64) bool {
	return essPost<<c.scanMin >= span
}

// fewWindowsBits is the default window (log2 docs) for a view of n docs:
// windowBits, or on views that a few such windows would cover, the
// largest window that cuts the view into at least 4. The first window
// runs at the primed threshold, where nearly every list is essential and
// most docs are candidates; on a view of 2 default windows (100k docs)
// that window is two thirds of the query, so windowed search lost to the
// exhaustive reference on long queries (1-3% of them). Windows of 2^14
// there: windowed time of the planner's long queries -6% (portable),
// those slower than exhaustive 14 -> 4 of 391 (docs/BENCHMARKS.md,
// issue 12 round 8); 2^13 and 2^15 were slower, and 2^15 on 300k docs
// no faster than 2^16.
func fewWindowsBits(n int) uint {
	if n <= 1<<windowBits || n >= 4<<windowBits {
		return windowBits
	}
	return uint(bits.Len(uint(n/4))) - 1
}

// config applies the defaults, with windows of 1<<bits docs (0 =
// WindowBits), for a view of n docs.
func (a *WMaxScore) config(bits uint, n int) wmsConfig {
	c := wmsConfig{windowShift: bits, clearShift: a.ClearShift, candCost: a.CandCost, scanMin: a.DenseShift, finishShift: a.FinishShift}
	if c.windowShift == 0 {
		c.windowShift = a.WindowBits
	}
	if c.windowShift == 0 {
		c.windowShift = fewWindowsBits(n)
	}
	c.windowShift = min(max(c.windowShift, 6), 32)
	if c.scanMin == 0 {
		c.scanMin = 2
		if SIMD {
			c.scanMin = 5
		}
	}
	if c.clearShift == 0 {
		c.clearShift = 5
	}
	if c.candCost == 0 {
		c.candCost = 16
	}
	if c.finishShift == 0 {
		c.finishShift = 6
	}
	c.finishShift = min(c.finishShift, 32)
	switch {
	case a.SetAside == 0:
		c.setAside = 0.75
	case a.SetAside < 0 || a.SetAside >= 1:
		c.setAside = 1
	default:
		c.setAside = a.SetAside
	}
	return c
}

func (a *WMaxScore) search(s *collector, l *segment.Layout, q []qterm) error {
	return a.run(s, l, q, 0)
}

// run searches with windows of 1<<bits docs (0 = WindowBits).
func (a *WMaxScore) run(s *collector, l *segment.Layout, q []qterm, bits uint) error {
	if l.NumDocs == 0 {
		return nil
	}
	cfg := a.config(bits, l.NumDocs)
	if !finishes(s.k(), l.NumDocs) {
		cfg.finishShift = -1
	}
	windowShift := cfg.windowShift
	cs, _ := a.cursors.open(l, q)
	n := len(cs)
	if cap(a.wmax) < n {
		a.wmax = make([]int32, n)
		a.order = make([]int, n)
		a.est = make([]int64, n)
	}
	wmax, order := a.wmax[:n], a.order[:n]
	N := uint64(l.NumDocs)
	W := uint64(1) << windowShift
	span := min(W, N)
	a.win.resize(int(span))
	// est[i]: expected postings of list i in a window.
	est := a.est[:n]
	for i, c := range cs {
		est[i] = int64(uint64(l.TermCount[c.t]) * span / N)
	}
	small := windowShift <= maxDenseBits
	lastDense := 0
	for w0 := uint64(0); w0 < N; w0 += W {
		minDoc := NoMore
		for _, c := range cs {
			minDoc = min(minDoc, c.doc)
		}
		if minDoc == NoMore {
			return nil
		}
		if uint64(minDoc) >= w0+W {
			w0 = uint64(minDoc) &^ (W - 1)
		}
		w1 := uint32(min(w0+W, N) - 1)
		var total int32
		whole := w0 == 0 && uint64(w1) == N-1
		for i, c := range cs {
			if whole {
				wmax[i] = c.maxScore
			} else {
				wmax[i] = c.windowMax(uint32(w0), w1)
			}
			total += wmax[i]
		}
		if total < s.thr {
			continue
		}
		e, nonEss := a.partition(cfg.asideBelow(s.thr), wmax, order, est)
		// Windows where the essential lists touch many docs are cleared
		// (or scanned and cleared) whole.
		var essPost int64
		for _, i := range order[e:] {
			if wmax[i] > 0 {
				essPost += est[i]
			}
		}
		mode := listed
		switch {
		case small && cfg.scans(essPost, int64(span)):
			mode = scanned
		case small && essPost<<cfg.clearShift >= int64(span):
			mode = cleared
		}
		cand, scores := a.essentials(s, cs, order[e:], uint32(w0), w1, s.thr-nonEss, mode, lastDense<<6 >= int(span))
		if mode == scanned {
			lastDense = len(cand)
		}
		cand, scores = a.nonEssentials(s, cs, order[:e], uint32(w0), w1, nonEss, cfg, cand, scores)
		for ci, off := range cand {
			if sc := scores[ci]; sc >= s.thr {
				s.offer(uint32(w0)+off, sc)
			}
		}
		a.cand, a.scores = cand[:0], scores[:0]
	}
	return nil
}

// partition orders the lists by window bound, ascending (insertion sort:
// few lists), and returns the first essential one and the summed bounds
// of the non-essential ones before it, which stay below lim (at most the
// threshold: SetAside).
func (a *WMaxScore) partition(lim int32, wmax []int32, order []int, est []int64) (int, int32) {
	n := len(order)
	sortBounds(wmax, order)
	e := 0
	var nonEss int32
	for e < n && nonEss+wmax[order[e]] < lim {
		nonEss += wmax[order[e]]
		e++
	}
	// Probing a non-essential list costs about one step per candidate;
	// accumulating it costs one per posting. Lists expected to have fewer
	// postings in the window than there are candidates are cheaper to
	// accumulate, so they become essential (this only lowers the
	// non-essential bound, so it stays safe).
	var cands int64
	for _, i := range order[e:] {
		cands += est[i]
	}
	for e > 0 && est[order[e-1]] < cands {
		e--
		nonEss -= wmax[order[e]]
		cands += est[order[e]]
	}
	return e, nonEss
}

// sortBounds fills order with the lists' indexes by bound wmax, ascending,
// ties in list order (insertion sort: few lists).
func sortBounds(wmax []int32, order []int) {
	for i := range order {
		order[i] = i
		for j := i; j > 0 && wmax[order[j]] < wmax[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// essentials accumulates the essential lists ess in [w0, w1] and returns
// the candidates (offsets from w0, ascending) whose score reaches lo, with
// their scores, and leaves the window clear.
func (a *WMaxScore) essentials(s *collector, cs []*postingCursor, ess []int, w0, w1 uint32, lo int32, mode windowMode, many bool) ([]uint32, []int32) {
	win := &a.win
	acc := win.acc[:w1-w0+1]
	switch mode {
	case scanned:
		for _, i := range ess {
			if a.wmax[i] > 0 {
				cs[i].accumulateDense(w0, w1, acc)
			}
		}
		// The previous dense window's candidate count predicts this one's
		// (1/64 of the window counts as many).
		return denseCandidates(acc, lo, a.cand[:0], a.scores[:0], many)
	case cleared:
		for _, i := range ess {
			if a.wmax[i] > 0 {
				cs[i].accumulateCross(w0, w1, win, lo)
			}
		}
		cand, scores := win.crossed(a.cand[:0], a.scores[:0])
		clear(acc)
		return cand, scores
	}
	for _, i := range ess {
		if a.wmax[i] > 0 {
			cs[i].accumulate(w0, w1, win)
		}
	}
	return win.extract(w0, lo, a.cand[:0], a.scores[:0])
}

// nonEssentials lets the candidates meet the non-essential lists nonEss
// (ascending bounds, summing to rest), highest bound first, one list at a
// time over the candidates still able to reach the threshold. A list with
// fewer postings in the window than candidates x candCost is walked: each
// of its postings tests the candidates' bitmap and adds to a candidate's
// accumulator (no other accumulator is touched, so nothing needs
// clearing); the others are probed with NextGEQ (candCost < 0: always).
// When the candidates are many and every list left would be walked, those
// lists are added whole instead (finish). Candidates stay in doc order.
// It returns the candidates that can still reach the threshold, with
// their full scores; the window stays clear.
func (a *WMaxScore) nonEssentials(s *collector, cs []*postingCursor, nonEss []int, w0, w1 uint32, rest int32, cfg wmsConfig, cand []uint32, scores []int32) ([]uint32, []int32) {
	candCost, finish := cfg.candCost, cfg.finishShift
	win := &a.win
	acc, bits := win.acc, win.bits
	for j := len(nonEss) - 1; j >= 0 && len(cand) > 0; j-- {
		i := nonEss[j]
		if a.wmax[i] == 0 {
			continue
		}
		// Keep candidates that this list and the ones after it can still
		// lift to the threshold.
		need := s.thr - rest
		rest -= a.wmax[i]
		kept := 0
		for ci, off := range cand {
			// Branch-free compaction: which candidates drop out is
			// unpredictable.
			sc := scores[ci]
			cand[kept], scores[kept] = off, sc
			if sc >= need {
				kept++
			}
		}
		cand, scores = cand[:kept], scores[:kept]
		if kept == 0 {
			break
		}
		c := cs[i]
		if finish >= 0 && kept<<finish >= len(acc) && a.allWalked(nonEss[:j+1], int64(kept)*candCost) {
			a.finishes++
			return a.finish(s, cs, nonEss[:j+1], w0, w1, cand, scores)
		}
		if int64(kept)*candCost > a.est[i] {
			for _, off := range cand {
				bits[off>>6] |= 1 << (off & 63)
			}
			c.walk(w0, w1, bits, acc)
			for ci, off := range cand {
				scores[ci] += acc[off]
				acc[off] = 0
				bits[off>>6] = 0
			}
			continue
		}
		c.probe(w0, cand, scores)
	}
	if rest > 0 {
		// Some list was never met: candidates fell short of it.
		return cand[:0], scores[:0]
	}
	return cand, scores
}

// finishes reports whether windows may be finished whole (FinishShift)
// for the top k on a view of n docs: for more than the base k (baseK, the
// top 10) on views of at most finishDocsPerHit docs per hit wanted. With
// few hits wanted for the view's size the threshold rises fast and most
// candidates drop out at the first non-essential list, after which the
// others are probed:
// finishing there cost the 1M heavy mix 1-3% at top-10 (its p99 +18%) and
// the 8.8M heavy mix's p99 7% at top-100 and top-1000 (means unchanged),
// where on 1M docs at top-1000 it saved 4% and left 10-18 of 500 queries
// slower than exhaustive instead of 44-45 (SIMD, one process;
// docs/BENCHMARKS.md, issue 12 round 23).
func finishes(k, n int) bool {
	return k > baseK && int64(n) <= int64(k)*finishDocsPerHit
}

const finishDocsPerHit = 1000

// allWalked reports whether every list of nonEss with a posting in the
// window would be walked with candidates x candCost = c.
func (a *WMaxScore) allWalked(nonEss []int, c int64) bool {
	for _, i := range nonEss {
		if a.wmax[i] > 0 && a.est[i] >= c {
			return false
		}
	}
	return true
}

// finish adds the non-essential lists left, nonEss, whole into the window
// [w0, w1] after the candidates' scores and returns the candidates that
// reach the threshold with their full scores; the window is left clear
// (FinishShift). A doc that is not a candidate gets only those lists'
// scores there, and is never read.
func (a *WMaxScore) finish(s *collector, cs []*postingCursor, nonEss []int, w0, w1 uint32, cand []uint32, scores []int32) ([]uint32, []int32) {
	acc := a.win.acc[:w1-w0+1]
	for ci, off := range cand {
		acc[off] = scores[ci]
	}
	for _, i := range nonEss {
		if a.wmax[i] > 0 {
			cs[i].accumulateDense(w0, w1, acc)
		}
	}
	kept := 0
	for _, off := range cand {
		// Branch-free, as in nonEssentials.
		sc := acc[off]
		cand[kept], scores[kept] = off, sc
		if sc >= s.thr {
			kept++
		}
	}
	clear(acc)
	return cand[:kept], scores[:kept]
}
