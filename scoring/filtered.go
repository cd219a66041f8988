package scoring

import (
	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
)

// Filtered is document-at-a-time over the docs a filter admits: the
// filter's docs, in order, drive the search, and each is scored by moving
// every list's cursor to it (seek), strongest list first, until the lists
// left cannot lift it to the threshold. Its cost follows the admitted docs
// times the query's terms (each list decodes only the blocks that hold an
// admitted doc), not the postings. The strategies that walk the postings
// cost as much under a selective filter as without one, and more: their
// threshold rises only with admitted docs, so it stays low and nearly
// every doc touched is a candidate whose admission is looked up (on the
// 1M heavy mix with 0.01% of the docs admitted, exhaustive took 4.2 ms a
// query and the planner without this strategy 3.0, where unfiltered they
// take 0.9 and 0.28; with it 83 µs; docs/BENCHMARKS.md, round 20).
// Without a filter it is MaxScore.
type Filtered struct {
	cursors cursorSet
	docs    []uint32
	ms      MaxScore
}

// Name implements Algorithm.
func (*Filtered) Name() string { return "filtered" }

// filteredBatch is how many admitted docs are taken from the filter at a
// time (roaring's ManyIterator: one call per batch, not per doc).
const filteredBatch = 256

func (a *Filtered) search(c *collector, l *segment.Layout, q []qterm) error {
	if c.filter == nil {
		return a.ms.search(c, l, q)
	}
	return a.searchDocs(c, l, q, c.filter)
}

// searchDocs scores the docs of f (ascending) that l holds.
func (a *Filtered) searchDocs(c *collector, l *segment.Layout, q []qterm, f *roaring.Bitmap) error {
	cs, ub := a.cursors.open(l, q)
	if cap(a.docs) < filteredBatch {
		a.docs = make([]uint32, filteredBatch)
	}
	buf := a.docs[:filteredBatch]
	n := uint32(l.NumDocs)
	it := f.ManyIterator()
	for {
		m := it.NextMany(buf)
		if m == 0 {
			return nil
		}
		for _, d := range buf[:m] {
			if d >= n {
				return nil
			}
			// Strongest list first: ub[i] bounds what lists 0..i add, so a
			// doc is dropped as soon as sum + ub[i] < thr, without moving
			// the weaker lists' cursors (a later NextGEQ skips past it).
			var sum int32
			i := len(cs) - 1
			for ; i >= 0 && sum+ub[i] >= c.thr; i-- {
				p := cs[i]
				p.seek(d)
				if p.doc == d {
					sum += p.Score()
				}
			}
			if i < 0 && sum >= c.thr {
				c.offer(d, sum)
			}
		}
	}
}

// seek is NextGEQ for targets that ascend in small steps (the admitted
// docs of a filter): within the decoded block it gallops from the
// current posting (1, 2, 4, ... postings ahead) and halves only the last
// step, where NextGEQ halves the rest of the block: on the 1M light mix
// with 0.1% of the docs admitted, several admitted docs fall in each
// block, and NextGEQ's search was 44% of the time; seek cut the
// strategy's time by 5-13% there and on the heavy mix at 1%.
func (c *postingCursor) seek(d uint32) {
	if c.doc >= d {
		return
	}
	if c.l.BlkLast[c.dec] < d {
		c.NextGEQ(d)
		return
	}
	c.blk = max(c.blk, c.dec)
	// docs[i] < d <= docs[n-1]: gallop to hi with docs[hi] >= d.
	lo, hi, step := c.i+1, c.i+1, 1
	for c.docs[hi] < d {
		lo = hi + 1
		hi = min(hi+step, c.n-1)
		step <<= 1
	}
	i := lowerBound(&c.docs, lo, hi, d)
	c.i, c.doc = i, c.docs[i]
}
