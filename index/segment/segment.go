package segment

import (
	"github.com/RoaringBitmap/roaring/v2"
	"github.com/sparrow-search/sparrow/sparse"
)

// MaxBlockSize bounds Options.BlockSize so decode buffers can be fixed arrays.
const MaxBlockSize = 256

// MaxDocs bounds a segment's documents (Build and Decode refuse more). Doc
// ids are uint32; MaxDocs leaves 2^16 ids of headroom below 2^32, so that
// the end of any 2^16-aligned range of at most 2^16 doc ids that starts
// inside a segment is representable in uint32 (readers that cut the
// doc-id space into such ranges rely on it), and ^uint32(0) is never a doc.
const MaxDocs = 1<<32 - 1<<16

// Options configures a Builder. The zero value gives the defaults.
type Options struct {
	// BlockSize is the number of postings per inverted-list block: doc-id
	// deltas are bitpacked per block and each block keeps its max impact for
	// block-max pruning. Default 128; at most MaxBlockSize.
	BlockSize int
	// RangeBits sets the Block-Max Pruning range: range block r holds the doc
	// ids [r<<RangeBits, (r+1)<<RangeBits). Default 5 (32 docs); 1..8.
	RangeBits int
	// Scale is the impact quantisation step: weight w is stored as
	// q = round(w/Scale) clamped to [1, 255], so |w - q*Scale| <= Scale/2 for
	// Scale/2 <= w <= 255.5*Scale (smaller positive weights are raised to one
	// step, larger ones clamped). 0 (default) derives Scale at Build from the
	// weights: max weight/255, which bounds the error by Scale/2 for every
	// weight >= Scale/2; outliers, weights more than twice the one ranked
	// max(16, postings/8192) from the top, do not count and clamp to 255,
	// so that one absurd weight cannot flatten everyone else's impacts
	// (see robustScale).
	// The builder then keeps float weights until Build (8 bytes per
	// posting). A fixed Scale lets Add quantise at once (5 bytes per
	// posting).
	Scale float32
	// BMP builds the Block-Max Pruning structures: per-range term maxima
	// and a block-wise forward index (about 8 bytes per posting on top of
	// the inverted index's ~2, and most of the build's memory and time).
	// Only the "bmp" algorithm uses them; without them it reports an error
	// for the segment, and Vector decodes from the inverted lists instead
	// (one block per vocabulary term: fine for occasional use such as
	// explaining a hit). Default false: the default query planner does not
	// need them, and the whole index stays within ~2 bytes per posting.
	BMP bool
	// Reorder asks merges of segments (MergeOrder, called by the index's
	// compaction) to write documents in a recursive graph bisection order
	// (ReorderBP): documents that share terms get nearby ids, so posting
	// gaps shrink and a doc-id range's block maxima describe similar
	// documents, which pruning can skip together. It costs a doc-term graph
	// of 4 bytes per posting during the merge and about a minute of CPU
	// per million documents (docs/BENCHMARKS.md). Builder itself keeps the
	// order of Add. Default false.
	Reorder bool
}

func (o Options) withDefaults() Options {
	if o.BlockSize <= 0 {
		o.BlockSize = 128
	}
	if o.RangeBits <= 0 {
		o.RangeBits = 5
	}
	return o
}

// View is a segment as a snapshot sees it.
type View struct {
	Segment *Segment
	Live    *roaring.Bitmap // visible local docs; nil = all
}

// Layout is the decoded, read-only storage of a segment. It is exported for
// the scoring package; nothing may modify it.
//
// Terms: the segment's terms are numbered locally 0..NumTerms-1 in
// ascending id order, Terms[t] being local term t's id, and every per-term
// table below is indexed by local term. So a segment costs what its own
// terms do, however large the ids (word terms get ids from the index's
// dictionary, which grows with the collection's vocabulary); Lookup maps an
// id to its local term.
//
// Inverted index: term t owns blocks [TermBlk[t], TermBlk[t+1]); block i holds
// postings of one term, BlockSize of them except the term's last block. Block
// bytes Data[BlkOff[i]:BlkOff[i+1]] are: one byte bit width w, the n doc-id
// gaps (doc - previous doc - 1; the previous doc of a term's first posting is
// -1, of a block's first posting the previous block's last doc) packed w bits
// each LSB first, then n impact bytes.
//
// Block-Max Pruning: range block r covers docs [r<<RangeBits, ...).
// Per-term range maxima UBMax[UBOff[t]:UBOff[t+1]]: dense (one byte per range
// block) when UBBlk[UBBlkOff[t]:UBBlkOff[t+1]] is empty, else sparse with the
// range block ids in UBBlk. Block-wise forward index: range block r holds
// pairs [FwdPair[r], FwdPair[r+1]) with ascending FwdTerm (local terms); pair j's entries
// are [FwdEnt[r]+FwdEntRel[j], end) where end is the next pair's start or
// FwdEnt[r+1]; entry e is doc (r<<RangeBits)+FwdDoc[e] with impact FwdImp[e].
type Layout struct {
	NumDocs   int
	NumTerms  int
	Postings  int64
	Scale     float32
	BlockSize int
	RangeBits int
	HasBMP    bool // the Block-Max Pruning fields below are present (else all empty; Options.BMP)

	Terms     []uint32 // id of each local term, strictly ascending; len NumTerms
	TermCount []uint32 // postings per term
	TermMax   []uint8  // max impact per term
	// TermTop[t*len(TopRanks)+j] is the TopRanks[j]-th largest impact of
	// term t (0 when it has fewer postings): at least TopRanks[j] docs score
	// q_t*TermTop[...] or more on the term alone, a safe starting threshold
	// for top-k with k <= TopRanks[j]. Derived (Build, Decode), not stored.
	TermTop []uint8
	TermBlk []uint32 // len NumTerms+1
	BlkLast []uint32 // last doc id per block
	BlkMax  []uint8
	BlkOff  []uint64 // len blocks+1
	Data    []byte   // block bytes, followed by 8 zero bytes of padding

	UBOff    []uint64 // len NumTerms+1, into UBMax
	UBMax    []uint8
	UBBlkOff []uint64 // len NumTerms+1, into UBBlk
	UBBlk    []uint32

	FwdPair   []uint64 // len ranges+1
	FwdTerm   []uint32
	FwdEntRel []uint32
	FwdEnt    []uint64 // len ranges+1
	FwdDoc    []uint8
	FwdImp    []uint8

	// dir is Lookup's directory (derived, not stored): ids with
	// id>>dirShift == b are among Terms[dir[b]:dir[b+1]].
	dir      []uint32
	dirShift uint
	// Dense impact tables (dense.go; derived): local terms, ascending,
	// and the fewest postings of a term that has one (MaxUint32: none).
	denseTerms []int32
	denseTabs  [][]uint8
	denseMin   uint32
}

// Lookup returns the local term of term id (false when the segment does
// not hold it): one directory step and a binary search of a few entries.
func (l *Layout) Lookup(id uint32) (int, bool) {
	b := uint64(id >> l.dirShift)
	if b+1 >= uint64(len(l.dir)) {
		return 0, false
	}
	lo, hi := int(l.dir[b]), int(l.dir[b+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.Terms[m] < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < int(l.dir[b+1]) && l.Terms[lo] == id {
		return lo, true
	}
	return 0, false
}

// DocFreq is the number of postings (documents, deleted ones included) of
// term id in the segment.
func (l *Layout) DocFreq(id uint32) int {
	if t, ok := l.Lookup(id); ok {
		return int(l.TermCount[t])
	}
	return 0
}

// TermBound is one more than the largest term id the segment holds (0 when
// it holds none).
func (l *Layout) TermBound() int {
	if len(l.Terms) == 0 {
		return 0
	}
	return int(l.Terms[len(l.Terms)-1]) + 1
}

// buildDir derives Lookup's directory from Terms: the smallest shift that
// leaves at most one bucket per term (so at most 4 bytes per term), which
// keeps buckets short however the ids spread (WordPiece ids dense from 0,
// word ids sparse up to 2^31).
func (l *Layout) buildDir() {
	n := len(l.Terms)
	if n == 0 {
		l.dir, l.dirShift = nil, 0
		return
	}
	top := uint64(l.Terms[n-1])
	shift := uint(0)
	for top>>shift+1 > uint64(n) {
		shift++
	}
	nb := int(top>>shift) + 1
	dir := make([]uint32, nb+1)
	i := 0
	for b := 0; b <= nb; b++ {
		for i < n && uint64(l.Terms[i]>>shift) < uint64(b) {
			i++
		}
		dir[b] = uint32(i)
	}
	l.dir, l.dirShift = dir, shift
}

// TopRanks are the ranks whose impacts Layout.TermTop keeps per term.
var TopRanks = [...]int{10, 100, 1000}

// TermTopImpact returns the smallest rank r >= k in TopRanks and the r-th
// largest impact of local term t (0, false when no rank fits k or the term has
// fewer than r postings).
func (l *Layout) TermTopImpact(t, k int) (uint8, bool) {
	for j, r := range TopRanks {
		if r >= k {
			if len(l.TermTop) != l.NumTerms*len(TopRanks) {
				return 0, false
			}
			v := l.TermTop[t*len(TopRanks)+j]
			return v, v > 0
		}
	}
	return 0, false
}

// topImpacts fills dst[j] with the TopRanks[j]-th largest impact counted in
// hist (an impact histogram; 0 when fewer postings).
func topImpacts(hist *[256]uint32, dst []uint8) {
	j := 0
	var seen uint32
	for v := 255; v >= 1 && j < len(TopRanks); v-- {
		seen += hist[v]
		for j < len(TopRanks) && seen >= uint32(TopRanks[j]) {
			dst[j] = uint8(v)
			j++
		}
	}
}

// NumRanges is the number of BMP range blocks.
func (l *Layout) NumRanges() int { return max(0, len(l.FwdEnt)-1) }

// HasBMP reports whether the segment carries the Block-Max Pruning
// structures (see Options.BMP).
func (s *Segment) HasBMP() bool { return s.l.HasBMP }

// Segment is an immutable, searchable set of documents with local ids
// 0..NumDocs()-1. It is safe for concurrent readers.
type Segment struct {
	l Layout
}

// Layout exposes the read-only storage for the scoring package.
func (s *Segment) Layout() *Layout { return &s.l }

// NumDocs is the number of documents (local ids 0..NumDocs()-1).
func (s *Segment) NumDocs() int { return s.l.NumDocs }

// NumPostings is the number of stored (term, doc) pairs.
func (s *Segment) NumPostings() int64 { return s.l.Postings }

// Scale is the impact quantisation step: impact q means weight q*Scale.
func (s *Segment) Scale() float32 { return s.l.Scale }

// InvertedBytes is the size of the inverted index (blocks and their metadata),
// the figure comparable to other engines' bytes per posting.
func (s *Segment) InvertedBytes() int64 { return s.l.invertedBytes() }

func (l *Layout) invertedBytes() int64 {
	return int64(len(l.Data)) + int64(len(l.BlkLast))*4 + int64(len(l.BlkMax)) +
		int64(len(l.BlkOff))*8 + int64(len(l.TermCount))*4 + int64(len(l.TermMax)) + int64(len(l.TermBlk))*4 +
		int64(len(l.Terms))*4 + int64(len(l.dir))*4
}

// Bytes is the size of everything the segment holds in memory to serve
// queries: the inverted index, the BMP structures when built, and the
// derived per-term top impacts and dense impact tables.
func (s *Segment) Bytes() int64 { return s.l.bytesBesideDense() + s.l.denseBytes() }

// bytesBesideDense is Bytes less the dense impact tables.
func (l *Layout) bytesBesideDense() int64 {
	return l.invertedBytes() + l.bmpBytes() + int64(len(l.TermTop))
}

// BMPBytes is the size of the Block-Max Pruning structures (range maxima and
// the block-wise forward index, which also serves Vector).
func (s *Segment) BMPBytes() int64 { return s.l.bmpBytes() }

func (l *Layout) bmpBytes() int64 {
	return int64(len(l.UBOff))*8 + int64(len(l.UBMax)) + int64(len(l.UBBlkOff))*8 + int64(len(l.UBBlk))*4 +
		int64(len(l.FwdPair))*8 + int64(len(l.FwdTerm))*4 + int64(len(l.FwdEntRel))*4 + int64(len(l.FwdEnt))*8 +
		int64(len(l.FwdDoc)) + int64(len(l.FwdImp))
}

// Vector returns document doc's vector with dequantised weights (q*Scale),
// read from the block-wise forward index (or, without it, by probing every
// term's inverted list). Out-of-range docs give an empty vector.
func (s *Segment) Vector(doc uint32) sparse.Vector {
	l := &s.l
	var v sparse.Vector
	if int64(doc) >= int64(l.NumDocs) {
		return v
	}
	if !l.HasBMP {
		return l.invertedVector(doc)
	}
	r := int(doc >> uint(l.RangeBits))
	off := uint8(doc & (1<<uint(l.RangeBits) - 1))
	base := l.FwdEnt[r]
	p0, p1 := l.FwdPair[r], l.FwdPair[r+1]
	for j := p0; j < p1; j++ {
		e0 := base + uint64(l.FwdEntRel[j])
		e1 := l.FwdEnt[r+1]
		if j+1 < p1 {
			e1 = base + uint64(l.FwdEntRel[j+1])
		}
		for e := e0; e < e1; e++ {
			if d := l.FwdDoc[e]; d >= off {
				if d == off {
					v.IDs = append(v.IDs, int32(l.Terms[l.FwdTerm[j]]))
					v.Weights = append(v.Weights, float32(l.FwdImp[e])*l.Scale)
				}
				break
			}
		}
	}
	return v
}

// DecodeBlock decodes inverted block i, which holds n postings and whose
// first doc-id gap is relative to base (0 for a term's first block, else the
// previous block's last doc + 1), into docs[:n] and imps[:n].
func (l *Layout) DecodeBlock(i, n int, base uint32, docs []uint32, imps []uint8) {
	copy(imps[:n], l.DecodeDocs(i, n, base, docs))
}

// DecodeDocs decodes block i's doc ids like DecodeBlock and returns its n
// impacts in place (read-only).
func (l *Layout) DecodeDocs(i, n int, base uint32, docs []uint32) []uint8 {
	start, end := l.BlkOff[i], l.BlkOff[i+1]
	w := uint(l.Data[start])
	unpackDeltas(l.Data[start+1:], n, w, base, docs)
	pb := (n*int(w) + 7) / 8
	return l.Data[start+1+uint64(pb) : end : end]
}

// WindowDocs is the span of the accumulator windows AddBlockWindow adds
// into: offsets within it are 16 bits, so the fused adds need no bounds
// check.
const WindowDocs = 1 << 16

// AddBlockWindow adds wt times the impacts of inverted block i (n
// postings, first gap relative to base as in DecodeBlock) into acc at each
// doc's offset from w0: acc is the accumulators of the window of 2^16 docs
// from w0, which must hold every doc of the block. It writes no doc to
// memory: the unpacking is fused with the adds.
func (l *Layout) AddBlockWindow(i, n int, base, w0 uint32, wt int32, acc *[WindowDocs]int32) {
	start, end := l.BlkOff[i], l.BlkOff[i+1]
	w := uint(l.Data[start])
	pb := uint64(n*int(w)+7) / 8
	addDeltas(l.Data[start+1:], l.Data[start+1+pb : end : end][:n], w, base-1-w0, wt, acc)
}

// TermBlockLen is the number of postings in block i of term t.
func (l *Layout) TermBlockLen(t, i int) int {
	if i == int(l.TermBlk[t+1])-1 {
		return int(l.TermCount[t]) - (i-int(l.TermBlk[t]))*l.BlockSize
	}
	return l.BlockSize
}

// invertedVector finds doc in every term's list: a binary search over block
// last docs, then one block decode.
func (l *Layout) invertedVector(doc uint32) sparse.Vector {
	var v sparse.Vector
	var docs [MaxBlockSize]uint32
	for t := 0; t < l.NumTerms; t++ {
		b0, b1 := int(l.TermBlk[t]), int(l.TermBlk[t+1])
		lo, hi := b0, b1
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if l.BlkLast[m] < doc {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo == b1 {
			continue
		}
		base := uint32(0)
		if lo > b0 {
			base = l.BlkLast[lo-1] + 1
		}
		n := l.TermBlockLen(t, lo)
		imps := l.DecodeDocs(lo, n, base, docs[:])
		for k := 0; k < n; k++ {
			if docs[k] >= doc {
				if docs[k] == doc {
					v.IDs = append(v.IDs, int32(l.Terms[t]))
					v.Weights = append(v.Weights, float32(imps[k])*l.Scale)
				}
				break
			}
		}
	}
	return v
}
