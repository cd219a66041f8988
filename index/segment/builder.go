package segment

import (
	"fmt"
	"math"

	"github.com/sparrow-search/sparrow/sparse"
)

// Builder collects document vectors and builds a Segment. It is not safe for
// concurrent use.
//
// With a fixed Options.Scale, Add quantises and inverts at once into
// per-term packed blocks (about 2.1 bytes per posting resident, nothing per
// document); with Scale 0 it keeps ids and float weights (8 bytes per
// posting) until Build knows the largest weight.
type Builder struct {
	opts    Options
	numDocs int
	inv     invWriter
	// Scale == 0 only: per-doc terms and weights until Build.
	docStart []uint64 // len docs+1, into terms
	terms    []uint32
	weights  []float32
	maxW     float32
	err      error
	// bmpChunk overrides bmpChunkDocs (tests); 0 = default.
	bmpChunk int
}

// NewBuilder returns an empty builder.
func NewBuilder(opts Options) *Builder {
	opts = opts.withDefaults()
	return &Builder{opts: opts, docStart: []uint64{0}, inv: invWriter{bs: max(1, min(opts.BlockSize, MaxBlockSize))}}
}

// Add appends a document and returns its local id (0, 1, 2, ...). IDs must be
// strictly ascending and non-negative and weights finite; entries with
// weight <= 0 are dropped. A malformed vector makes Build fail.
func (b *Builder) Add(v sparse.Vector) uint32 {
	doc := uint32(b.numDocs)
	b.numDocs++
	if b.err == nil {
		if len(v.IDs) != len(v.Weights) {
			b.err = fmt.Errorf("segment: doc %d: %d ids but %d weights", doc, len(v.IDs), len(v.Weights))
		}
	}
	stream := b.opts.Scale > 0
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
		if stream {
			b.inv.add(doc, uint32(id), quantise(w, b.opts.Scale))
			continue
		}
		b.terms = append(b.terms, uint32(id))
		b.weights = append(b.weights, w)
		if w > b.maxW {
			b.maxW = w
		}
	}
	if !stream {
		b.docStart = append(b.docStart, uint64(len(b.terms)))
	}
	return doc
}

// NumDocs is the number of documents added so far.
func (b *Builder) NumDocs() int { return b.numDocs }

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
	numDocs := b.numDocs
	if numDocs > MaxDocs {
		return nil, fmt.Errorf("segment: %d documents exceed the %d a segment holds (uint32 doc ids)", numDocs, MaxDocs)
	}
	o := b.opts
	if o.BlockSize > MaxBlockSize {
		return nil, fmt.Errorf("segment: BlockSize %d exceeds %d", o.BlockSize, MaxBlockSize)
	}
	if o.RangeBits > 8 {
		return nil, fmt.Errorf("segment: RangeBits %d exceeds 8", o.RangeBits)
	}
	if math.IsNaN(float64(o.Scale)) || math.IsInf(float64(o.Scale), 0) {
		return nil, fmt.Errorf("segment: Scale %v is not a finite number", o.Scale)
	}
	scale := o.Scale
	if scale <= 0 {
		scale = robustScale(b.weights, b.maxW)
		b.inv.reserve(len(b.terms))
		for d := 0; d < numDocs; d++ {
			for p := b.docStart[d]; p < b.docStart[d+1]; p++ {
				b.inv.add(uint32(d), b.terms[p], quantise(b.weights[p], scale))
			}
		}
		b.terms, b.weights, b.docStart = nil, nil, nil
	}
	l := Layout{NumDocs: numDocs, Scale: scale, BlockSize: o.BlockSize, RangeBits: o.RangeBits}
	if err := b.inv.finish(&l); err != nil {
		return nil, err
	}
	if o.BMP {
		chunk := bmpChunkDocs
		if b.bmpChunk > 0 {
			chunk = b.bmpChunk
		}
		l.buildBMP(chunk)
	}
	return &Segment{l: l}, nil
}

// robustScale derives the quantisation step from the weights: the largest
// weight over 255 levels, not counting outliers, weights more than twice
// the r-th largest (r = max(16, postings/8192)), which clamp to impact
// 255. So one absurd weight (a document with {"the": 1e4} merged into a
// clean segment) changes no other document's impacts: it neither
// flattens them (max/255 would round them all to 1) nor defeats pruning.
func robustScale(weights []float32, maxW float32) float32 {
	if !(maxW > 0) {
		return 1
	}
	// Weights by their top 16 bits (sign, exponent, 7 mantissa bits):
	// non-negative floats order like their bits.
	var hist [1 << 15]uint32
	for _, w := range weights {
		if w > 0 {
			hist[math.Float32bits(w)>>16]++
		}
	}
	r := uint64(max(16, len(weights)>>13))
	var seen uint64
	for k := len(hist) - 1; k >= 0; k-- {
		if seen += uint64(hist[k]); seen < r {
			continue
		}
		// The r-th largest is at least this bucket's lower bound.
		limit := 2 * math.Float32frombits(uint32(k)<<16)
		if maxW <= limit || !(limit > 0) {
			break
		}
		var m float32
		for _, w := range weights {
			if w <= limit {
				m = max(m, w)
			}
		}
		return m / 255
	}
	return maxW / 255
}
