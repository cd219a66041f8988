package scoring

import (
	"slices"

	"github.com/sparrow-search/sparrow/index/segment"
)

// cursors prepares one cursor per query term, sorted by MaxScore ascending,
// and ub[i] = sum of MaxScore of cursors 0..i.
func (s *searcher) cursors(l *segment.Layout, q []qterm) ([]*postingCursor, []int32) {
	for len(s.curs) < len(q) {
		s.curs = append(s.curs, new(postingCursor))
	}
	cs := s.curs[:len(q)]
	for i, t := range q {
		cs[i].reset(l, t)
	}
	slices.SortFunc(cs, func(a, b *postingCursor) int { return int(a.maxScore) - int(b.maxScore) })
	ub := make([]int32, len(cs))
	var sum int32
	for i, c := range cs {
		sum += c.maxScore
		ub[i] = sum
	}
	return cs, ub
}

// essential returns the first essential list: lists before it together
// cannot reach the threshold.
func essential(ub []int32, thr int32) int {
	i := 0
	for i < len(ub) && ub[i] < thr {
		i++
	}
	return i
}

// maxScore is document-at-a-time MaxScore (Turtle & Flood): only essential
// lists drive candidate selection; non-essential lists are probed with
// NextGEQ while the candidate can still reach the threshold.
func maxScore(s *searcher, _ int, l *segment.Layout, q []qterm) {
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
		for i := first - 1; i >= 0; i-- {
			if sum+ub[i] < s.thr {
				sum = -1
				break
			}
			c := cs[i]
			c.NextGEQ(cur)
			if c.doc == cur {
				sum += c.Score()
			}
		}
		if sum >= s.thr && s.offer(cur, sum) {
			first = essential(ub, s.thr)
		}
	}
}
