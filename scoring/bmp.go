package scoring

import (
	"errors"

	"github.com/sparrow-search/sparrow/index/segment"
)

// BMP is Block-Max Pruning (Mallia, Suel & Tonellotto, SIGIR 2024): docs are
// grouped in ranges of 1<<RangeBits consecutive ids; a range's upper bound is
// sum_t qq_t * max impact of t in the range. Ranges are visited in
// decreasing bound order (bucketed) and scored exactly from the block-wise
// forward index; the walk stops when no remaining bound can reach the
// threshold. It needs segments built with their BMP structures
// (segment.Options.BMP) and reports an error for others.
type BMP struct {
	// Alpha in (0, 1) makes it approximate: a range is skipped when
	// Alpha*bound cannot reach the threshold. 0 (default) or >= 1: exact.
	Alpha float64

	ub     []int32
	ranges []uint32
	counts []uint32
	order  []uint32
	alpha  float64 // Alpha, or 0 when exact
	acc    [1 << 8]int32
}

// Name implements Algorithm.
func (*BMP) Name() string { return "bmp" }

// errNoBMP is BMP's error for a segment without its structures.
var errNoBMP = errors.New("the segment was built without BMP structures (segment.Options.BMP)")

func (a *BMP) search(s *collector, l *segment.Layout, q []qterm) error {
	if !l.HasBMP {
		return errNoBMP
	}
	a.alpha = 0
	if a.Alpha > 0 && a.Alpha < 1 {
		a.alpha = a.Alpha
	}
	nr := l.NumRanges()
	if nr == 0 {
		return nil
	}
	if cap(a.ub) < nr {
		a.ub = make([]int32, nr)
	}
	ub := a.ub[:nr] // clear between queries
	// The ranges with a bound: all of them when a term has dense maxima
	// (it has pairs in at least a fifth of the ranges, so this costs what
	// its postings do), else those the terms' sparse maxima list.
	rs := a.ranges[:0]
	dense := false
	for _, t := range q {
		if l.UBBlkOff[t.t+1] == l.UBBlkOff[t.t] && l.UBOff[t.t+1] > l.UBOff[t.t] {
			dense = true
		}
	}
	for _, t := range q {
		m := l.UBMax[l.UBOff[t.t]:l.UBOff[t.t+1]]
		blk := l.UBBlk[l.UBBlkOff[t.t]:l.UBBlkOff[t.t+1]]
		if len(blk) == 0 {
			addScaledU8(ub, m, t.w)
			continue
		}
		for i, r := range blk {
			if !dense && ub[r] == 0 {
				rs = append(rs, r)
			}
			ub[r] += t.w * int32(m[i])
		}
	}
	if dense {
		for r := range uint32(nr) {
			rs = append(rs, r)
		}
	}
	a.ranges = rs
	defer func() {
		for _, r := range rs {
			ub[r] = 0
		}
	}()
	var maxUB int32
	for _, r := range rs {
		maxUB = max(maxUB, ub[r])
	}
	if a.prunable(s, maxUB) {
		return nil
	}
	// Bucket ranges by bound: bucket b holds bounds in
	// [b*step, (b+1)*step), visited from the top bucket down.
	const nb = 2048
	lo := max(s.thr, 1)
	step := (maxUB-lo)/nb + 1
	if cap(a.counts) < nb+1 {
		a.counts = make([]uint32, nb+1)
	}
	counts := a.counts[:nb+1]
	clear(counts)
	for _, r := range rs {
		if u := ub[r]; u >= lo {
			counts[(u-lo)/step+1]++
		}
	}
	for b := 1; b <= nb; b++ {
		counts[b] += counts[b-1]
	}
	total := int(counts[nb])
	if cap(a.order) < total {
		a.order = make([]uint32, total)
	}
	order := a.order[:total]
	for _, r := range rs {
		if u := ub[r]; u >= lo {
			b := (u - lo) / step
			order[counts[b]] = r
			counts[b]++
		}
	}
	// counts[b] is now the end of bucket b.
	rb := uint(l.RangeBits)
	for b := nb - 1; b >= 0; b-- {
		if a.prunable(s, lo+int32(b+1)*step-1) {
			break
		}
		start := uint32(0)
		if b > 0 {
			start = counts[b-1]
		}
		for _, r := range order[start:counts[b]] {
			if a.prunable(s, ub[r]) {
				continue
			}
			a.scoreRange(s, l, q, r, rb)
		}
	}
	return nil
}

// prunable applies the threshold test, relaxed by Alpha when approximate.
func (a *BMP) prunable(s *collector, ub int32) bool {
	if a.alpha > 0 {
		return float64(ub)*a.alpha < float64(s.thr)
	}
	return ub < s.thr
}

// scoreRange scores every doc of range r exactly from the forward index.
func (a *BMP) scoreRange(s *collector, l *segment.Layout, q []qterm, r uint32, rb uint) {
	acc := &a.acc
	p0, p1 := int(l.FwdPair[r]), int(l.FwdPair[r+1])
	terms := l.FwdTerm[p0:p1]
	base := l.FwdEnt[r]
	endAll := l.FwdEnt[r+1]
	lo := 0
	for _, t := range q {
		// binary search t in terms[lo:]
		a, b := lo, len(terms)
		for a < b {
			m := int(uint(a+b) >> 1)
			if terms[m] < t.t {
				a = m + 1
			} else {
				b = m
			}
		}
		lo = a
		if a == len(terms) {
			break
		}
		if terms[a] != t.t {
			continue
		}
		j := p0 + a
		e0 := base + uint64(l.FwdEntRel[j])
		e1 := endAll
		if j+1 < p1 {
			e1 = base + uint64(l.FwdEntRel[j+1])
		}
		docs := l.FwdDoc[e0:e1]
		imps := l.FwdImp[e0:e1:e1]
		imps = imps[:len(docs)]
		w := t.w
		for i, o := range docs {
			acc[o] += w * int32(imps[i])
		}
	}
	n := 1 << rb
	baseDoc := r << rb
	scanAbove(acc[:n], s.thr, func(o int, sum int32) {
		if sum >= s.thr {
			s.offer(baseDoc+uint32(o), sum)
		}
	})
	clear(acc[:n])
}
