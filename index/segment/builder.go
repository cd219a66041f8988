package segment

import (
	"fmt"
	"math"

	"github.com/sparrow-search/sparrow/encoder"
)

// Builder collects document vectors and builds a Segment. It is not safe for
// concurrent use.
type Builder struct {
	opts     Options
	docStart []uint64 // len docs+1, into terms
	terms    []uint32
	weights  []float32 // when opts.Scale == 0
	imps     []uint8   // when opts.Scale > 0
	maxW     float32
	maxTerm  int64
	err      error
}

// NewBuilder returns an empty builder.
func NewBuilder(opts Options) *Builder {
	return &Builder{opts: opts.withDefaults(), docStart: []uint64{0}, maxTerm: -1}
}

// Add appends a document and returns its local id (0, 1, 2, ...). IDs must be
// strictly ascending and non-negative and weights finite; entries with
// weight <= 0 are dropped. A malformed vector makes Build fail.
func (b *Builder) Add(v encoder.SparseVector) uint32 {
	doc := uint32(len(b.docStart) - 1)
	if b.err == nil {
		if len(v.IDs) != len(v.Weights) {
			b.err = fmt.Errorf("segment: doc %d: %d ids but %d weights", doc, len(v.IDs), len(v.Weights))
		}
	}
	prev := int64(-1)
	for i, id := range v.IDs {
		if i >= len(v.Weights) {
			break
		}
		w := v.Weights[i]
		if b.err == nil {
			switch {
			case id < 0:
				b.err = fmt.Errorf("segment: doc %d: negative term id %d", doc, id)
			case int64(id) <= prev:
				b.err = fmt.Errorf("segment: doc %d: term ids not strictly ascending at index %d (%d after %d)", doc, i, id, prev)
			case math.IsNaN(float64(w)) || math.IsInf(float64(w), 0):
				b.err = fmt.Errorf("segment: doc %d: term %d has non-finite weight %v", doc, id, w)
			}
		}
		prev = int64(id)
		if !(w > 0) || b.err != nil {
			continue
		}
		b.terms = append(b.terms, uint32(id))
		if b.opts.Scale > 0 {
			b.imps = append(b.imps, quantise(w, b.opts.Scale))
		} else {
			b.weights = append(b.weights, w)
		}
		if w > b.maxW && !math.IsInf(float64(w), 0) {
			b.maxW = w
		}
		if int64(id) > b.maxTerm {
			b.maxTerm = int64(id)
		}
	}
	b.docStart = append(b.docStart, uint64(len(b.terms)))
	return doc
}

// NumDocs is the number of documents added so far.
func (b *Builder) NumDocs() int { return len(b.docStart) - 1 }

func quantise(w, scale float32) uint8 {
	q := math.Round(float64(w) / float64(scale))
	if q < 1 {
		return 1
	}
	if q > 255 {
		return 255
	}
	return uint8(q)
}

// Build quantises and lays out the segment. The builder must not be used
// afterwards.
func (b *Builder) Build() (*Segment, error) {
	if b.err != nil {
		return nil, b.err
	}
	numDocs := len(b.docStart) - 1
	if numDocs > math.MaxUint32 {
		return nil, fmt.Errorf("segment: %d documents exceed the uint32 doc-id space", numDocs)
	}
	o := b.opts
	if o.BlockSize > MaxBlockSize {
		return nil, fmt.Errorf("segment: BlockSize %d exceeds %d", o.BlockSize, MaxBlockSize)
	}
	if o.RangeBits > 8 {
		return nil, fmt.Errorf("segment: RangeBits %d exceeds 8", o.RangeBits)
	}
	scale := o.Scale
	imps := b.imps
	if scale <= 0 {
		scale = b.maxW / 255
		if !(scale > 0) {
			scale = 1
		}
		imps = make([]uint8, len(b.weights))
		for i, w := range b.weights {
			imps[i] = quantise(w, scale)
		}
		b.weights = nil
	}
	numTerms := int(b.maxTerm + 1)
	P := len(b.terms)
	l := Layout{
		NumDocs: numDocs, NumTerms: numTerms, Postings: int64(P), Scale: scale,
		BlockSize: o.BlockSize, RangeBits: o.RangeBits,
	}

	// Invert by counting sort: docs are visited in order, so each term's
	// list comes out ascending.
	l.TermCount = make([]uint32, numTerms)
	for _, t := range b.terms {
		l.TermCount[t]++
	}
	start := make([]uint64, numTerms+1)
	for t := 0; t < numTerms; t++ {
		start[t+1] = start[t] + uint64(l.TermCount[t])
	}
	invDocs := make([]uint32, P)
	invImps := make([]uint8, P)
	fill := make([]uint64, numTerms)
	copy(fill, start[:numTerms])
	for d := 0; d < numDocs; d++ {
		for p := b.docStart[d]; p < b.docStart[d+1]; p++ {
			t := b.terms[p]
			invDocs[fill[t]] = uint32(d)
			invImps[fill[t]] = imps[p]
			fill[t]++
		}
	}
	fill = nil
	b.terms, b.imps, imps, b.docStart = nil, nil, nil, nil

	// Inverted blocks.
	bs := o.BlockSize
	nblk := 0
	for t := 0; t < numTerms; t++ {
		nblk += (int(l.TermCount[t]) + bs - 1) / bs
	}
	l.TermMax = make([]uint8, numTerms)
	l.TermBlk = make([]uint32, numTerms+1)
	l.BlkLast = make([]uint32, 0, nblk)
	l.BlkMax = make([]uint8, 0, nblk)
	l.BlkOff = make([]uint64, 1, nblk+1)
	l.Data = make([]byte, 0, P*2+nblk)
	for t := 0; t < numTerms; t++ {
		docs := invDocs[start[t]:start[t+1]]
		ims := invImps[start[t]:start[t+1]]
		base := uint32(0)
		var tmax uint8
		for i := 0; i < len(docs); i += bs {
			j := min(i+bs, len(docs))
			var m uint8
			for _, q := range ims[i:j] {
				m = max(m, q)
			}
			tmax = max(tmax, m)
			l.Data = packDeltas(l.Data, docs[i:j], base)
			l.Data = append(l.Data, ims[i:j]...)
			l.BlkOff = append(l.BlkOff, uint64(len(l.Data)))
			l.BlkLast = append(l.BlkLast, docs[j-1])
			l.BlkMax = append(l.BlkMax, m)
			base = docs[j-1] + 1
		}
		l.TermMax[t] = tmax
		l.TermBlk[t+1] = uint32(len(l.BlkLast))
	}
	l.Data = append(l.Data, make([]byte, 8)...)

	// Block-Max Pruning structures from the inverted lists.
	rb := uint(o.RangeBits)
	nr := (numDocs + 1<<rb - 1) >> rb
	pairsPerRange := make([]uint64, nr+1)
	pairsPerTerm := make([]uint64, numTerms)
	for t := 0; t < numTerms; t++ {
		last := -1
		for _, d := range invDocs[start[t]:start[t+1]] {
			if r := int(d >> rb); r != last {
				pairsPerRange[r+1]++
				pairsPerTerm[t]++
				last = r
			}
		}
	}
	for r := 0; r < nr; r++ {
		pairsPerRange[r+1] += pairsPerRange[r]
	}
	totalPairs := pairsPerRange[nr]
	l.FwdPair = pairsPerRange
	l.FwdTerm = make([]uint32, totalPairs)
	l.FwdEntRel = make([]uint32, totalPairs)
	l.FwdEnt = make([]uint64, nr+1)
	for t := 0; t < numTerms; t++ {
		for _, d := range invDocs[start[t]:start[t+1]] {
			l.FwdEnt[(d>>rb)+1]++
		}
	}
	for r := 0; r < nr; r++ {
		l.FwdEnt[r+1] += l.FwdEnt[r]
	}
	l.FwdDoc = make([]uint8, P)
	l.FwdImp = make([]uint8, P)
	pairFill := make([]uint64, nr)
	copy(pairFill, l.FwdPair[:nr])
	entFill := make([]uint64, nr)
	copy(entFill, l.FwdEnt[:nr])
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
	for t := 0; t < numTerms; t++ {
		dense := l.UBBlkOff[t+1] == l.UBBlkOff[t] && pairsPerTerm[t] > 0
		ub := l.UBMax[l.UBOff[t]:l.UBOff[t+1]]
		ubb := l.UBBlk[l.UBBlkOff[t]:l.UBBlkOff[t+1]]
		k := -1
		last := -1
		docs := invDocs[start[t]:start[t+1]]
		ims := invImps[start[t]:start[t+1]]
		for i, d := range docs {
			r := int(d >> rb)
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
			l.FwdImp[e] = ims[i]
			if dense {
				ub[r] = max(ub[r], ims[i])
			} else {
				ub[k] = max(ub[k], ims[i])
			}
		}
	}
	return &Segment{l: l}, nil
}
