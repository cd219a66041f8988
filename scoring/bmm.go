package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// BlockMaxMaxScore is MaxScore whose non-essential probing is gated by the
// block maxima of the non-essential lists at the candidate (block-max
// MaxScore, as in PISA's block_max_maxscore).
type BlockMaxMaxScore struct {
	cursors cursorSet
}

// Name implements Algorithm.
func (*BlockMaxMaxScore) Name() string { return "bmm" }

func (a *BlockMaxMaxScore) search(c *collector, l *segment.Layout, q []qterm) error {
	cs, ub := a.cursors.open(l, q)
	first := essential(ub, c.thr)
	for first < len(cs) {
		cur, sum := nextEssential(cs[first:])
		if cur == NoMore {
			return nil
		}
		if first > 0 {
			if sum+ub[first-1] < c.thr {
				continue
			}
			bm := sum
			for _, p := range cs[:first] {
				p.NextShallow(cur)
				bm += p.BlockMax()
			}
			if bm < c.thr {
				continue
			}
			// bm - sum is the block-max bound of lists 0..i still unprobed.
			rest := bm - sum
			for i := first - 1; i >= 0; i-- {
				p := cs[i]
				if sum+min(rest, ub[i]) < c.thr {
					sum = -1
					break
				}
				rest -= p.BlockMax()
				p.NextGEQ(cur)
				if p.doc == cur {
					sum += p.Score()
				}
			}
		}
		if sum >= c.thr && c.offer(cur, sum) {
			first = essential(ub, c.thr)
		}
	}
	return nil
}
