package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// Exhaustive is the reference: term-at-a-time over every posting into an
// integer accumulator per doc, listing each posting's doc, then every
// listed doc is offered once (the first time it is met; its accumulator
// is zeroed then). Its cost follows the postings, not the segment size.
// Search never primes its threshold, so it checks the others
// independently.
type Exhaustive struct {
	acc     []int32
	touched []uint32
}

// Name implements Algorithm.
func (*Exhaustive) Name() string { return "exhaustive" }

func (a *Exhaustive) search(c *collector, l *segment.Layout, q []qterm) error {
	if cap(a.acc) < l.NumDocs {
		a.acc = make([]int32, l.NumDocs)
	}
	acc := a.acc[:l.NumDocs]
	touched := a.touched[:0]
	var docs [segment.MaxBlockSize]uint32
	for _, t := range q {
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			n := l.TermBlockLen(int(t.t), b)
			imps := l.DecodeDocs(b, n, base, docs[:])
			touched = append(touched, docs[:n]...)
			for i, d := range docs[:n] {
				acc[d] += t.w * int32(imps[i])
			}
			base = l.BlkLast[b] + 1
		}
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
