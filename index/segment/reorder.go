package segment

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// DocTerms is a document-term graph in compressed-row form: document i
// holds the terms Terms[Start[i]:Start[i+1]]. It is the input of
// ReorderBP; weights do not matter to the order.
type DocTerms struct {
	Start []uint64
	Terms []uint32
	// NumTerms bounds the term numbers (all < NumTerms).
	NumTerms int
	// dense numbers term ids 0, 1, ... as AppendDocTerms meets them, so
	// that ReorderBP's per-term scratch follows the terms present, not the
	// largest id.
	dense map[uint32]uint32
}

// NumDocs is the number of documents.
func (g *DocTerms) NumDocs() int { return max(0, len(g.Start)-1) }

// AppendDocTerms appends the segment's documents that are in live (all
// when nil), in local id order, to g, read from the inverted lists (so
// it works without the forward index), and returns their local ids. Terms
// held by a single document of the segment are left out: they cannot
// bring two documents together.
func (s *Segment) AppendDocTerms(g *DocTerms, live *roaring.Bitmap) []uint32 {
	l := &s.l
	// Local doc -> index in g (or -1), and per-doc term counts.
	idx := make([]int32, l.NumDocs)
	var locals []uint32
	if len(g.Start) == 0 {
		g.Start = append(g.Start, 0)
	}
	for d := 0; d < l.NumDocs; d++ {
		idx[d] = -1
		if live == nil || live.Contains(uint32(d)) {
			idx[d] = int32(len(locals))
			locals = append(locals, uint32(d))
		}
	}
	counts := make([]uint64, len(locals)+1)
	if g.dense == nil {
		g.dense = map[uint32]uint32{}
	}
	num := make([]uint32, l.NumTerms) // local term -> number in g
	for t := 0; t < l.NumTerms; t++ {
		if l.TermCount[t] < 2 {
			continue
		}
		n, ok := g.dense[l.Terms[t]]
		if !ok {
			n = uint32(len(g.dense))
			g.dense[l.Terms[t]] = n
		}
		num[t] = n
		l.termPostings(t, func(d uint32, _ uint8) {
			if i := idx[d]; i >= 0 {
				counts[i+1]++
			}
		})
	}
	base := g.Start[len(g.Start)-1]
	for i := range locals {
		counts[i+1] += counts[i]
		g.Start = append(g.Start, base+counts[i+1])
	}
	g.Terms = slices.Grow(g.Terms, int(counts[len(locals)]))[:base+counts[len(locals)]]
	fill := counts[:len(locals)]
	for t := 0; t < l.NumTerms; t++ {
		if l.TermCount[t] < 2 {
			continue
		}
		l.termPostings(t, func(d uint32, _ uint8) {
			if i := idx[d]; i >= 0 {
				g.Terms[base+fill[i]] = num[t]
				fill[i]++
			}
		})
	}
	g.NumTerms = max(g.NumTerms, len(g.dense))
	return locals
}

// DocRef is document Doc (a local id) of the View-th of several views.
type DocRef struct {
	View int
	Doc  uint32
}

// MergeOrder returns the live documents of views (all of a view whose
// Live is nil) in the order a merge should write them into new segments:
// view by view in local id order, or, when o.Reorder is set, in one BP
// order over all of them (ReorderBP on the doc-term graph read from the
// inverted lists; see Options.Reorder for its cost).
func MergeOrder(views []View, o Options) []DocRef {
	var refs []DocRef
	if !o.Reorder {
		for v, view := range views {
			if view.Segment == nil {
				continue
			}
			for d := range uint32(view.Segment.NumDocs()) {
				if view.Live == nil || view.Live.Contains(d) {
					refs = append(refs, DocRef{v, d})
				}
			}
		}
		return refs
	}
	var g DocTerms
	for v, view := range views {
		if view.Segment == nil {
			continue
		}
		for _, d := range view.Segment.AppendDocTerms(&g, view.Live) {
			refs = append(refs, DocRef{v, d})
		}
	}
	order := ReorderBP(&g, BPOptions{})
	out := make([]DocRef, len(order))
	for i, j := range order {
		out[i] = refs[j]
	}
	return out
}

// BPOptions configures ReorderBP. The zero value gives the defaults.
type BPOptions struct {
	// Iterations is the most swap rounds per bisection; 0 = 12 (the
	// gains flatten after about ten on the benchmark's corpora).
	Iterations int
	// MinDocs stops the recursion at partitions of this many documents;
	// 0 = 64 (below a posting block's span the order hardly matters).
	MinDocs int
	// Workers bisects that many partitions at once; 0 = GOMAXPROCS.
	Workers int
}

// ReorderBP returns a document order for g computed by recursive graph
// bisection (BP; Dhulipala et al., KDD 2016, as in PISA and the learned
// sparse retrieval literature): documents sharing terms end up close
// together, so that posting-list gaps shrink (fewer bits per posting) and
// a doc-id range's block maxima describe a coherent group of documents
// (pruning can skip whole ranges). order[i] is the index in g of the
// document that becomes the i-th. The cost is about Iterations x log2(N /
// MinDocs) passes over g's postings; the result depends only on g and o.
func ReorderBP(g *DocTerms, o BPOptions) []uint32 {
	if o.Iterations <= 0 {
		o.Iterations = 12
	}
	if o.MinDocs <= 0 {
		o.MinDocs = 64
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	n := g.NumDocs()
	order := make([]uint32, n)
	for i := range order {
		order[i] = uint32(i)
	}
	b := &bisector{g: g, o: o, sem: make(chan struct{}, o.Workers), log2: make([]float32, n+3)}
	for i := 1; i < len(b.log2); i++ {
		b.log2[i] = float32(math.Log2(float64(i)))
	}
	b.pool.New = func() any { return newBPScratch(g.NumTerms) }
	b.bisect(order, 0)
	b.wg.Wait()
	return order
}

type bisector struct {
	log2 []float32 // log2(i), i <= docs+2
	g    *DocTerms
	o    BPOptions
	sem  chan struct{}
	wg   sync.WaitGroup
	pool sync.Pool
}

// bpScratch is one worker's per-term state, reset through the term lists.
type bpScratch struct {
	degL, degR []int32
	gainL      []float32 // gain of moving a doc holding the term left -> right
	gainR      []float32
	terms      []uint32 // terms present in the partition
	gl, gr     []docGain
	start      []uint32 // the partition's rows, copied
	rows       []uint32
	side       []bool // row i is in the second half
	ids        []uint32
}

// A docGain is a document's move gain and its index in its part, as one
// key that sorts (ascending) by gain descending, then index ascending.
type docGain uint64

func newDocGain(gain float32, pos uint32) docGain {
	// Float bits made order-preserving as unsigned, then inverted: larger
	// gains give smaller keys.
	b := math.Float32bits(gain)
	if b>>31 != 0 {
		b = ^b
	} else {
		b |= 1 << 31
	}
	return docGain(uint64(^b)<<32 | uint64(pos))
}

func (d docGain) gain() float32 {
	b := ^uint32(d >> 32)
	if b>>31 != 0 {
		b &^= 1 << 31
	} else {
		b = ^b
	}
	return math.Float32frombits(b)
}

func (d docGain) pos() uint32 { return uint32(d) }

func newBPScratch(numTerms int) *bpScratch {
	return &bpScratch{degL: make([]int32, numTerms), degR: make([]int32, numTerms),
		gainL: make([]float32, numTerms), gainR: make([]float32, numTerms)}
}

// bisect orders docs in place: it splits them in two halves, swaps
// documents between the halves while that lowers the estimated cost of
// the posting gaps, and recurses into both halves (the first on a new
// goroutine when a worker is free).
func (b *bisector) bisect(docs []uint32, depth int) {
	if len(docs) <= b.o.MinDocs {
		return
	}
	sc := b.pool.Get().(*bpScratch)
	b.partition(sc, docs, depth)
	b.pool.Put(sc)
	half := len(docs) / 2
	select {
	case b.sem <- struct{}{}:
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.bisect(docs[:half], depth+1)
			<-b.sem
		}()
	default:
		b.bisect(docs[:half], depth+1)
	}
	b.bisect(docs[half:], depth+1)
}

// partition runs the swap rounds of one bisection. The partition's rows
// are first copied in docs' order, so that every round reads them
// sequentially (random rows of a large graph would miss the caches on
// every document); a side per row says which half holds it.
func (b *bisector) partition(sc *bpScratch, docs []uint32, depth int) {
	g := b.g
	half := len(docs) / 2
	start, rows := sc.start[:0], sc.rows[:0]
	start = append(start, 0)
	for _, d := range docs {
		rows = append(rows, g.Terms[g.Start[d]:g.Start[d+1]]...)
		start = append(start, uint32(len(rows)))
	}
	sc.start, sc.rows = start, rows
	side := slices.Grow(sc.side[:0], len(docs))[:len(docs)]
	sc.side = side
	terms := sc.terms[:0]
	for i := range docs {
		deg := sc.degL
		side[i] = i >= half
		if side[i] {
			deg = sc.degR
		}
		for _, t := range rows[start[i]:start[i+1]] {
			if sc.degL[t] == 0 && sc.degR[t] == 0 {
				terms = append(terms, t)
			}
			deg[t]++
		}
	}
	nL, nR := half, len(docs)-half
	// Fewer rounds deeper down, where partitions are small and already
	// coherent (as PISA's implementation does).
	iters := max(1, b.o.Iterations-depth/2)
	for range iters {
		for _, t := range terms {
			a, c := int(sc.degL[t]), int(sc.degR[t])
			sc.gainL[t] = b.moveGain(a, nL, c, nR)
			sc.gainR[t] = b.moveGain(c, nR, a, nL)
		}
		gl, gr := sc.gl[:0], sc.gr[:0]
		for i := range docs {
			gain, rowTerms := sc.gainL, rows[start[i]:start[i+1]]
			if side[i] {
				gain = sc.gainR
			}
			var s float32
			for _, t := range rowTerms {
				s += gain[t]
			}
			if side[i] {
				gr = append(gr, newDocGain(s, uint32(i)))
			} else {
				gl = append(gl, newDocGain(s, uint32(i)))
			}
		}
		slices.Sort(gl)
		slices.Sort(gr)
		sc.gl, sc.gr = gl, gr
		swapped := 0
		for i := 0; i < len(gl) && i < len(gr) && gl[i].gain()+gr[i].gain() > 0; i++ {
			l, r := gl[i].pos(), gr[i].pos()
			for _, t := range rows[start[l]:start[l+1]] {
				sc.degL[t]--
				sc.degR[t]++
			}
			for _, t := range rows[start[r]:start[r+1]] {
				sc.degR[t]--
				sc.degL[t]++
			}
			side[l], side[r] = true, false
			swapped++
		}
		// Stop when a round moves (almost) nothing.
		if swapped*1000 <= len(docs) {
			break
		}
	}
	for _, t := range terms {
		sc.degL[t], sc.degR[t] = 0, 0
	}
	sc.terms = terms[:0]
	// The halves in row order (stable: the input order breaks ties).
	ids := slices.Grow(sc.ids[:0], len(docs))
	for i, d := range docs {
		if !side[i] {
			ids = append(ids, d)
		}
	}
	for i, d := range docs {
		if side[i] {
			ids = append(ids, d)
		}
	}
	copy(docs, ids)
	sc.ids = ids[:0]
}

// moveGain is the drop in the log-gap cost of a term with degree a in a
// part of n docs and c in the other (of m docs) when one of its docs moves
// from the first part to the second: the cost of d docs among n is
// d*log2(n/(d+1)).
func (b *bisector) moveGain(a, n, c, m int) float32 {
	if a == 0 {
		return 0 // no doc of the first part holds the term
	}
	lg := b.log2
	before := float32(a)*(lg[n]-lg[a+1]) + float32(c)*(lg[m]-lg[c+1])
	after := float32(a-1)*(lg[n]-lg[a]) + float32(c+1)*(lg[m]-lg[c+2])
	return before - after
}
