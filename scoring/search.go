package scoring

import (
	"fmt"
	"math"
	"runtime"
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

// worse reports whether a ranks after b: lower score, then higher view, then higher doc.
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	if a.View != b.View {
		return a.View > b.View
	}
	return a.Doc > b.Doc
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

// DefaultAlgorithm is the query planner (Planner), which picks a rank-safe
// strategy per query and view.
const DefaultAlgorithm = "planner"

// registry maps each algorithm name to a constructor of its default
// configuration (the constructors are the algorithms' zero values).
var registry = map[string]func() Algorithm{
	"exhaustive":    func() Algorithm { return new(Exhaustive) },
	"maxscore":      func() Algorithm { return new(MaxScore) },
	"bmm":           func() Algorithm { return new(BlockMaxMaxScore) },
	"bmw":           func() Algorithm { return new(BlockMaxWAND) },
	"bmp":           func() Algorithm { return new(BMP) },
	"taat":          func() Algorithm { return new(TAAT) },
	"wmaxscore":     func() Algorithm { return new(WMaxScore) },
	"sparse":        func() Algorithm { return new(SparseMaxScore) },
	"densemaxscore": func() Algorithm { return new(DenseMaxScore) },
	"filtered":      func() Algorithm { return new(Filtered) },
	"planner":       func() Algorithm { return new(Planner) },
}

// pools keeps reusable Searchers per algorithm name, so that Search
// allocates no scratch space in the steady state.
var pools = func() map[string]*searcherPool {
	m := map[string]*searcherPool{}
	for name, mk := range registry {
		m[name] = &searcherPool{mk: mk}
	}
	return m
}()

// searcherPool is a free list of Searchers. Unlike a sync.Pool it survives
// garbage collections: a Searcher's scratch grows to one accumulator per
// document of the largest segment searched (4 MB per million documents),
// and dropping it at every GC cost fresh allocations, zeroing and page
// faults on the next queries.
type searcherPool struct {
	mu   sync.Mutex
	free []*Searcher
	mk   func() Algorithm
}

// maxFreeSearchers bounds each free list (concurrent searches beyond it
// allocate their own and drop them).
var maxFreeSearchers = 4 * runtime.GOMAXPROCS(0)

func (p *searcherPool) get() *Searcher {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return s
	}
	p.mu.Unlock()
	return NewSearcher(p.mk())
}

func (p *searcherPool) put(s *Searcher) {
	p.mu.Lock()
	if len(p.free) < maxFreeSearchers {
		p.free = append(p.free, s)
	}
	p.mu.Unlock()
}

// Algorithms lists the available algorithm names, sorted. All are rank-safe
// (return exactly the exhaustive top-k) unless Options.Alpha makes bmp approximate.
func Algorithms() []string {
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// New returns the named algorithm in its default configuration ("" =
// DefaultAlgorithm), for NewSearcher.
func New(name string) (Algorithm, error) {
	if name == "" {
		name = DefaultAlgorithm
	}
	mk, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("scoring: unknown algorithm %q (have %v)", name, Algorithms())
	}
	return mk(), nil
}

// Search returns the top K hits over views for query q, ordered by score
// descending, then view ascending, then doc ascending. It is safe for
// concurrent use (each call takes a Searcher from a free list).
//
// Scoring is exact integer arithmetic so every algorithm agrees bit for bit:
// query weights are quantised to integers qq_t = round(w_t/qs) with
// qs = max_t w_t / Q (Q = min(65535, (2^31-1)/(255*terms)), so sums fit in
// int32), a doc's integer score is S = sum_t qq_t*impact_t and its reported
// score is float32(S * qs * segment scale). Ties are broken on that float32.
func Search(views []segment.View, q sparse.Vector, opts Options) ([]Hit, error) {
	name := opts.Algorithm
	if name == "" {
		name = DefaultAlgorithm
	}
	pool, ok := pools[name]
	if !ok {
		return nil, fmt.Errorf("scoring: unknown algorithm %q (have %v)", name, Algorithms())
	}
	s := pool.get()
	defer pool.put(s)
	if b, ok := s.alg.(*BMP); ok {
		b.Alpha = opts.Alpha
	}
	return s.Search(views, q, opts.K, opts.Filter)
}

// Searcher answers queries with one Algorithm, reusing the algorithm's and
// its own scratch space from one query to the next. It is not safe for
// concurrent use; Search keeps a free list of Searchers per algorithm name.
type Searcher struct {
	alg   Algorithm
	c     collector
	terms []qterm
}

// NewSearcher returns a Searcher running a, which it owns from then on.
func NewSearcher(a Algorithm) *Searcher {
	return &Searcher{alg: a, c: newCollector()}
}

// Search returns the top k (<= 0 means 10) hits over views for q, with
// filter as in Options.Filter; see the package function Search.
func (s *Searcher) Search(views []segment.View, q sparse.Vector, k int, filter []*roaring.Bitmap) ([]Hit, error) {
	if k <= 0 {
		k = 10
	}
	qt, qs, err := quantiseQuery(q, s.terms[:0])
	s.terms = qt
	if err != nil {
		return nil, err
	}
	c := &s.c
	c.reset(k)
	defer c.release()
	// The reference stays unprimed: it checks the others.
	_, reference := s.alg.(*Exhaustive)
	for v, view := range views {
		if view.Segment == nil || len(qt) == 0 {
			continue
		}
		f, searched := viewFilter(filter, v)
		if !searched {
			continue
		}
		l := view.Segment.Layout()
		terms := c.setView(v, view.Live, f, l, qt, qs)
		if len(terms) == 0 {
			continue
		}
		if reference {
			c.updateThreshold()
		} else {
			c.primeView(l, terms)
		}
		if err := s.alg.search(c, l, terms); err != nil {
			return nil, fmt.Errorf("scoring: %s: view %d: %w", s.alg.Name(), v, err)
		}
	}
	return c.heap.sorted(), nil
}

// viewFilter is view v's filter of Options.Filter (nil: none) and whether
// the view is searched at all (a filter slice without an entry for v
// leaves it out).
func viewFilter(filter []*roaring.Bitmap, v int) (*roaring.Bitmap, bool) {
	if filter == nil {
		return nil, true
	}
	if v >= len(filter) || filter[v] == nil {
		return nil, false
	}
	return filter[v], true
}

// maxQueryTerms bounds the query length so that integer scores fit in int32.
const maxQueryTerms = 1 << 20

// qterm is a query term with its quantised weight. t is the term id in
// the query, and the view's local term (segment.Layout.Lookup) once
// collector.setView has picked the view's terms: algorithms index the
// layout's tables with it.
type qterm struct {
	t uint32
	w int32
}

// maxScore is the most t's list adds to a doc's score on layout l.
func (t qterm) maxScore(l *segment.Layout) int32 { return t.w * int32(l.TermMax[t.t]) }

// quantiseQuery validates q and appends its positive terms with quantised
// weights to out; it returns them and the query scale qs.
func quantiseQuery(q sparse.Vector, out []qterm) ([]qterm, float32, error) {
	if len(q.IDs) != len(q.Weights) {
		return out, 0, fmt.Errorf("scoring: query has %d ids but %d weights", len(q.IDs), len(q.Weights))
	}
	var maxW float32
	n := 0
	for i, id := range q.IDs {
		w := q.Weights[i]
		if id < 0 {
			return out, 0, fmt.Errorf("scoring: query term id %d is negative", id)
		}
		if i > 0 && id <= q.IDs[i-1] {
			return out, 0, fmt.Errorf("scoring: query term ids not strictly ascending at index %d (%d after %d)", i, id, q.IDs[i-1])
		}
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return out, 0, fmt.Errorf("scoring: query term %d has non-finite weight %v", id, w)
		}
		if w > 0 {
			n++
			maxW = max(maxW, w)
		}
	}
	if n == 0 {
		return out, 0, nil
	}
	if n > maxQueryTerms {
		return out, 0, fmt.Errorf("scoring: query has %d terms, at most %d supported", n, maxQueryTerms)
	}
	Q := min(65535, (math.MaxInt32)/(255*n))
	qs := float64(maxW) / float64(Q)
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
