package scoring

import (
	"math/bits"

	"github.com/sparrow-search/sparrow/index/segment"
)

// windowBits sets the largest window of WMaxScore: 1<<windowBits docs.
const windowBits = 14

// WMaxScore's window ends are computed in uint32: the last window of the
// largest segment must end below 2^32 (a compile error here if windowBits
// outgrows the headroom that segment.MaxDocs leaves).
const _ uint32 = segment.MaxDocs + 1<<windowBits - 1

// WMaxScore is windowed block-max MaxScore (as Lucene's
// MaxScoreBulkScorer): the doc space is cut into windows of 16,384 docs
// (fastest of 2^11..2^16 on the 1M benchmark). In each window every list's
// bound is the largest block maximum it has there (0 when it has no
// posting there); a window whose bounds cannot reach the threshold is
// skipped without decoding anything. Otherwise the lists whose bounds
// together stay below the threshold are non-essential; the essential lists
// are accumulated term-at-a-time into a window-local (cache-resident)
// array. The docs seen there whose partial score plus the non-essential
// bounds can reach the threshold are candidates; they meet the
// non-essential lists one list at a time, highest bound first, and drop
// out as soon as their score plus the remaining bounds falls below the
// threshold. Each list is probed per candidate, or, when candidates are
// many, accumulated in the window and looked up.
//
// The zero value is the measured default configuration.
type WMaxScore struct {
	// WindowBits is log2 of the window in docs, 6..14; 0 = 14 (16,384).
	WindowBits uint
	// DenseShift: a window is processed densely (no per-posting marks, a
	// full scan) when its essential lists are expected to hold at least
	// window>>DenseShift postings. 0 = 7 (128 in a 16K window: marked
	// windows cost ~8 ns per posting in their mark scans, a dense scan ~2 us
	// per window; 7 was fastest of 4..20 on the 1M benchmark).
	DenseShift uint
	// CandCost: a non-essential list is accumulated in a window instead of
	// probed when the candidates left x CandCost exceed its expected
	// postings there (a probe that decodes or searches a block costs about
	// as much as accumulating a dozen postings; 16 and 32 measured best of
	// 1..256 on the 1M benchmark). 0 = 16; negative: always probe.
	CandCost int64

	cursors cursorSet
	wmax    []int32
	order   []int
	est     []int64
	acc     [1 << windowBits]int32
	seen    [1 << windowBits / 64]uint64
	cand    []uint16
	scores  []int32
}

// Name implements Algorithm.
func (*WMaxScore) Name() string { return "wmaxscore" }

// config returns the tuning fields with defaults applied.
func (a *WMaxScore) config() (windowShift, denseShift uint, candCost int64) {
	windowShift, denseShift, candCost = a.WindowBits, a.DenseShift, a.CandCost
	if windowShift == 0 || windowShift > windowBits {
		windowShift = windowBits
	}
	windowShift = max(windowShift, 6)
	if denseShift == 0 {
		denseShift = 7
	}
	if candCost == 0 {
		candCost = 16
	}
	return
}

func (a *WMaxScore) search(s *collector, l *segment.Layout, q []qterm) error {
	windowShift, denseShift, candCost := a.config()
	cs, _ := a.cursors.open(l, q)
	n := len(cs)
	if cap(a.wmax) < n {
		a.wmax = make([]int32, n)
		a.order = make([]int, n)
		a.est = make([]int64, n)
	}
	wmax, order := a.wmax[:n], a.order[:n]
	// est[i]: expected postings of list i in a window.
	est := a.est[:n]
	for i, c := range cs {
		est[i] = int64(l.TermCount[c.t]) << windowShift / int64(max(1, l.NumDocs))
	}
	W := uint32(1) << windowShift
	acc := a.acc[:W]
	seen := a.seen[:W/64]
	N := uint32(l.NumDocs)
	lastDense := 0
	for w0 := uint32(0); w0 < N; {
		minDoc := NoMore
		for _, c := range cs {
			minDoc = min(minDoc, c.doc)
		}
		if minDoc == NoMore {
			return nil
		}
		if minDoc >= w0+W {
			w0 = minDoc &^ (W - 1)
		}
		w1 := min(w0+W, N) - 1
		var total int32
		for i, c := range cs {
			wmax[i] = c.windowMax(w0, w1)
			total += wmax[i]
		}
		thr := s.thr
		if total < thr {
			w0 += W
			continue
		}
		// Order lists by window bound, ascending (insertion sort: few lists).
		for i := range order {
			order[i] = i
		}
		for i := 1; i < n; i++ {
			for j := i; j > 0 && wmax[order[j]] < wmax[order[j-1]]; j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		e := 0
		var nonEss int32
		for e < n && nonEss+wmax[order[e]] < thr {
			nonEss += wmax[order[e]]
			e++
		}
		// Probing a non-essential list costs about one step per candidate;
		// accumulating it costs one per posting. Lists expected to have
		// fewer postings in the window than there are candidates are
		// cheaper to accumulate, so they become essential (this only
		// lowers the non-essential bound, so it stays safe).
		var cands int64
		for _, i := range order[e:] {
			cands += est[i]
		}
		for e > 0 && est[order[e-1]] < cands {
			e--
			nonEss -= wmax[order[e]]
			cands += est[order[e]]
		}
		// Windows where the essential lists touch many docs skip the
		// per-posting marks and scan (and clear) the whole window instead.
		var essPost int64
		for _, i := range order[e:] {
			if wmax[i] > 0 {
				essPost += est[i]
			}
		}
		var cand []uint16
		var scores []int32
		if essPost<<denseShift >= int64(W) {
			for _, i := range order[e:] {
				if wmax[i] > 0 {
					cs[i].accumulateDense(w0, w1, acc)
				}
			}
			// The previous dense window's candidate count predicts this
			// one's (1/64 of the window counts as many).
			cand, scores = denseCandidates(acc[:w1-w0+1], s.thr-nonEss, a.cand[:0], a.scores[:0], lastDense<<6 >= int(W))
			lastDense = len(cand)
		} else {
			for _, i := range order[e:] {
				if wmax[i] > 0 {
					cs[i].accumulate(w0, w1, acc, seen)
				}
			}
			cand, scores = windowCandidates(acc, seen, s.thr-nonEss, a.cand[:0], a.scores[:0])
		}
		a.cand, a.scores = cand, scores
		// Non-essential lists, highest bound first, one list at a time over
		// the candidates still able to reach the threshold: a list with
		// fewer postings in the window than candidates x candCost is
		// accumulated into the (cleared) window array and looked up, the
		// others are probed with NextGEQ (candCost < 0: always).
		// Candidates stay in doc order.
		rest := nonEss
		accumulated := false
		for j := e - 1; j >= 0 && len(cand) > 0; j-- {
			i := order[j]
			if wmax[i] == 0 {
				continue
			}
			// Keep candidates that this list and the ones after it can
			// still lift to the threshold.
			need := s.thr - rest
			rest -= wmax[i]
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
			if int64(kept)*candCost > est[i] {
				c.accumulateDense(w0, w1, acc)
				accumulated = true
				// Later lookups are of a subset of these candidates, so
				// zeroing just them keeps the next list's sums apart.
				for ci, off := range cand {
					scores[ci] += acc[off]
					acc[off] = 0
				}
				continue
			}
			c.probe(w0, cand, scores)
		}
		if accumulated {
			clear(acc[:w1-w0+1])
		}
		if rest == 0 {
			for ci, off := range cand {
				if sc := scores[ci]; sc >= s.thr {
					s.offer(w0+uint32(off), sc)
				}
			}
		}
		w0 += W
	}
	return nil
}

// probe adds the cursor's score to scores[i] for each candidate doc
// w0+cand[i] (ascending) that the list holds.
func (c *postingCursor) probe(w0 uint32, cand []uint16, scores []int32) {
	scores = scores[:len(cand)]
	for ci, off := range cand {
		d := w0 + uint32(off)
		if c.doc < d {
			c.NextGEQ(d)
		}
		if c.doc == d {
			scores[ci] += c.Score()
		}
	}
}

// windowMax bounds the cursor's score in [w0, w1] by the block maxima of
// the blocks overlapping it (0 if the list has nothing there).
func (c *postingCursor) windowMax(w0, w1 uint32) int32 {
	if c.doc > w1 {
		return 0
	}
	b := c.blk
	if c.dec == b && c.doc >= w0 {
		// Decoded and positioned inside the window.
	} else {
		for b < c.end && c.l.BlkLast[b] < w0 {
			b++
		}
		if b >= c.end {
			return 0
		}
		c.blk = b
	}
	m := c.l.BlkMax[b]
	for c.l.BlkLast[b] < w1 && b+1 < c.end {
		b++
		m = max(m, c.l.BlkMax[b])
	}
	return c.w * int32(m)
}

// accumulate adds the cursor's scores for docs in [w0, w1] into acc (doc
// offsets from w0) and marks them in seen, leaving the cursor at the first
// doc after w1.
func (c *postingCursor) accumulate(w0, w1 uint32, acc []int32, seen []uint64) {
	c.NextGEQ(w0)
	w := c.w
	for c.doc <= w1 {
		i, n := c.i, c.n
		docs, imps := c.docs[:n], c.imps[:n:n]
		for ; i < n; i++ {
			d := docs[i]
			if d > w1 {
				break
			}
			off := d - w0
			acc[off] += w * int32(imps[i])
			seen[off>>6] |= 1 << (off & 63)
		}
		if i < n {
			c.i = i
			c.doc = docs[i]
			return
		}
		c.i = n - 1
		c.Next()
	}
}

// accumulateDense is accumulate without the marks.
func (c *postingCursor) accumulateDense(w0, w1 uint32, acc []int32) {
	c.NextGEQ(w0)
	w := c.w
	for c.doc <= w1 {
		i, n := c.i, c.n
		docs, imps := c.docs[:n], c.imps[:n:n]
		for ; i < n; i++ {
			d := docs[i]
			if d > w1 {
				break
			}
			acc[d-w0] += w * int32(imps[i])
		}
		if i < n {
			c.i = i
			c.doc = docs[i]
			return
		}
		c.i = n - 1
		c.Next()
	}
}

// windowCandidatesScalar is windowCandidates without SIMD (the portable
// build, and the SIMD build on CPUs without AVX-512).
func windowCandidatesScalar(acc []int32, seen []uint64, lo int32, out []uint16, scores []int32) ([]uint16, []int32) {
	for wi, x := range seen {
		if x == 0 {
			continue
		}
		seen[wi] = 0
		for x != 0 {
			off := wi<<6 | bits.TrailingZeros64(x)
			x &= x - 1
			if v := acc[off]; v >= lo {
				out = append(out, uint16(off))
				scores = append(scores, v)
			}
			acc[off] = 0
		}
	}
	return out, scores
}
