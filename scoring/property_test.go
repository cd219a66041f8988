package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// corpusSpec describes a random corpus.
type corpusSpec struct {
	docs, vocab, maxLen int
	zipf                float64 // 0 = uniform
	levels              int     // distinct weight levels (small = many ties); 0 = continuous
	opts                segment.Options
	// common: ids below it are in each doc with probability 15/16 (terms
	// with dense impact tables).
	common int
	// words maps the upper half of the ids to word-like ids: from 30,522
	// (index.WordBase) up to near 2^31, far apart, as an index's term
	// dictionary hands them out to a large vocabulary.
	words bool
}

// mapIDs applies spec.words to v's ids (in place; the map is monotone,
// so they stay ascending).
func (spec corpusSpec) mapIDs(v sparse.Vector) sparse.Vector {
	if !spec.words {
		return v
	}
	half := int64(spec.vocab / 2)
	stride := (math.MaxInt32 - 1 - 30522) / (int64(spec.vocab) + 50 - half)
	for i, id := range v.IDs {
		if int64(id) >= half {
			v.IDs[i] = int32(30522 + (int64(id)-half)*stride)
		}
	}
	return v
}

func randVector(r *rand.Rand, spec corpusSpec, z *rand.Zipf, n int) sparse.Vector {
	set := map[int32]bool{}
	for id := range spec.common {
		if r.IntN(16) != 0 {
			set[int32(id)] = true
		}
	}
	n = max(n, len(set))
	for len(set) < n {
		var id int32
		if z != nil {
			id = int32(z.Uint64())
		} else {
			id = int32(r.IntN(spec.vocab))
		}
		set[id] = true
	}
	var v sparse.Vector
	for id := range set {
		v.IDs = append(v.IDs, id)
	}
	slices.Sort(v.IDs)
	for range v.IDs {
		var w float32
		if spec.levels > 0 {
			w = float32(1+r.IntN(spec.levels)) / float32(spec.levels) * 3
		} else {
			w = float32(r.Float64()*3) + 1e-3
		}
		v.Weights = append(v.Weights, w)
	}
	return v
}

func buildCorpus(t testing.TB, r *rand.Rand, spec corpusSpec) *segment.Segment {
	b := segment.NewBuilder(spec.opts)
	for _, v := range corpusVectors(r, spec) {
		b.Add(v)
	}
	seg, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

// corpusVectors draws spec's documents from r: what buildCorpus indexes.
func corpusVectors(r *rand.Rand, spec corpusSpec) []sparse.Vector {
	var z *rand.Zipf
	if spec.zipf > 1 {
		z = rand.NewZipf(r, spec.zipf, 1, uint64(spec.vocab-1))
	}
	vs := make([]sparse.Vector, 0, spec.docs)
	for i := 0; i < spec.docs; i++ {
		n := r.IntN(spec.maxLen + 1)
		n = min(n, spec.vocab)
		vs = append(vs, spec.mapIDs(randVector(r, spec, z, n)))
	}
	return vs
}

func randQuery(r *rand.Rand, vocab int) sparse.Vector {
	n := r.IntN(12)
	set := map[int32]bool{}
	for len(set) < n {
		// Mostly common (small) ids, sometimes absent ones beyond the vocab.
		id := int32(r.IntN(vocab/4 + 1))
		if r.IntN(8) == 0 {
			id = int32(r.IntN(vocab + 50))
		}
		set[id] = true
	}
	var q sparse.Vector
	for id := range set {
		q.IDs = append(q.IDs, id)
	}
	slices.Sort(q.IDs)
	for range q.IDs {
		w := float32(r.Float64() * 10)
		if r.IntN(4) == 0 {
			w = 1 // ties
		}
		q.Weights = append(q.Weights, w)
	}
	return q
}

func randBitmap(r *rand.Rand, n int, p float64) *roaring.Bitmap {
	bm := roaring.New()
	for d := 0; d < n; d++ {
		if r.Float64() < p {
			bm.Add(uint32(d))
		}
	}
	return bm
}

// variants are the algorithms the property tests compare with exhaustive:
// every registered one in its default configuration, WMaxScore with small
// windows (so that it crosses many of them on small corpora) in each window
// mode, probing or walking its non-essential lists, with one window over
// the view, SparseMaxScore with small windows, and the planner with each
// strategy forced.
func variants() map[string]func() Algorithm {
	m := map[string]func() Algorithm{}
	for _, name := range Algorithms() {
		m[name] = func() Algorithm { a, _ := New(name); return a }
	}
	for _, c := range []WMaxScore{
		{WindowBits: 7, DenseShift: 1, ClearShift: 1, CandCost: -1},                        // listed windows, probes
		{WindowBits: 7, DenseShift: 1, ClearShift: 30, CandCost: 1 << 30, FinishShift: -1}, // cleared windows, walks
		{WindowBits: 7, DenseShift: 20, CandCost: -1},                                      // scanned windows, probes
		{WindowBits: 7, DenseShift: 20, CandCost: 1 << 30, FinishShift: -1},                // scanned windows, walks
		{WindowBits: 7, DenseShift: 1, ClearShift: 1, CandCost: 1 << 30, FinishShift: 30},  // listed windows, finished whole
		{WindowBits: 7, DenseShift: 20, CandCost: 1 << 30, FinishShift: 30},                // scanned windows, finished whole
		{WindowBits: 32, ClearShift: 30},                                                   // one window over the view
		{WindowBits: 7, SetAside: -1},                                                      // set aside below the threshold itself
		{WindowBits: 7, SetAside: 0.3},                                                     // set aside little
	} {
		m[fmt.Sprintf("wmaxscore/%+v", c)] = func() Algorithm { a := c; return &a }
	}
	// The planner with its strategies forced or restricted.
	m["planner/sparse"] = func() Algorithm { return &Planner{SparseBelow: math.Inf(1)} }
	// SparseMaxScore over many small windows (jumps, lists turning
	// non-essential between windows).
	m["sparse/window6"] = func() Algorithm { return &SparseMaxScore{WindowBits: 6} }
	m["sparse/window9"] = func() Algorithm { return &SparseMaxScore{WindowBits: 9} }
	m["densemaxscore/eager"] = func() Algorithm { return &DenseMaxScore{eager: true} }
	m["densemaxscore/unfused"] = func() Algorithm { return &DenseMaxScore{unfused: true} }
	// Never sparse: dense where the corpus is small and the query dense,
	// else windowed.
	m["planner/dense-or-windowed"] = func() Algorithm { return &Planner{SparseBelow: -1, Windowed: WMaxScore{WindowBits: 8}} }
	// Filtered wherever a filter is given, and never.
	m["planner/filtered"] = func() Algorithm { return &Planner{FilteredRatio: 1e-12, FilteredTerms: -1} }
	m["planner/unfiltered"] = func() Algorithm { return &Planner{FilteredRatio: -1} }
	return m
}

// Every algorithm returns exactly the exhaustive top-k (ids, scores, ties)
// over random corpora, views, live sets, filters and k.
func TestAlgorithmsMatchExhaustive(t *testing.T) {
	t.Parallel()
	// The corpora and the reference's answers are built once and read by
	// every algorithm (rebuilding them per algorithm was most of the
	// test's time). BMP needs segments with its range maxima; the others
	// run over segments without them.
	plain, withBMP := algCases(t, false), algCases(t, true)
	for name, mk := range variants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := NewSearcher(mk())
			cases := plain
			if _, ok := s.alg.(*BMP); ok {
				cases = withBMP
			}
			checkAlgorithm(t, s, cases)
			if w, ok := s.alg.(*WMaxScore); ok && w.FinishShift > 0 && w.finishes == 0 {
				t.Error("no window was finished whole")
			}
		})
	}
}

// algCase is one search of the property test with the exhaustive answer.
type algCase struct {
	spec, query, k int
	views          []segment.View
	q              sparse.Vector
	filter         []*roaring.Bitmap
	want           []Hit
}

// algCases draws the property test's corpora (segments built with BMP data
// when bmp), views, live sets, queries, filters and k, and answers each
// search with the exhaustive reference.
func algCases(t *testing.T, bmp bool) []algCase {
	r := rand.New(rand.NewPCG(1, 2))
	specs := []corpusSpec{
		{docs: 0, vocab: 10, maxLen: 3},
		{docs: 1, vocab: 10, maxLen: 5},
		{docs: 50, vocab: 20, maxLen: 10, levels: 2},
		{docs: 300, vocab: 100, maxLen: 30, zipf: 1.05, levels: 3},
		{docs: 2000, vocab: 500, maxLen: 60, zipf: 1.2},
		{docs: 3000, vocab: 300, maxLen: 40, zipf: 1.05, levels: 4, opts: segment.Options{BlockSize: 16, RangeBits: 3}},
		{docs: 1500, vocab: 1000, maxLen: 20, opts: segment.Options{BlockSize: 256, RangeBits: 8}},
		{docs: 4000, vocab: 2000, maxLen: 100, zipf: 1.05, opts: segment.Options{Scale: 0.01}},
		// Heavy ties: one weight level, few terms.
		{docs: 3000, vocab: 12, maxLen: 4, levels: 1, opts: segment.Options{BlockSize: 8, RangeBits: 4}},
		{docs: 5000, vocab: 40, maxLen: 6, levels: 2},
		// Terms in nearly every doc: dense impact tables.
		{docs: 1200, vocab: 300, maxLen: 40, zipf: 1.1, common: 12},
		{docs: 70, vocab: 40, maxLen: 10, levels: 2, common: 5, opts: segment.Options{BlockSize: 8}},
		// Word ids: far above the WordPiece range, up to 2^31-2.
		{docs: 2500, vocab: 800, maxLen: 50, zipf: 1.05, words: true},
		{docs: 200, vocab: 60, maxLen: 8, levels: 3, words: true, opts: segment.Options{BlockSize: 8, RangeBits: 2}},
	}
	if testing.Short() {
		specs = append(specs[:5:5], specs[len(specs)-1])
	}
	ref := NewSearcher(new(Exhaustive))
	var cases []algCase
	for si, spec := range specs {
		spec.opts.BMP = bmp
		nviews := 1 + r.IntN(3)
		var views []segment.View
		for v := 0; v < nviews; v++ {
			seg := buildCorpus(t, r, spec)
			view := segment.View{Segment: seg}
			switch r.IntN(6) {
			case 0, 1:
				view.Live = randBitmap(r, seg.NumDocs(), 0.8)
			case 2:
				// A few deleted docs: the threshold is primed still.
				view.Live = randBitmap(r, seg.NumDocs(), 0.995)
			}
			views = append(views, view)
		}
		for qi := 0; qi < 40; qi++ {
			q := spec.mapIDs(randQuery(r, spec.vocab))
			if qi%8 == 7 && len(q.IDs) > 1 {
				// One term (the planner's single-term plan).
				q.IDs, q.Weights = q.IDs[:1], q.Weights[:1]
			}
			var filter []*roaring.Bitmap
			if qi%5 == 4 {
				for _, v := range views {
					if r.IntN(4) == 0 {
						filter = append(filter, nil)
					} else {
						// Dense and selective filters (the planner's
						// filtered plan), some admitting a doc past the
						// view's last.
						f := randBitmap(r, v.Segment.NumDocs(), []float64{0.3, 0.02, 0.002}[r.IntN(3)])
						if r.IntN(4) == 0 {
							f.Add(uint32(v.Segment.NumDocs() + r.IntN(3)))
						}
						filter = append(filter, f)
					}
				}
			}
			for _, k := range []int{1, 10, 100, 1000} {
				want, err := ref.Search(views, q, k, filter)
				if err != nil {
					t.Fatal(err)
				}
				checkOrder(t, want)
				cases = append(cases, algCase{spec: si, query: qi, k: k, views: views, q: q, filter: filter, want: want})
			}
		}
	}
	return cases
}

func checkAlgorithm(t *testing.T, s *Searcher, cases []algCase) {
	for _, c := range cases {
		got, err := s.Search(c.views, c.q, c.k, c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Fatalf("spec %d query %d k=%d: got %d hits %v\nwant %d hits %v", c.spec, c.query, c.k, len(got), head(got), len(c.want), head(c.want))
		}
	}
}

func head(h []Hit) string {
	if len(h) > 5 {
		return fmt.Sprint(h[:5], "...")
	}
	return fmt.Sprint(h)
}

func checkOrder(t *testing.T, h []Hit) {
	t.Helper()
	for i := 1; i < len(h); i++ {
		if !worse(h[i], h[i-1]) {
			t.Fatalf("hits out of order at %d: %v then %v", i, h[i-1], h[i])
		}
	}
}

// TestExhaustiveScores checks the reference against a direct float
// computation from the forward vectors (within quantisation error).
func TestExhaustiveScores(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	spec := corpusSpec{docs: 500, vocab: 50, maxLen: 20, zipf: 1.1}
	seg := buildCorpus(t, r, spec)
	views := []segment.View{{Segment: seg}}
	for qi := 0; qi < 20; qi++ {
		q := randQuery(r, spec.vocab)
		hits, err := Search(views, q, Options{K: 1000, Algorithm: "exhaustive"})
		if err != nil {
			t.Fatal(err)
		}
		matched := 0
		for d := 0; d < seg.NumDocs(); d++ {
			v := seg.Vector(uint32(d))
			for i, id := range q.IDs {
				if _, ok := slices.BinarySearch(v.IDs, id); ok && q.Weights[i] > 0 {
					matched++
					break
				}
			}
		}
		if len(hits) != matched {
			t.Fatalf("query %d: %d hits, %d docs match", qi, len(hits), matched)
		}
		for _, h := range hits {
			v := seg.Vector(h.Doc)
			var sc float64
			for i, id := range q.IDs {
				if j, ok := slices.BinarySearch(v.IDs, id); ok && q.Weights[i] > 0 {
					sc += float64(q.Weights[i]) * float64(v.Weights[j])
				}
			}
			if math.Abs(sc-float64(h.Score)) > 1e-3*math.Max(1, sc) {
				t.Fatalf("doc %d: score %v, direct %v", h.Doc, h.Score, sc)
			}
		}
	}
}

func TestSearchErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		q    sparse.Vector
		opts Options
		want string // "" = no error
	}{
		{"mismatched lengths", sparse.Vector{IDs: []int32{1}}, Options{}, "1 ids but 0 weights"},
		{"unsorted ids", sparse.Vector{IDs: []int32{2, 1}, Weights: []float32{1, 1}}, Options{}, "not strictly ascending"},
		{"negative id", sparse.Vector{IDs: []int32{-1}, Weights: []float32{1}}, Options{}, "negative"},
		{"NaN weight", sparse.Vector{IDs: []int32{1}, Weights: []float32{float32(math.NaN())}}, Options{}, "non-finite"},
		{"unknown algorithm", sparse.Vector{}, Options{Algorithm: "nope"}, `unknown algorithm "nope"`},
		{"empty query", sparse.Vector{}, Options{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			hits, err := Search(nil, c.q, c.opts)
			if c.want == "" {
				if err != nil || len(hits) != 0 {
					t.Fatal(hits, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one containing %q", err, c.want)
			}
		})
	}
}
