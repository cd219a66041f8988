package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// Exhaustive is the reference: term-at-a-time over every posting into an
// integer accumulator per doc, then every doc touched is offered. Its cost
// follows the postings P, not the segment size N: when P < N/4 each
// posting's doc is listed and the list is walked (a doc is offered the
// first time it is met, its accumulator zeroed then); otherwise all N
// accumulators are scanned, which costs less than the list and at most 4P.
// Search never primes its threshold, so it checks the others
// independently.
type Exhaustive struct {
	acc     []int32
	touched []uint32
	block   blockBuf
}

// Name implements Algorithm.
func (*Exhaustive) Name() string { return "exhaustive" }

func (a *Exhaustive) search(c *collector, l *segment.Layout, q []qterm) error {
	if cap(a.acc) < l.NumDocs {
		a.acc = make([]int32, l.NumDocs)
	}
	acc := a.acc[:l.NumDocs]
	var postings int64
	for _, t := range q {
		postings += int64(l.TermCount[t.t])
	}
	list := postings*4 < int64(l.NumDocs)
	touched := a.touched[:0]
	docs := &a.block
	for _, t := range q {
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			n := l.TermBlockLen(int(t.t), b)
			imps := l.DecodeDocs(b, n, base, docs[:])
			if list {
				touched = append(touched, docs[:n]...)
			}
			for i, d := range docs[:n] {
				acc[d] += t.w * int32(imps[i])
			}
			base = l.BlkLast[b] + 1
		}
	}
	if !list {
		for d, sum := range acc {
			if sum >= c.thr {
				c.offer(uint32(d), sum)
			}
			acc[d] = 0
		}
		return nil
	}
	for _, d := range touched {
		if sum := acc[d]; sum != 0 {
			acc[d] = 0
			if sum >= c.thr {
				c.offer(d, sum)
			}
		}
	}
	a.touched = touched
	return nil
}
