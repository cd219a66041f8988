package scoring

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// Hit is one result: a document of a view and its score.
type Hit struct {
	View  int
	Doc   uint32
	Score float32
}

// Options configures Search.
type Options struct {
	// K is the number of hits wanted; <= 0 means 10.
	K int
	// Algorithm names a query algorithm (see Algorithms); "" = DefaultAlgorithm,
	// the fastest rank-safe one by measurement (docs/BENCHMARKS.md).
	Algorithm string
	// Filter restricts results per view. nil = no filter. Otherwise view v
	// only returns docs in Filter[v]; a nil or missing entry excludes view v.
	// Docs outside a view's Live set are never returned.
	Filter []*roaring.Bitmap
	// Alpha, for "bmp" only, makes it approximate: a range block is skipped
	// when Alpha*upper bound cannot beat the threshold. 0 or >= 1 = exact.
	Alpha float64
}

// DefaultAlgorithm is the fastest rank-safe algorithm on the benchmark.
const DefaultAlgorithm = "wmaxscore"

type algorithm func(s *searcher, v int, seg *segment.Layout, q []qterm)

var algorithms = map[string]algorithm{
	"exhaustive": exhaustive,
	"maxscore":   maxScore,
	"bmm":        blockMaxMaxScore,
	"bmw":        blockMaxWAND,
	"bmp":        bmp,
	"taat":       taat,
	"wmaxscore":  wmaxscore,
}

// Algorithms lists the available algorithm names, sorted. All are rank-safe
// (return exactly the exhaustive top-k) unless Options.Alpha makes bmp approximate.
func Algorithms() []string {
	var names []string
	for n := range algorithms {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// maxQueryTerms bounds the query length so that integer scores fit in int32.
const maxQueryTerms = 1 << 20

// qterm is a query term with its quantised weight.
type qterm struct {
	t uint32
	w int32
}

// Search returns the top K hits over views for query q, ordered by score
// descending, then view ascending, then doc ascending.
//
// Scoring is exact integer arithmetic so every algorithm agrees bit for bit:
// query weights are quantised to integers qq_t = round(w_t/qs) with
// qs = max_t w_t / Q (Q = min(65535, (2^31-1)/(255*terms)), so sums fit in
// int32), a doc's integer score is S = sum_t qq_t*impact_t and its reported
// score is float32(S * qs * segment scale). Ties are broken on that float32.
func Search(views []segment.View, q sparse.Vector, opts Options) ([]Hit, error) {
	k := opts.K
	if k <= 0 {
		k = 10
	}
	name := opts.Algorithm
	if name == "" {
		name = DefaultAlgorithm
	}
	alg, ok := algorithms[name]
	if !ok {
		return nil, fmt.Errorf("scoring: unknown algorithm %q (have %v)", name, Algorithms())
	}
	qt, qs, err := quantiseQuery(q)
	if err != nil {
		return nil, err
	}
	s := getSearcher(k)
	defer putSearcher(s)
	s.alpha = opts.Alpha
	if !(s.alpha > 0 && s.alpha < 1) {
		s.alpha = 0
	}
	for v, view := range views {
		if view.Segment == nil || len(qt) == 0 {
			continue
		}
		l := view.Segment.Layout()
		if name == "bmp" && !l.HasBMP {
			return nil, fmt.Errorf("scoring: bmp: view %d's segment was built without BMP structures (segment.Options.SkipBMP)", v)
		}
		s.live = view.Live
		s.filter = nil
		if opts.Filter != nil {
			if v >= len(opts.Filter) || opts.Filter[v] == nil {
				continue
			}
			s.filter = opts.Filter[v]
		}
		// Terms present in this segment.
		s.terms = s.terms[:0]
		for _, t := range qt {
			if int(t.t) < l.NumTerms && l.TermCount[t.t] > 0 {
				s.terms = append(s.terms, t)
			}
		}
		if len(s.terms) == 0 {
			continue
		}
		s.mult = float64(qs) * float64(l.Scale)
		s.view = int32(v)
		if name != "exhaustive" && s.live == nil && s.filter == nil {
			s.prime(l, k)
		}
		s.updateThreshold()
		alg(s, v, l, s.terms)
	}
	return s.heap.sorted(), nil
}

func quantiseQuery(q sparse.Vector) ([]qterm, float32, error) {
	if len(q.IDs) != len(q.Weights) {
		return nil, 0, fmt.Errorf("scoring: query has %d ids but %d weights", len(q.IDs), len(q.Weights))
	}
	var maxW float32
	n := 0
	for i, id := range q.IDs {
		w := q.Weights[i]
		if id < 0 {
			return nil, 0, fmt.Errorf("scoring: query term id %d is negative", id)
		}
		if i > 0 && id <= q.IDs[i-1] {
			return nil, 0, fmt.Errorf("scoring: query term ids not strictly ascending at index %d (%d after %d)", i, id, q.IDs[i-1])
		}
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return nil, 0, fmt.Errorf("scoring: query term %d has non-finite weight %v", id, w)
		}
		if w > 0 {
			n++
			maxW = max(maxW, w)
		}
	}
	if n == 0 {
		return nil, 0, nil
	}
	if n > maxQueryTerms {
		return nil, 0, fmt.Errorf("scoring: query has %d terms, at most %d supported", n, maxQueryTerms)
	}
	Q := min(65535, (math.MaxInt32)/(255*n))
	qs := float64(maxW) / float64(Q)
	out := make([]qterm, 0, n)
	for i, id := range q.IDs {
		w := q.Weights[i]
		if !(w > 0) {
			continue
		}
		qq := int32(math.Round(float64(w) / qs))
		qq = max(qq, 1)
		qq = min(qq, int32(Q))
		out = append(out, qterm{t: uint32(id), w: qq})
	}
	return out, float32(qs), nil
}

// searcher holds per-query state, pooled.
type searcher struct {
	heap   topK
	view   int32
	mult   float64 // integer score -> float score, this view
	thr    int32   // smallest integer score that may enter the heap, this view
	floor  float32 // a lower bound of the final k-th score (0 = none), from prime
	live   *roaring.Bitmap
	filter *roaring.Bitmap
	alpha  float64
	terms  []qterm
	acc    []int32 // exhaustive accumulators / bmp range bounds
	order  []uint32
	counts []uint32
	curs   []*postingCursor
	bits   []uint64
	allow  []uint64 // taat's filter bitset
	cands  []uint32
	kheap  []int32
	probe  postingCursor
	wmax   []int32
	worder []int
	west   []int64
	wacc   [1 << windowBits]int32
	wseen  [1 << windowBits / 64]uint64
	wcand  []uint16
	wscore []int32
}

var searcherPool sync.Pool

func getSearcher(k int) *searcher {
	s, _ := searcherPool.Get().(*searcher)
	if s == nil {
		s = &searcher{}
	}
	s.heap.reset(k)
	s.floor = 0
	return s
}

func putSearcher(s *searcher) {
	s.live, s.filter = nil, nil
	searcherPool.Put(s)
}

func (s *searcher) score(sum int32) float32 { return float32(float64(sum) * s.mult) }

// prime raises floor with the view's per-term top impacts: term t has at
// least r >= k docs with impact TermTop or more, so at least k docs of the
// view score w_t*TermTop or more and the final k-th score is at least that
// (as a float too: score is monotone in the integer sum). Only docs
// scoring below the floor are pruned, so a doc that ties the k-th score
// still enters and the doc-id tie-break is kept. Valid only when every doc
// of the view is visible (no Live set, no filter): the caller checks.
func (s *searcher) prime(l *segment.Layout, k int) {
	var best int32
	for _, t := range s.terms {
		if imp, ok := l.TermTopImpact(int(t.t), k); ok {
			best = max(best, t.w*int32(imp))
		}
	}
	if best > 0 {
		s.floor = max(s.floor, s.score(best))
	}
}

// updateThreshold recomputes thr after the heap or the floor changed: the
// smallest integer score whose float score reaches both the k-th kept hit
// (once the heap is full) and the floor.
func (s *searcher) updateThreshold() {
	th := s.floor
	if s.heap.full() {
		th = max(th, s.heap.h[0].Score)
	}
	if !(th > 0) {
		s.thr = 1
		return
	}
	// smallest S >= 1 with score(S) >= th
	x := int64(math.Ceil(float64(th) / s.mult))
	x = max(x, 1)
	for x > 1 && s.score(int32(min(x-1, math.MaxInt32))) >= th {
		x--
	}
	for x <= math.MaxInt32 && s.score(int32(x)) < th {
		x++
	}
	if x > math.MaxInt32 {
		x = math.MaxInt32
	}
	s.thr = int32(x)
}

// offer tries doc with integer score sum (>= s.thr); it reports whether the
// threshold changed.
func (s *searcher) offer(doc uint32, sum int32) bool {
	if s.live != nil && !s.live.Contains(doc) {
		return false
	}
	if s.filter != nil && !s.filter.Contains(doc) {
		return false
	}
	if s.heap.push(Hit{View: int(s.view), Doc: doc, Score: s.score(sum)}) {
		if s.heap.full() {
			old := s.thr
			s.updateThreshold()
			return s.thr != old
		}
	}
	return false
}
