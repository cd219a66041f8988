package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// BlockMaxWAND is Block-Max WAND (Ding & Suel, SIGIR 2011): WAND pivoting on
// list maxima, then a block-max check at the pivot before full evaluation.
type BlockMaxWAND struct {
	cursors cursorSet
}

// Name implements Algorithm.
func (*BlockMaxWAND) Name() string { return "bmw" }

func (a *BlockMaxWAND) search(col *collector, l *segment.Layout, q []qterm) error {
	cs, _ := a.cursors.open(l, q)
	n := len(cs)
	sortByDoc := func() {
		for i := 1; i < n; i++ {
			for j := i; j > 0 && cs[j].doc < cs[j-1].doc; j-- {
				cs[j], cs[j-1] = cs[j-1], cs[j]
			}
		}
	}
	sortByDoc()
	for {
		// Pivot: first list where the prefix sum of maxima reaches thr.
		var acc int32
		p := -1
		for i, c := range cs {
			if c.doc == NoMore {
				break
			}
			acc += c.maxScore
			if acc >= col.thr {
				p = i
				break
			}
		}
		if p < 0 {
			return nil
		}
		pd := cs[p].doc
		for p+1 < n && cs[p+1].doc == pd {
			p++
		}
		var bm int32
		for _, c := range cs[:p+1] {
			c.NextShallow(pd)
			bm += c.BlockMax()
		}
		if bm >= col.thr {
			if cs[0].doc == pd {
				var sum int32
				for _, c := range cs[:p+1] {
					sum += c.Score()
					c.Next()
				}
				if sum >= col.thr {
					col.offer(pd, sum)
				}
			} else {
				// Move the list before the pivot with the largest maximum.
				j := 0
				for i := 1; i < p; i++ {
					if cs[i].doc < pd && cs[i].maxScore > cs[j].maxScore {
						j = i
					}
				}
				cs[j].NextGEQ(pd)
			}
		} else {
			// No doc up to the end of the shortest current block among
			// lists 0..p can qualify; jump past it (not past the next list).
			next := uint64(NoMore)
			for _, c := range cs[:p+1] {
				next = min(next, uint64(c.BlockLast())+1)
			}
			if p+1 < n {
				next = min(next, uint64(cs[p+1].doc))
			}
			next = max(next, uint64(pd)+1)
			j := 0
			for i := 1; i <= p; i++ {
				if cs[i].maxScore > cs[j].maxScore {
					j = i
				}
			}
			cs[j].NextGEQ(uint32(min(next, uint64(NoMore))))
		}
		sortByDoc()
	}
}
