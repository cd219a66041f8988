package scoring

import "github.com/sparrow-search/sparrow/index/segment"

// blockMaxMaxScore is MaxScore whose non-essential probing is gated by the
// block maxima of the non-essential lists at the candidate (block-max
// MaxScore, as in PISA's block_max_maxscore).
func blockMaxMaxScore(s *searcher, _ int, l *segment.Layout, q []qterm) {
	cs, ub := s.cursors(l, q)
	first := essential(ub, s.thr)
	for first < len(cs) {
		cur := NoMore
		for _, c := range cs[first:] {
			cur = min(cur, c.doc)
		}
		if cur == NoMore {
			return
		}
		var sum int32
		for _, c := range cs[first:] {
			if c.doc == cur {
				sum += c.Score()
				c.Next()
			}
		}
		if first > 0 {
			if sum+ub[first-1] < s.thr {
				continue
			}
			bm := sum
			for _, c := range cs[:first] {
				c.NextShallow(cur)
				bm += c.BlockMax()
			}
			if bm < s.thr {
				continue
			}
			// bm - sum is the block-max bound of lists 0..i still unprobed.
			rest := bm - sum
			for i := first - 1; i >= 0; i-- {
				c := cs[i]
				if sum+min(rest, ub[i]) < s.thr {
					sum = -1
					break
				}
				rest -= c.BlockMax()
				c.NextGEQ(cur)
				if c.doc == cur {
					sum += c.Score()
				}
			}
		}
		if sum >= s.thr && s.offer(cur, sum) {
			first = essential(ub, s.thr)
		}
	}
}
