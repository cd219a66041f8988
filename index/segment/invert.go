package segment

import (
	"cmp"
	"fmt"
	"slices"
)

// invWriter inverts postings that arrive in ascending doc order straight
// into per-term packed blocks: each term keeps one pending block of at most
// BlockSize postings and its finished blocks' bytes, so the builder never
// holds a per-posting copy of the corpus (about 2.1 bytes per posting
// resident instead of 5 for a counting sort plus 5 for the per-doc input).
//
// Terms get a slot on first sight (a table for WordPiece-size ids, an
// open-addressing hash above), so the writer costs what the segment's
// terms do, not what its largest id is (word ids reach 2^31).
//
// Postings are staged, up to stageCap of them (9 bytes each), and then
// counting-sorted by slot and appended term by term (drain): adding them
// one at a time to their terms' blocks touched a random term's state and
// pending block per posting, a cache miss or three each (the build's
// largest cost); a drain touches each term once per stage.
type invWriter struct {
	bs       int
	terms    []termList // by slot
	low      []int32    // slot+1 of ids < lowIDs; 0 = none yet
	keys     []uint32   // hash of ids >= lowIDs: id+1 (0 = empty), power-of-two size
	vals     []int32    // slot of keys[i]
	postings int64

	stageCap      int // 0 = defaultStage
	stSlot, stDoc []uint32
	stImp         []uint8
	sortDoc       []uint32 // drain's scratch: the stage ordered by slot
	sortImp       []uint8
	start         []int32 // drain's scratch: run starts by slot
	drains        int     // drains that moved postings (tests)
}

// defaultStage is how many postings the writer stages before a drain
// (about 14 MB with the drain's scratch).
const defaultStage = 1 << 20

// lowIDs bounds the ids that get slots from a table (the 30,522 WordPiece
// ids fit: 128 KB per builder).
const lowIDs = 1 << 15

// slot returns term t's slot, giving it one on first sight.
func (w *invWriter) slot(t uint32) int {
	if t < lowIDs {
		if w.low == nil {
			w.low = make([]int32, lowIDs)
		}
		if s := w.low[t]; s > 0 {
			return int(s - 1)
		}
		w.low[t] = int32(w.newList(t) + 1)
		return int(w.low[t] - 1)
	}
	if 2*(len(w.terms)+1) > len(w.keys) {
		w.grow()
	}
	mask := uint32(len(w.keys) - 1)
	for i := hashID(t) & mask; ; i = (i + 1) & mask {
		switch w.keys[i] {
		case t + 1:
			return int(w.vals[i])
		case 0:
			s := w.newList(t)
			w.keys[i], w.vals[i] = t+1, int32(s)
			return s
		}
	}
}

func hashID(t uint32) uint32 { return (t * 0x9E3779B1) >> 7 }

// grow doubles the hash (at most half full).
func (w *invWriter) grow() {
	keys, vals := w.keys, w.vals
	n := max(1024, 2*len(keys))
	w.keys, w.vals = make([]uint32, n), make([]int32, n)
	mask := uint32(n - 1)
	for j, k := range keys {
		if k == 0 {
			continue
		}
		i := hashID(k-1) & mask
		for w.keys[i] != 0 {
			i = (i + 1) & mask
		}
		w.keys[i], w.vals[i] = k, vals[j]
	}
}

func (w *invWriter) newList(t uint32) int {
	w.terms = append(w.terms, termList{id: t})
	return len(w.terms) - 1
}

type termList struct {
	docs  []uint32 // pending block
	imps  []uint8
	data  []byte   // finished blocks, layout as Layout.Data
	ends  []uint64 // end offset in data of each finished block
	last  []uint32 // last doc of each finished block
	bmax  []uint8  // max impact of each finished block
	base  uint32   // gap base of the pending block
	count uint32
	id    uint32 // term id
	tmax  uint8
}

// add appends posting (doc, imp) to term t. Docs must arrive in ascending
// order and at most once per term. The stage grows as postings come (a
// small segment allocates little) up to its limit, then drains.
func (w *invWriter) add(doc, t uint32, imp uint8) {
	w.stSlot = append(w.stSlot, uint32(w.slot(t)))
	w.stDoc = append(w.stDoc, doc)
	w.stImp = append(w.stImp, imp)
	w.postings++
	if len(w.stSlot) >= w.stageLimit() {
		w.drain()
	}
}

// reserve sizes the stage for n postings to come (at most a stage's worth).
func (w *invWriter) reserve(n int) {
	n = min(n, w.stageLimit())
	if cap(w.stSlot)-len(w.stSlot) < n {
		k := len(w.stSlot) + n
		w.stSlot = append(make([]uint32, 0, k), w.stSlot...)
		w.stDoc = append(make([]uint32, 0, k), w.stDoc...)
		w.stImp = append(make([]uint8, 0, k), w.stImp...)
	}
}

func (w *invWriter) stageLimit() int {
	if w.stageCap > 0 {
		return w.stageCap
	}
	return defaultStage
}

// drain moves the staged postings to their terms: a stable counting sort
// by slot keeps each term's docs ascending.
func (w *invWriter) drain() {
	n := len(w.stSlot)
	if n == 0 {
		return
	}
	w.drains++
	nt := len(w.terms)
	if cap(w.start) < nt+1 {
		w.start = make([]int32, nt+1, 2*nt+1)
	}
	start := w.start[:nt+1]
	clear(start)
	for _, s := range w.stSlot {
		start[s+1]++
	}
	for s := range nt {
		start[s+1] += start[s]
	}
	if cap(w.sortDoc) < n {
		w.sortDoc, w.sortImp = make([]uint32, n), make([]uint8, n)
	}
	sd, si := w.sortDoc[:n], w.sortImp[:n]
	for i, s := range w.stSlot {
		p := start[s]
		start[s]++
		sd[p], si[p] = w.stDoc[i], w.stImp[i]
	}
	// start[s] is now the end of slot s's run (the start of s+1's)
	lo := int32(0)
	for s := range nt {
		hi := start[s]
		if hi > lo {
			w.terms[s].append(sd[lo:hi], si[lo:hi], w.bs)
		}
		lo = hi
	}
	w.stSlot, w.stDoc, w.stImp = w.stSlot[:0], w.stDoc[:0], w.stImp[:0]
}

// append adds a run of the term's postings (docs ascending, after its
// previous ones), flushing each block as it fills.
func (tl *termList) append(docs []uint32, imps []uint8, bs int) {
	if tl.docs == nil {
		// Small at first: most terms of a large vocabulary are rare.
		n := min(bs, max(8, len(docs)))
		tl.docs = make([]uint32, 0, n)
		tl.imps = make([]uint8, 0, n)
	}
	tl.count += uint32(len(docs))
	for len(docs) > 0 {
		k := min(bs-len(tl.docs), len(docs))
		tl.docs = append(tl.docs, docs[:k]...)
		tl.imps = append(tl.imps, imps[:k]...)
		docs, imps = docs[k:], imps[k:]
		if len(tl.docs) == bs {
			tl.flush()
		}
	}
}

func (tl *termList) flush() {
	n := len(tl.docs)
	if n == 0 {
		return
	}
	var m uint8
	for _, q := range tl.imps {
		m = max(m, q)
	}
	tl.data = packDeltas(tl.data, tl.docs, tl.base)
	tl.data = append(tl.data, tl.imps...)
	tl.ends = append(tl.ends, uint64(len(tl.data)))
	tl.last = append(tl.last, tl.docs[n-1])
	tl.bmax = append(tl.bmax, m)
	tl.tmax = max(tl.tmax, m)
	tl.base = tl.docs[n-1] + 1
	tl.docs, tl.imps = tl.docs[:0], tl.imps[:0]
}

// idOrder returns the slots in ascending term id: the table's ids by a
// scan of it, then the hashed (larger) ids sorted. Sorting the termLists
// themselves moved ~150-byte structs (a sixth of a small segment's build).
func (w *invWriter) idOrder() []int32 {
	order := make([]int32, 0, len(w.terms))
	for _, s := range w.low {
		if s > 0 {
			order = append(order, s-1)
		}
	}
	nlow := len(order)
	for i, k := range w.keys {
		if k != 0 {
			order = append(order, w.vals[i])
		}
	}
	high := order[nlow:]
	slices.SortFunc(high, func(a, b int32) int { return cmp.Compare(w.terms[a].id, w.terms[b].id) })
	return order
}

// finish lays the inverted index out in l (its terms in ascending id
// order) and releases the writer's buffers.
func (w *invWriter) finish(l *Layout) error {
	w.drain()
	w.stSlot, w.stDoc, w.stImp, w.sortDoc, w.sortImp, w.start = nil, nil, nil, nil, nil, nil
	order := w.idOrder()
	w.low, w.keys, w.vals = nil, nil, nil
	nt := len(w.terms)
	l.NumTerms = nt
	l.Postings = w.postings
	l.Terms = make([]uint32, nt)
	var nblk int
	var size uint64
	for t := 0; t < nt; t++ {
		tl := &w.terms[order[t]]
		l.Terms[t] = tl.id
		tl.flush()
		tl.docs, tl.imps = nil, nil
		nblk += len(tl.last)
		size += uint64(len(tl.data))
	}
	if uint64(int(size)) != size || nblk > 1<<32-1 {
		return fmt.Errorf("segment: inverted index of %d bytes / %d blocks too large", size, nblk)
	}
	l.TermCount = make([]uint32, nt)
	l.TermMax = make([]uint8, nt)
	l.TermBlk = make([]uint32, nt+1)
	l.BlkLast = make([]uint32, 0, nblk)
	l.BlkMax = make([]uint8, 0, nblk)
	l.BlkOff = make([]uint64, 1, nblk+1)
	l.Data = make([]byte, 0, size+8)
	l.TermTop = make([]uint8, nt*len(TopRanks))
	var hist [256]uint32
	for t := 0; t < nt; t++ {
		tl := &w.terms[order[t]]
		off := uint64(len(l.Data))
		l.Data = append(l.Data, tl.data...)
		if tl.count >= uint32(TopRanks[0]) {
			// Each block's impacts are its last n bytes.
			clear(hist[:])
			left := tl.count
			for _, e := range tl.ends {
				n := uint64(min(left, uint32(w.bs)))
				for _, q := range tl.data[e-n : e] {
					hist[q]++
				}
				left -= uint32(n)
			}
			topImpacts(&hist, l.TermTop[t*len(TopRanks):(t+1)*len(TopRanks)])
		}
		for _, e := range tl.ends {
			l.BlkOff = append(l.BlkOff, off+e)
		}
		l.BlkLast = append(l.BlkLast, tl.last...)
		l.BlkMax = append(l.BlkMax, tl.bmax...)
		l.TermCount[t] = tl.count
		l.TermMax[t] = tl.tmax
		l.TermBlk[t+1] = uint32(len(l.BlkLast))
		*tl = termList{} // let the term's buffers go while the rest is copied
	}
	w.terms = nil
	l.Data = append(l.Data, make([]byte, 8)...)
	l.buildDir()
	l.deriveDense()
	return nil
}

// termPostings calls fn for every posting of term t in doc order.
func (l *Layout) termPostings(t int, fn func(d uint32, imp uint8)) {
	var docs [MaxBlockSize]uint32
	base := uint32(0)
	for i := int(l.TermBlk[t]); i < int(l.TermBlk[t+1]); i++ {
		n := l.TermBlockLen(t, i)
		imps := l.DecodeDocs(i, n, base, docs[:])
		for k := 0; k < n; k++ {
			fn(docs[k], imps[k])
		}
		base = docs[n-1] + 1
	}
}

// bmpChunkDocs is how many docs' forward entries buildBMP fills at a time
// (about 5 MB of them at 150 postings per doc).
const bmpChunkDocs = 1 << 15

// buildBMP derives the Block-Max Pruning structures (range maxima and the
// block-wise forward index) from the inverted index, filling the forward
// index chunkDocs docs at a time (any chunk size gives the same bytes).
func (l *Layout) buildBMP(chunkDocs int) {
	rb := uint(l.RangeBits)
	nr := (l.NumDocs + 1<<rb - 1) >> rb
	pairsPerTerm := l.allocBMP(rb, nr)
	l.scatterBMP(chunkDocs, rb, nr, pairsPerTerm)
	l.HasBMP = true
}

// allocBMP counts each range's (term, range) pairs and postings and sizes
// the forward and upper-bound arrays; it returns each term's pair count.
func (l *Layout) allocBMP(rb uint, nr int) []uint64 {
	numTerms := l.NumTerms
	pairsPerRange := make([]uint64, nr+1)
	pairsPerTerm := make([]uint64, numTerms)
	l.FwdEnt = make([]uint64, nr+1)
	for t := 0; t < numTerms; t++ {
		last := -1
		l.termPostings(t, func(d uint32, _ uint8) {
			r := int(d >> rb)
			l.FwdEnt[r+1]++
			if r != last {
				pairsPerRange[r+1]++
				pairsPerTerm[t]++
				last = r
			}
		})
	}
	for r := 0; r < nr; r++ {
		pairsPerRange[r+1] += pairsPerRange[r]
		l.FwdEnt[r+1] += l.FwdEnt[r]
	}
	totalPairs := pairsPerRange[nr]
	l.FwdPair = pairsPerRange
	l.FwdTerm = make([]uint32, totalPairs)
	l.FwdEntRel = make([]uint32, totalPairs)
	l.FwdDoc = make([]uint8, l.Postings)
	l.FwdImp = make([]uint8, l.Postings)
	l.UBOff = make([]uint64, numTerms+1)
	l.UBBlkOff = make([]uint64, numTerms+1)
	for t := 0; t < numTerms; t++ {
		dense := pairsPerTerm[t]*5 >= uint64(nr)
		if dense {
			l.UBOff[t+1] = l.UBOff[t] + uint64(nr)
			l.UBBlkOff[t+1] = l.UBBlkOff[t]
		} else {
			l.UBOff[t+1] = l.UBOff[t] + pairsPerTerm[t]
			l.UBBlkOff[t+1] = l.UBBlkOff[t] + pairsPerTerm[t]
		}
	}
	l.UBMax = make([]uint8, l.UBOff[numTerms])
	l.UBBlk = make([]uint32, l.UBBlkOff[numTerms])
	return pairsPerTerm
}

// scatterBMP fills the arrays allocBMP sized.
func (l *Layout) scatterBMP(chunkDocs int, rb uint, nr int, pairsPerTerm []uint64) {
	numTerms, numDocs := l.NumTerms, l.NumDocs
	pairFill := make([]uint64, nr)
	copy(pairFill, l.FwdPair[:nr])
	entFill := make([]uint64, nr)
	copy(entFill, l.FwdEnt[:nr])
	// Second pass: scatter every posting into its range. The ranges are
	// filled in chunks of chunkDocs docs, every term resuming where
	// the previous chunk stopped, so that the scattered writes of a chunk
	// stay within a few MB of the forward arrays (cache-resident) instead
	// of striding over all of them for each term.
	var (
		docs [MaxBlockSize]uint32
		imps []uint8
	)
	nextBlk := make([]int32, numTerms)  // block at the term's cursor
	nextPos := make([]uint16, numTerms) // position in that block
	nextDoc := make([]uint32, numTerms) // doc at the cursor; NoMore-like ^0 when done
	lastR := make([]int32, numTerms)    // range of the term's latest posting
	kk := make([]int32, numTerms)       // index of the term's latest pair
	for t := 0; t < numTerms; t++ {
		nextBlk[t] = int32(l.TermBlk[t])
		nextDoc[t] = ^uint32(0)
		if l.TermBlk[t+1] > l.TermBlk[t] {
			nextDoc[t] = 0 // unknown: decode on first visit
		}
		lastR[t], kk[t] = -1, -1
	}
	chunk := max(1, chunkDocs>>rb) << rb
	for c0 := 0; c0 < numDocs; c0 += chunk {
		end := uint32(min(c0+chunk, numDocs))
		for t := 0; t < numTerms; t++ {
			if nextDoc[t] >= end {
				continue
			}
			dense := l.UBBlkOff[t+1] == l.UBBlkOff[t] && pairsPerTerm[t] > 0
			ub := l.UBMax[l.UBOff[t]:l.UBOff[t+1]]
			ubb := l.UBBlk[l.UBBlkOff[t]:l.UBBlkOff[t+1]]
			b, b1 := int(nextBlk[t]), int(l.TermBlk[t+1])
			i := int(nextPos[t])
			last, k := int(lastR[t]), int(kk[t])
			for b < b1 {
				base := uint32(0)
				if b > int(l.TermBlk[t]) {
					base = l.BlkLast[b-1] + 1
				}
				n := l.TermBlockLen(t, b)
				imps = l.DecodeDocs(b, n, base, docs[:])
				for ; i < n; i++ {
					d := docs[i]
					if d >= end {
						break
					}
					r := int(d >> rb)
					imp := imps[i]
					if r != last {
						last = r
						k++
						pj := pairFill[r]
						pairFill[r]++
						l.FwdTerm[pj] = uint32(t)
						l.FwdEntRel[pj] = uint32(entFill[r] - l.FwdEnt[r])
						if !dense {
							ubb[k] = uint32(r)
						}
					}
					e := entFill[r]
					entFill[r]++
					l.FwdDoc[e] = uint8(d & (1<<rb - 1))
					l.FwdImp[e] = imp
					if dense {
						ub[r] = max(ub[r], imp)
					} else {
						ub[k] = max(ub[k], imp)
					}
				}
				if i < n {
					nextDoc[t] = docs[i]
					break
				}
				b++
				i = 0
			}
			if b >= b1 {
				nextDoc[t] = ^uint32(0)
			}
			nextBlk[t], nextPos[t] = int32(b), uint16(i)
			lastR[t], kk[t] = int32(last), int32(k)
		}
	}
}
