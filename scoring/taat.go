package scoring

import (
	"slices"

	"github.com/sparrow-search/sparrow/index/segment"
)

// TAAT is term-at-a-time MaxScore with a candidate set ("quit/continue",
// Moffat & Zobel, with MaxScore bounds). Terms run in decreasing order of
// their maximum score. While the remaining terms' maxima can still lift an
// unseen doc to the threshold (the k-th best partial score, a lower bound of
// the final k-th score because impacts are non-negative), whole lists are
// accumulated. After that only seen docs can qualify: candidates whose
// partial score plus the remaining maxima falls below the threshold are
// dropped, and the rest probe the remaining (frequent, low-weight) lists
// with NextGEQ, skipping blocks that hold no candidate.
type TAAT struct {
	acc     []int32
	seen    []uint64
	ts      []qterm
	rem     []int32
	touched []uint32
	cands   []uint32
	kheap   []int32
	probe   postingCursor
	block   blockBuf
	imps    [segment.MaxBlockSize]uint8
}

// Name implements Algorithm.
func (*TAAT) Name() string { return "taat" }

func (a *TAAT) search(s *collector, l *segment.Layout, q []qterm) error {
	n := l.NumDocs
	if cap(a.acc) < n {
		a.acc = make([]int32, n)
	}
	acc := a.acc[:n]
	words := (n + 63) / 64
	if cap(a.seen) < words {
		a.seen = make([]uint64, words)
	}
	seen := a.seen[:words]

	ts := append(a.ts[:0], q...)
	a.ts = ts
	slices.SortFunc(ts, func(x, y qterm) int {
		mx, my := x.w*int32(l.TermMax[x.t]), y.w*int32(l.TermMax[y.t])
		if mx != my {
			return int(my - mx)
		}
		return int(l.TermCount[x.t]) - int(l.TermCount[y.t])
	})
	if cap(a.rem) < len(ts)+1 {
		a.rem = make([]int32, len(ts)+1)
	}
	rem := a.rem[:len(ts)+1]
	rem[len(ts)] = 0
	for i := len(ts) - 1; i >= 0; i-- {
		rem[i] = rem[i+1] + ts[i].w*int32(l.TermMax[ts[i].t])
	}
	k := s.k()
	// The k-th partial score bounds the final k-th score only if every
	// doc counted can be returned: not with deleted or filtered docs.
	visibleAll := s.live == nil && s.filter == nil
	touched := a.touched[:0]
	docs, imps := &a.block, &a.imps

	// Phase 1: accumulate whole lists while unseen docs can still qualify.
	// acc[d] == 0 marks an unseen doc (every posting adds at least 1).
	thr := s.thr
	var maxAcc int32
	i := 0
	for ; i < len(ts) && rem[i] >= thr; i++ {
		t := ts[i]
		b0, b1 := int(l.TermBlk[t.t]), int(l.TermBlk[t.t+1])
		base := uint32(0)
		for b := b0; b < b1; b++ {
			m := l.TermBlockLen(int(t.t), b)
			l.DecodeBlock(b, m, base, docs[:], imps[:])
			base = l.BlkLast[b] + 1
			for j, d := range docs[:m] {
				a := acc[d]
				if a == 0 {
					touched = append(touched, d)
				}
				a += t.w * int32(imps[j])
				acc[d] = a
				maxAcc = max(maxAcc, a)
			}
		}
		// The k-th partial score is at most maxAcc: only compute it when
		// it could end phase 1.
		if visibleAll && i+1 < len(ts) && rem[i+1] < max(maxAcc, s.thr) {
			thr = max(s.thr, a.kthPartial(acc, touched, k))
		}
	}

	if i < len(ts) {
		// Phase 2: only candidates; drop hopeless ones, probe the rest.
		cands := a.cands[:0]
		for _, d := range touched {
			if acc[d]+rem[i] >= thr && seen[d>>6]&(1<<(d&63)) == 0 {
				seen[d>>6] |= 1 << (d & 63)
				cands = append(cands, d)
			}
		}
		slices.Sort(cands) // doc order for NextGEQ (cost follows the candidates, not N)
		c := &a.probe
		for ; i < len(ts) && len(cands) > 0; i++ {
			t := ts[i]
			c.reset(l, t)
			keep := cands[:0]
			for _, d := range cands {
				if acc[d]+rem[i] < thr {
					continue
				}
				c.NextGEQ(d)
				if c.doc == d {
					acc[d] += c.Score()
				}
				keep = append(keep, d)
			}
			cands = keep
			if visibleAll && i+1 < len(ts) {
				thr = max(s.thr, a.kthPartial(acc, cands, k))
			}
		}
		for _, d := range cands {
			if acc[d] >= s.thr {
				s.offer(d, acc[d])
			}
		}
		a.cands = cands
	} else {
		for _, d := range touched {
			if acc[d] >= s.thr {
				s.offer(d, acc[d])
			}
		}
	}
	for _, d := range touched {
		acc[d] = 0
		seen[d>>6] = 0
	}
	a.touched = touched
	return nil
}

// kthPartial returns the k-th largest acc over docs (1 if fewer than k).
func (a *TAAT) kthPartial(acc []int32, docs []uint32, k int) int32 {
	if len(docs) < k {
		return 1
	}
	h := a.kheap[:0]
	for _, d := range docs {
		v := acc[d]
		if len(h) < k {
			h = append(h, v)
			if len(h) == k {
				heapify(h)
			}
			continue
		}
		if v > h[0] {
			h[0] = v
			siftDown(h, 0)
		}
	}
	a.kheap = h
	return h[0]
}

func heapify(h []int32) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
}

func siftDown(h []int32, i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h[c+1] < h[c] {
			c++
		}
		if h[i] <= h[c] {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
