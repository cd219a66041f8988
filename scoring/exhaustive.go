package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// Exhaustive is the reference: term-at-a-time over every posting into an
// integer accumulator per doc, then a scan for the top k. Search never
// primes its threshold, so it checks the others independently.
type Exhaustive struct {
	acc []int32
}

// Name implements Algorithm.
func (*Exhaustive) Name() string { return "exhaustive" }

func (a *Exhaustive) search(c *collector, l *segment.Layout, q []qterm) error {
	if cap(a.acc) < l.NumDocs {
		a.acc = make([]int32, l.NumDocs)
	}
	acc := a.acc[:l.NumDocs]
	var docs [segment.MaxBlockSize]uint32
	var imps [segment.MaxBlockSize]uint8
	for _, t := range q {
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			n := l.TermBlockLen(int(t.t), b)
			l.DecodeBlock(b, n, base, docs[:], imps[:])
			for i, d := range docs[:n] {
				acc[d] += t.w * int32(imps[i])
			}
			base = l.BlkLast[b] + 1
		}
	}
	for d, sum := range acc {
		if sum >= c.thr {
			c.offer(uint32(d), sum)
		}
		acc[d] = 0
	}
	return nil
}
