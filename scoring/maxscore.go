package scoring

import (
	"slices"

	"github.com/sparrow-search/sparrow/index/segment"
)

// cursorSet is the scratch of the cursor-driven algorithms: one cursor per
// query term and the running sums of their maxima.
type cursorSet struct {
	curs []*postingCursor
	ub   []int32
}

// open prepares one cursor per query term, sorted by MaxScore ascending,
// and ub[i] = sum of MaxScore of cursors 0..i.
func (s *cursorSet) open(l *segment.Layout, q []qterm) ([]*postingCursor, []int32) {
	for len(s.curs) < len(q) {
		s.curs = append(s.curs, new(postingCursor))
	}
	cs := s.curs[:len(q)]
	for i, t := range q {
		cs[i].reset(l, t)
	}
	slices.SortFunc(cs, func(a, b *postingCursor) int { return int(a.maxScore) - int(b.maxScore) })
	if cap(s.ub) < len(cs) {
		s.ub = make([]int32, len(cs))
	}
	ub := s.ub[:len(cs)]
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

// nextEssential moves to the smallest current doc of the essential cursors
// ess and returns it with their summed score there, advancing the cursors
// on it (NoMore when all are exhausted).
func nextEssential(ess []*postingCursor) (uint32, int32) {
	cur := NoMore
	for _, p := range ess {
		cur = min(cur, p.doc)
	}
	var sum int32
	if cur == NoMore {
		return cur, sum
	}
	for _, p := range ess {
		if p.doc == cur {
			sum += p.Score()
			p.Next()
		}
	}
	return cur, sum
}

// MaxScore is document-at-a-time MaxScore (Turtle & Flood): only essential
// lists drive candidate selection; non-essential lists are probed with
// NextGEQ while the candidate can still reach the threshold.
type MaxScore struct {
	cursors cursorSet
}

// Name implements Algorithm.
func (*MaxScore) Name() string { return "maxscore" }

func (a *MaxScore) search(c *collector, l *segment.Layout, q []qterm) error {
	cs, ub := a.cursors.open(l, q)
	first := essential(ub, c.thr)
	for first < len(cs) {
		cur, sum := nextEssential(cs[first:])
		if cur == NoMore {
			return nil
		}
		for i := first - 1; i >= 0; i-- {
			if sum+ub[i] < c.thr {
				sum = -1
				break
			}
			p := cs[i]
			p.NextGEQ(cur)
			if p.doc == cur {
				sum += p.Score()
			}
		}
		if sum >= c.thr && c.offer(cur, sum) {
			first = essential(ub, c.thr)
		}
	}
	return nil
}
