package scoring

import (
	"slices"

	"github.com/sparrow-search/sparrow/index/segment"
)

// window is the scratch of windowed accumulation over span consecutive
// docs: an integer accumulator per doc and, in listed mode, the docs of
// every posting added (a bulk copy per block: cheaper than any mark, and
// finding and clearing them then costs the postings, not the span), so
// that cost follows the postings even when one window covers a whole
// segment. In cleared mode (long lists), candidates are caught as their
// score crosses the candidate bound instead, and the span is cleared whole.
type window struct {
	acc     []int32
	touched []uint32 // listed mode: docs of the postings added
	cand    []uint32 // cleared mode: offsets whose score crossed the bound
	pairs   []uint64 // candidates as offset<<32 | score
	tmp     []uint64
	bits    []uint64 // the candidates walked lists test (clear between uses)
}

// resize makes room for span docs; the window must be clear.
func (w *window) resize(span int) {
	if cap(w.acc) < span {
		// Room for 2^16 at least: accumulateDense adds whole blocks into
		// windows of up to 2^16 docs through a fixed-size array.
		w.acc = make([]int32, span, max(span, segment.WindowDocs))
		w.bits = make([]uint64, (cap(w.acc)+63)/64)
	}
	w.acc, w.bits = w.acc[:span], w.bits[:(span+63)/64]
}

// share makes the clear accumulators acc the window's until a span larger
// than len(acc) needs more.
func (w *window) share(acc []int32) {
	w.acc = acc[:0]
	w.bits = make([]uint64, (len(acc)+63)/64)
}

// extract clears the accumulators of the listed docs and appends the
// candidates among them, docs whose score reaches lo, as offsets from w0
// (ascending) with their scores.
func (w *window) extract(w0 uint32, lo int32, out []uint32, scores []int32) ([]uint32, []int32) {
	acc := w.acc
	p := slices.Grow(w.pairs[:0], len(w.touched))[:len(w.touched)]
	// A doc's first entry takes its score and clears it, so later
	// entries read 0, below lo (at least 1). Branch-free: which entries
	// are candidates is unpredictable.
	lo = max(lo, 1)
	j := 0
	for _, d := range w.touched {
		off := d - w0
		s := acc[off]
		acc[off] = 0
		p[j] = uint64(off)<<32 | uint64(uint32(s))
		if s >= lo {
			j++
		}
	}
	p = p[:j]
	w.touched = w.touched[:0]
	out, scores = w.sorted(p, out, scores)
	w.pairs = p[:0]
	return out, scores
}

// crossed appends the candidates caught by crossing (cleared mode), as
// offsets (ascending) with their scores, and empties that list.
func (w *window) crossed(out []uint32, scores []int32) ([]uint32, []int32) {
	p := w.pairs[:0]
	for _, off := range w.cand {
		p = append(p, uint64(off)<<32|uint64(uint32(w.acc[off])))
	}
	w.cand = w.cand[:0]
	out, scores = w.sorted(p, out, scores)
	w.pairs = p[:0]
	return out, scores
}

// sorted sorts the candidate pairs p by offset and appends them.
func (w *window) sorted(p []uint64, out []uint32, scores []int32) ([]uint32, []int32) {
	switch {
	case len(p) <= 16:
		for i := 1; i < len(p); i++ {
			for j := i; j > 0 && p[j] < p[j-1]; j-- {
				p[j], p[j-1] = p[j-1], p[j]
			}
		}
	case len(w.acc) <= 1<<16:
		w.tmp = radixSortOffsets(p, slices.Grow(w.tmp[:0], len(p))[:len(p)])
	default:
		slices.Sort(p)
	}
	for _, x := range p {
		out = append(out, uint32(x>>32))
		scores = append(scores, int32(uint32(x)))
	}
	return out, scores
}

// radixSortOffsets sorts p by its offsets (bits 32-47; offsets < 2^16) in
// two passes of 8 bits through tmp (len(p)); the result is back in p.
func radixSortOffsets(p, tmp []uint64) []uint64 {
	var lo, hi [257]int
	for _, v := range p {
		lo[v>>32&0xff+1]++
		hi[v>>40&0xff+1]++
	}
	for i := 1; i <= 256; i++ {
		lo[i] += lo[i-1]
		hi[i] += hi[i-1]
	}
	for _, v := range p {
		tmp[lo[v>>32&0xff]] = v
		lo[v>>32&0xff]++
	}
	for _, v := range tmp {
		p[hi[v>>40&0xff]] = v
		hi[v>>40&0xff]++
	}
	return tmp
}

// run returns the current block's postings from the cursor on that lie
// in [.., w1] (docs and impacts of equal length), without moving; the
// caller consumes them and then calls advance. The slices alias the
// cursor's decode buffer.
func (c *postingCursor) run(w1 uint32) ([]uint32, []uint8) {
	i, n := c.i, c.n
	docs := c.docs[i:n]
	if docs[len(docs)-1] > w1 {
		m := 0
		for docs[m] <= w1 {
			m++
		}
		docs = docs[:m]
	}
	return docs, c.imps[i : i+len(docs)]
}

// advance moves the cursor past k postings of its current block (a run),
// decoding the next block when the run ended the block.
func (c *postingCursor) advance(k int) {
	c.i += k
	if c.i < c.n {
		c.doc = c.docs[c.i]
		return
	}
	c.i = c.n - 1
	c.Next()
}

// accumulate adds the cursor's scores for docs in [w0, w1] into the
// window (offsets from w0) and lists their docs; it leaves the cursor at
// the first doc after w1.
func (c *postingCursor) accumulate(w0, w1 uint32, win *window) {
	c.NextGEQ(w0)
	acc, w := win.acc, c.w
	for c.doc <= w1 {
		docs, imps := c.run(w1)
		win.touched = append(win.touched, docs...)
		imps = imps[:len(docs)]
		for k, d := range docs {
			acc[d-w0] += w * int32(imps[k])
		}
		c.advance(len(docs))
	}
}

// accumulateDense is accumulate without any list (the caller clears the
// whole span). In windows of at most 2^16 docs, the blocks lying wholly in the window are added by
// segment.Layout.AddBlockWindow, which in the portable build never
// writes their docs to memory.
func (c *postingCursor) accumulateDense(w0, w1 uint32, acc []int32) {
	c.NextGEQ(w0)
	w := c.w
	var win *[segment.WindowDocs]int32
	if cap(acc) >= segment.WindowDocs && w1-w0 < segment.WindowDocs {
		win = (*[segment.WindowDocs]int32)(acc[:segment.WindowDocs])
	}
	for c.doc <= w1 {
		docs, imps := c.run(w1)
		imps = imps[:len(docs)]
		for k, d := range docs {
			acc[d-w0] += w * int32(imps[k])
		}
		if win != nil && c.i+len(docs) == c.n {
			c.addWhole(w0, w1, win)
			continue
		}
		c.advance(len(docs))
	}
}

// addWhole adds, once the decoded block is consumed, the blocks after it
// that end at or before w1 (every doc in the window from w0) into acc,
// and moves to the next block (decoded) or past the end.
func (c *postingCursor) addWhole(w0, w1 uint32, acc *[segment.WindowDocs]int32) {
	l := c.l
	b := c.dec + 1
	for ; b < c.end && l.BlkLast[b] <= w1; b++ {
		l.AddBlockWindow(b, l.TermBlockLen(c.t, b), l.BlkLast[b-1]+1, w0, c.w, acc)
	}
	c.enter(b)
}

// accumulateCross is accumulate without the touched list (the caller
// clears the whole span): for windows where the essential lists touch
// enough docs that one clear of the span costs less than the list. It
// lists as candidates the docs whose score reaches lo with this list
// (scores only grow, so each doc at or above lo at the end is listed
// exactly once).
func (c *postingCursor) accumulateCross(w0, w1 uint32, win *window, lo int32) {
	c.NextGEQ(w0)
	acc, w := win.acc, c.w
	var crossed [segment.MaxBlockSize]uint32
	for c.doc <= w1 {
		docs, imps := c.run(w1)
		imps = imps[:len(docs)]
		j := 0
		for k, d := range docs {
			off := d - w0
			old := acc[off]
			a := old + w*int32(imps[k])
			acc[off] = a
			// Branch-free: a doc crosses lo iff a >= lo but old < lo
			// (a >= old), and which do is unpredictable.
			crossed[j&(segment.MaxBlockSize-1)] = off
			if (a >= lo) != (old >= lo) {
				j++
			}
		}
		win.cand = append(win.cand, crossed[:j]...)
		c.advance(len(docs))
	}
}

// walk adds the cursor's scores for docs in [w0, w1] whose offsets are
// set in bits to their accumulators, leaving the cursor at the first doc
// after w1.
func (c *postingCursor) walk(w0, w1 uint32, bits []uint64, acc []int32) {
	c.NextGEQ(w0)
	w := c.w
	for c.doc <= w1 {
		docs, imps := c.run(w1)
		imps = imps[:len(docs)]
		for k, d := range docs {
			off := d - w0
			if bits[off>>6]&(1<<(off&63)) != 0 {
				acc[off] += w * int32(imps[k])
			}
		}
		c.advance(len(docs))
	}
}

// probe adds the cursor's score to scores[i] for each candidate doc
// w0+cand[i] (ascending) that the list holds.
func (c *postingCursor) probe(w0 uint32, cand []uint32, scores []int32) {
	scores = scores[:len(cand)]
	for ci, off := range cand {
		d := w0 + off
		if c.doc < d {
			c.NextGEQ(d)
		}
		// Branch-free: whether a candidate is in the list is
		// unpredictable. hit is 1 iff c.doc == d (the borrow of
		// c.doc^d - 1); Score reads the current (or, exhausted, the
		// last) posting's impact, always in range.
		hit := int32((uint64(c.doc^d) - 1) >> 63)
		scores[ci] += c.Score() * hit
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
