package scoring

import (
	"slices"

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
	docs    []uint32 // nextAdmitted's batch
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
	cs, ub := a.cursors.open(l, q)
	it := c.filter.ManyIterator()
	for {
		var docs []uint32
		if docs, a.docs = nextAdmitted(it, a.docs, l.NumDocs); len(docs) == 0 {
			return nil
		}
		for _, d := range docs {
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

// nextAdmitted returns the filter's next docs (it, ascending) below n, at
// most filteredBatch, in buf (grown to that; returned for reuse); none
// once the filter is exhausted or past n, the view's docs.
func nextAdmitted(it roaring.ManyIntIterable, buf []uint32, n int) (docs, scratch []uint32) {
	if cap(buf) < filteredBatch {
		buf = make([]uint32, filteredBatch)
	}
	buf = buf[:filteredBatch]
	docs = buf[:it.NextMany(buf)]
	if len(docs) > 0 && docs[len(docs)-1] >= uint32(n) {
		// Docs past the view end the walk (the next call finds only
		// such docs, or none).
		i, _ := slices.BinarySearch(docs, uint32(n))
		docs = docs[:i]
	}
	return docs, buf
}
