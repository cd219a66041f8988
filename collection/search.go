package collection

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"weak"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/sparrow-search/sparrow/encoder/words"
	"github.com/sparrow-search/sparrow/fusion"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

// Search modes.
const (
	ModeSparse = "sparse" // learned sparse scores: query tokens x idf . document weights
	ModeBM25   = "bm25"   // bleve BM25 over title and text
	ModeHybrid = "hybrid" // both, fused (HybridOptions)
)

// DefaultK is the number of hits of a query that does not say.
const DefaultK = 10

// Query is one search. The zero value of every field but Text/Tokens is a
// usable default.
type Query struct {
	// Text is tokenized and weighted by the model's idf (no model runs at
	// query time).
	Text string
	// Tokens is a raw sparse query {token: weight} instead of Text (mode
	// sparse only), as OpenSearch's neural_sparse query_tokens.
	Tokens map[string]float64
	// K is the number of hits. Default DefaultK.
	K int
	// Mode is ModeSparse (default), ModeBM25 or ModeHybrid.
	Mode string
	// Filter restricts the hits; the zero value matches every document.
	Filter Filter
	// Explain adds each hit's score broken down by query token, and the
	// weighted query tokens to the result.
	Explain bool
	// Hybrid overrides the collection's hybrid defaults (mode hybrid);
	// nil keeps them.
	Hybrid *HybridOptions
	// IDsOnly leaves hits without their stored title and fields (no
	// document reads): evaluation needs only ids and scores.
	IDsOnly bool
	// Snippets adds to each hit a window of its text around the query's
	// words and the spans of the words that match (as the bm25 analyzer
	// sees them: "vitamins" matches "vitamin"), also in the title. It reads
	// each hit's whole document.
	Snippets bool
}

// Filter restricts hits; every condition given must hold. All, AnyOf and
// Not nest filters, so any boolean combination of id and field conditions
// can be said (OpenSearch's terms and bool queries need them).
type Filter struct {
	// IDs, when non-nil, admits only these document ids (an empty non-nil
	// list admits none).
	IDs []string
	// Fields admits documents whose field equals the value, for every entry.
	Fields map[string]string
	// All admits documents that every one of these filters admits.
	All []Filter
	// AnyOf, when non-empty, admits documents that at least one of these
	// filters admits.
	AnyOf []Filter
	// Not admits documents that none of these filters admits.
	Not []Filter
}

func (f *Filter) empty() bool {
	return f.IDs == nil && len(f.Fields) == 0 && len(f.All) == 0 && len(f.AnyOf) == 0 && len(f.Not) == 0
}

// Result is the answer to a query.
type Result struct {
	Mode string
	Hits []Hit
	// QueryTokens is the weighted sparse query (Explain, modes sparse and
	// hybrid).
	QueryTokens []TokenWeight
}

// Hit is one result: the shared hit (id, score) with what it shows.
type Hit struct {
	sparse.Hit
	Title  string
	Fields map[string]string
	// Explain breaks the score down by query token, largest first (Explain
	// only): in mode sparse and hybrid the sparse score's terms, in mode bm25
	// the BM25 score's.
	Explain []Contribution
	// Snippet is up to SnippetRunes characters of the text around the
	// query's words, Highlights the matching words in it and
	// TitleHighlights those in Title (Snippets only).
	Snippet                     string
	Highlights, TitleHighlights []Span
}

// TokenWeight is one weighted query token.
type TokenWeight struct {
	Token  string
	Weight float32
}

// Contribution is one query token's share of a score. In a sparse score,
// Contribution = QueryWeight * DocWeight; in a BM25 score Token is the
// analyzed term, QueryWeight its idf times its count in the query, DocWeight
// its saturated term frequency in the document, and the shares sum to the
// BM25 score.
type Contribution struct {
	Token        string
	QueryWeight  float32
	DocWeight    float32
	Contribution float32
}

// validate checks q and fills its defaults; problems are *InputError.
func (c *Collection) prepare(q *Query) error {
	if q.K == 0 {
		q.K = DefaultK
	}
	if q.K < 0 {
		return inputErrorf("k must be >= 1, got %d", q.K)
	}
	switch q.Mode {
	case "":
		q.Mode = ModeSparse
	case ModeSparse, ModeBM25, ModeHybrid:
	default:
		return inputErrorf("mode must be %q, %q or %q, got %q", ModeSparse, ModeBM25, ModeHybrid, q.Mode)
	}
	if q.Tokens != nil && q.Mode != ModeSparse {
		return inputErrorf("a raw token query needs mode %q (bm25 needs query text)", ModeSparse)
	}
	h := c.opts.Hybrid
	if q.Hybrid != nil {
		h = *q.Hybrid
		if err := h.Validate(); err != nil {
			return &InputError{msg: err.Error()}
		}
		h.EnsureDefaults()
	}
	q.Hybrid = &h
	return nil
}

// Search answers q from one snapshot of the collection.
func (c *Collection) Search(ctx context.Context, q Query) (*Result, error) {
	if err := c.acquire(); err != nil {
		return nil, err
	}
	defer c.release()
	if err := c.prepare(&q); err != nil {
		return nil, err
	}
	s := &search{ctx: ctx, c: c, q: &q, snap: c.sparse.Snapshot(), res: &Result{Mode: q.Mode}}
	if q.Mode != ModeBM25 {
		s.lookupTop()
		// A cached ranking needs no query vector, unless Explain shows it.
		if !s.cached || q.Explain {
			var err error
			if s.stats, err = s.snap.TermStats(); err != nil {
				return nil, err
			}
			if s.vec, err = c.queryVector(&q, s.stats); err != nil {
				return nil, err
			}
		}
	}
	if q.Explain && q.Mode != ModeBM25 {
		for i, id := range s.vec.IDs {
			s.res.QueryTokens = append(s.res.QueryTokens, TokenWeight{Token: c.termName(s.stats, id), Weight: s.vec.Weights[i]})
		}
	}
	s.filter = docFilter(s.snap, &q.Filter)
	if q.Snippets {
		s.hl = newHighlighter(c.lex, q.Text)
	}
	var err error
	switch q.Mode {
	case ModeSparse:
		err = s.sparseMode()
	case ModeBM25:
		err = s.bm25Mode()
	default:
		err = s.hybridMode()
	}
	if err != nil {
		return nil, err
	}
	return s.res, nil
}

// List answers a query that only filters: the number of live documents f
// admits, and the ids of those at positions [from, from+n) in index order
// (segment by segment, oldest first; within one, in the order they were
// written). n <= 0 lists none, so List(f, 0, 0) counts.
func (c *Collection) List(f Filter, from, n int) (total int, ids []string, err error) {
	if err := c.acquire(); err != nil {
		return 0, nil, err
	}
	defer c.release()
	snap := c.sparse.Snapshot()
	filter := docFilter(snap, &f)
	for vi, v := range snap.Views() {
		if v.Segment == nil {
			continue
		}
		var set *roaring.Bitmap
		switch {
		case filter != nil && v.Live != nil:
			set = roaring.And(filter[vi], v.Live)
		case filter != nil:
			set = filter[vi]
		case v.Live != nil:
			set = v.Live
		default:
			set = roaring.New()
			set.AddRange(0, uint64(v.Segment.NumDocs()))
		}
		card := int(set.GetCardinality())
		// The positions of this view that fall in [from, from+n).
		lo, hi := max(from-total, 0), min(from+n-total, card)
		for k := lo; k < hi; k++ {
			doc, err := set.Select(uint32(k))
			if err != nil {
				return 0, nil, err
			}
			id, err := snap.ID(vi, doc)
			if err != nil {
				return 0, nil, err
			}
			ids = append(ids, id)
		}
		total += card
	}
	return total, ids, nil
}

// search is one query's state.
type search struct {
	ctx    context.Context
	c      *Collection
	q      *Query
	snap   *index.Snapshot
	stats  *index.TermStats // snap's (modes sparse and hybrid)
	vec    sparse.Vector
	filter []*roaring.Bitmap // per view; nil = none
	res    *Result
	segKey segKeys
	// The result cache's key of this search's sparse ranking (keyed) and,
	// when cached, the ranking (modes sparse and hybrid).
	key           resultKey
	keyed, cached bool
	top           []scoring.Hit
	hl            *highlighter // Snippets only
}

// queryVector builds the sparse query: the analysed, weighted terms of the
// text (analysis.query), or the raw vector mapped onto token ids and the
// collection's word ids ("w:flow"; words it has never seen match nothing).
func (c *Collection) queryVector(q *Query, st *index.TermStats) (sparse.Vector, error) {
	if q.Tokens == nil {
		return c.analysis.query(q.Text, st), nil
	}
	v, ws, err := c.enc.vectorFromTokens(q.Tokens, true)
	if err != nil {
		return v, inputErrorf("query vector: %v", err)
	}
	if err := sparse.Validate(v, index.VocabSize); err != nil {
		return v, inputErrorf("query vector: %v", err)
	}
	for _, w := range ws {
		if id, ok := st.WordID(w.Text); ok {
			v.IDs = append(v.IDs, id)
			v.Weights = append(v.Weights, w.Weight)
		}
	}
	if len(ws) > 0 { // word ids follow the token ids but need not be in text order
		sortVector(&v)
	}
	return v, nil
}

// sortVector orders a vector's entries by id.
func sortVector(v *sparse.Vector) {
	type e struct {
		id int32
		w  float32
	}
	es := make([]e, len(v.IDs))
	for i := range es {
		es[i] = e{v.IDs[i], v.Weights[i]}
	}
	slices.SortFunc(es, func(a, b e) int { return cmp.Compare(a.id, b.id) })
	for i, x := range es {
		v.IDs[i], v.Weights[i] = x.id, x.w
	}
}

// termName names a term id as a token string: the WordPiece token, or "w:"
// and the word.
func (c *Collection) termName(st *index.TermStats, id int32) string {
	if id < index.WordBase {
		return c.model.Tokenizer.Token(id)
	}
	if t, ok := st.WordText(id); ok {
		return words.Prefix + t
	}
	return fmt.Sprintf("w:#%d", id)
}

func (s *search) sparseMode() error {
	hits, err := s.sparseTop()
	if err != nil {
		return err
	}
	s.res.Hits = make([]Hit, 0, len(hits))
	views := s.snap.Views()
	for _, h := range hits {
		id, err := s.snap.ID(h.View, h.Doc)
		if err != nil {
			return err
		}
		out := Hit{Hit: sparse.Hit{ID: id, Score: float64(h.Score)}}
		if err := s.show(&out, h.View, h.Doc, false); err != nil {
			return err
		}
		if s.q.Explain {
			out.Explain = s.c.explainSparse(s.stats, s.vec, views[h.View].Segment.Vector(h.Doc))
		}
		s.res.Hits = append(s.res.Hits, out)
	}
	return nil
}

func (s *search) bm25Mode() error {
	hits, err := s.bm25Top(s.q.K)
	if err != nil {
		return err
	}
	return s.fill(hits)
}

func (s *search) hybridMode() error {
	h := s.q.Hybrid
	depth := s.sparseK()
	top, err := s.sparseTop()
	if err != nil {
		return err
	}
	sp := make([]sparse.Hit, len(top))
	for i, t := range top {
		id, err := s.snap.ID(t.View, t.Doc)
		if err != nil {
			return err
		}
		sp[i] = sparse.Hit{ID: id, Score: float64(t.Score)}
	}
	bm, err := s.bm25Top(depth)
	if err != nil {
		return err
	}
	return s.fill(fusion.Fuse(sp, bm, h.SparseWeight, h.BM25Weight, h.Normalization, s.q.K))
}

// sparseK is the depth of the sparse ranking the query's mode needs.
func (s *search) sparseK() int {
	if s.q.Mode == ModeHybrid {
		return s.q.Hybrid.depth(s.q.K)
	}
	return s.q.K
}

// lookupTop keys a cacheable query's sparse ranking and reads it from the
// result cache. The ranking depends only on the snapshot, the text and k
// (the collection's model, analysis and algorithm are fixed; every
// algorithm returns the same hits): a raw token vector or a filter makes
// the query uncacheable.
func (s *search) lookupTop() {
	if s.c.results == nil || s.q.Tokens != nil || !s.q.Filter.empty() {
		return
	}
	s.key, s.keyed = resultKey{snap: weak.Make(s.snap), text: s.q.Text, k: s.sparseK()}, true
	s.top, s.cached = s.c.results.get(s.key)
	s.c.resultLookups.Add(1)
	if s.cached {
		s.c.resultHits.Add(1)
	}
}

// sparseTop is the engine's top sparseK for the sparse query (from the
// result cache when lookupTop found it).
func (s *search) sparseTop() ([]scoring.Hit, error) {
	if s.cached {
		return s.top, nil
	}
	k := s.sparseK()
	if len(s.vec.IDs) == 0 {
		return nil, nil
	}
	// Algorithm "" is the engine's per-query planner (scoring.DefaultAlgorithm).
	hits, err := scoring.Search(s.snap.Views(), s.vec, scoring.Options{K: k, Filter: s.filter, Algorithm: s.c.opts.Algorithm})
	if err == nil && s.keyed {
		// The key's own copy of the text: the caller's may share memory
		// with something larger (a request body) or be reused.
		key := s.key
		key.text = strings.Clone(key.text)
		s.c.results.put(key, hits, resultCost(key, hits))
	}
	return hits, err
}

// bm25Top asks bleve for the top k; with a filter it over-fetches and keeps
// the hits the snapshot's filter admits (the bm25 index carries no fields).
func (s *search) bm25Top(k int) ([]sparse.Hit, error) {
	fetch := k
	if s.filter != nil {
		fetch = max(10*k, 1000)
	}
	hits, err := s.c.lex.SearchContext(s.ctx, s.q.Text, fetch)
	if err != nil {
		return nil, fmt.Errorf("bm25 search: %w", err)
	}
	out := make([]sparse.Hit, 0, min(k, len(hits)))
	for _, h := range hits {
		if len(out) == k {
			break
		}
		if s.filter != nil {
			if v, doc, ok := s.snap.Lookup(h.ID); !ok || !s.filter[v].Contains(doc) {
				continue
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// fill turns hits ranked outside the sparse engine (bm25, fused) into
// results, dropping any deleted since the bm25 index answered.
func (s *search) fill(hits []sparse.Hit) error {
	s.res.Hits = make([]Hit, 0, len(hits))
	var bm25 map[string][]Contribution
	if s.q.Explain && s.q.Mode == ModeBM25 {
		var err error
		if bm25, err = s.c.explainBM25(s.ctx, s.q.Text, hits); err != nil {
			return err
		}
	}
	for _, h := range hits {
		v, doc, ok := s.snap.Lookup(h.ID)
		if !ok {
			continue
		}
		out := Hit{Hit: h}
		sparseExplain := s.q.Explain && s.q.Mode != ModeBM25
		if err := s.show(&out, v, doc, sparseExplain); err != nil {
			return err
		}
		if bm25 != nil {
			out.Explain = bm25[h.ID]
			if out.Explain == nil {
				out.Explain = []Contribution{}
			}
		}
		s.res.Hits = append(s.res.Hits, out)
	}
	return nil
}

// show fills a hit's title and fields (from the cache or the document
// record) and, with withVector, its sparse explanation from the stored
// vector.
func (s *search) show(h *Hit, view int, doc uint32, withVector bool) error {
	if s.q.IDsOnly && !withVector {
		return nil
	}
	if s.hl != nil {
		d, err := s.snap.Document(view, doc)
		if err != nil {
			return err
		}
		h.Title, h.Fields = d.Title, d.Fields
		h.TitleHighlights = s.hl.title(d.Title)
		h.Snippet, h.Highlights = s.hl.snippet(d.Text)
		if withVector {
			h.Explain = s.c.explainSparse(s.stats, s.vec, storedVector(s.stats, &d))
		}
		return nil
	}
	if withVector {
		d, err := s.snap.Document(view, doc)
		if err != nil {
			return err
		}
		h.Explain = s.c.explainSparse(s.stats, s.vec, storedVector(s.stats, &d))
		if !s.q.IDsOnly {
			h.Title, h.Fields = d.Title, d.Fields
		}
		return nil
	}
	d, err := s.c.shown(s.snap, &s.segKey, view, doc)
	if err != nil {
		return err
	}
	h.Title, h.Fields = d.title, d.fields
	return nil
}

// segKeys remembers the weak segment pointer of the last view a query looked
// up: weak.Make takes a lock, and a query's hits mostly share one segment.
type segKeys struct {
	view int
	seg  weak.Pointer[segment.Segment]
	ok   bool
}

// shown returns the stored fields a hit shows, from the cache or the
// document record.
func (c *Collection) shown(snap *index.Snapshot, sk *segKeys, view int, doc uint32) (cachedDoc, error) {
	if snap.Bare(view, doc) { // nothing to show: no record read, no cache entry
		return cachedDoc{}, nil
	}
	var key docKey
	if c.docs != nil {
		if sk.ok && sk.view == view {
			key = docKey{sk.seg, doc}
		} else {
			key = newDocKey(snap.Views()[view].Segment, doc)
			*sk = segKeys{view: view, seg: key.seg, ok: true}
		}
		if d, ok := c.docs.get(key); ok {
			return d, nil
		}
	}
	full, err := snap.Document(view, doc)
	if err != nil {
		return cachedDoc{}, err
	}
	d := cachedDoc{title: full.Title, fields: full.Fields}
	c.docs.put(key, d, 1)
	return d, nil
}

// docFilter is the per-view bitmap filter of f, or nil for none. The
// bitmaps may include deleted documents (the views' live sets exclude them).
func docFilter(s *index.Snapshot, f *Filter) []*roaring.Bitmap {
	if f.empty() {
		return nil
	}
	views := s.Views()
	out := make([]*roaring.Bitmap, len(views))
	for i, v := range views {
		out[i] = roaring.New()
		if v.Segment != nil {
			out[i].AddRange(0, uint64(v.Segment.NumDocs()))
		}
	}
	and := func(bs []*roaring.Bitmap) {
		for i := range out {
			if i < len(bs) && bs[i] != nil {
				out[i].And(bs[i])
			} else {
				out[i].Clear()
			}
		}
	}
	if f.IDs != nil {
		and(s.FilterIDs(f.IDs))
	}
	for name, value := range f.Fields {
		and(s.FilterField(name, value))
	}
	for i := range f.All {
		if sub := docFilter(s, &f.All[i]); sub != nil {
			and(sub)
		}
	}
	if len(f.AnyOf) > 0 {
		any := make([]*roaring.Bitmap, len(views))
		for i := range any {
			any[i] = roaring.New()
		}
		for i := range f.AnyOf {
			sub := docFilter(s, &f.AnyOf[i])
			if sub == nil {
				any = nil // one alternative admits everything
				break
			}
			for v := range any {
				any[v].Or(sub[v])
			}
		}
		if any != nil {
			and(any)
		}
	}
	for i := range f.Not {
		sub := docFilter(s, &f.Not[i])
		for v := range out {
			if sub == nil {
				out[v].Clear()
			} else {
				out[v].AndNot(sub[v])
			}
		}
	}
	return out
}

// explainSparse intersects the query with a document vector, largest
// contribution first.
func (c *Collection) explainSparse(st *index.TermStats, q, d sparse.Vector) []Contribution {
	out := []Contribution{}
	i, j := 0, 0
	for i < len(q.IDs) && j < len(d.IDs) {
		switch {
		case q.IDs[i] < d.IDs[j]:
			i++
		case q.IDs[i] > d.IDs[j]:
			j++
		default:
			out = append(out, Contribution{
				Token:        c.termName(st, q.IDs[i]),
				QueryWeight:  q.Weights[i],
				DocWeight:    d.Weights[j],
				Contribution: q.Weights[i] * d.Weights[j],
			})
			i++
			j++
		}
	}
	sortContributions(out)
	return out
}

// sortContributions orders by contribution, largest first (stable).
func sortContributions(out []Contribution) {
	slices.SortStableFunc(out, func(a, b Contribution) int { return cmp.Compare(b.Contribution, a.Contribution) })
}

// explainBM25 breaks the BM25 scores of hits down by analyzed query term.
func (c *Collection) explainBM25(ctx context.Context, text string, hits []sparse.Hit) (map[string][]Contribution, error) {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	ex, err := c.lex.Explain(ctx, text, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Contribution, len(ex))
	for id, terms := range ex {
		cs := make([]Contribution, len(terms))
		for i, t := range terms {
			cs[i] = Contribution{Token: t.Term, QueryWeight: float32(t.QueryWeight), Contribution: float32(t.Score)}
			if t.QueryWeight > 0 {
				cs[i].DocWeight = float32(t.Score / t.QueryWeight)
			}
		}
		out[id] = cs
	}
	return out, nil
}

// storedVector is a stored document's exact vector over the term ids a
// query uses: its WordPiece weights and its words under their ids.
func storedVector(st *index.TermStats, d *index.Document) sparse.Vector {
	if len(d.Words) == 0 {
		return d.Vector
	}
	v := sparse.Vector{IDs: slices.Clone(d.Vector.IDs), Weights: slices.Clone(d.Vector.Weights)}
	for _, w := range d.Words {
		if id, ok := st.WordID(w.Text); ok {
			v.IDs = append(v.IDs, id)
			v.Weights = append(v.Weights, w.Weight)
		}
	}
	sortVector(&v)
	return v
}

// QueryTokens is the weighted sparse query text becomes in this collection
// (the analysis of a mode-sparse search): WordPiece tokens and "w:" word
// terms with their query weights, in term-id order. It is what an
// OpenSearch neural_sparse query_tokens body must carry to score as Sparrow
// does (indexer export --queries).
func (c *Collection) QueryTokens(text string) ([]TokenWeight, error) {
	st, v, err := c.analyse(text)
	if err != nil {
		return nil, err
	}
	out := make([]TokenWeight, len(v.IDs))
	for i, id := range v.IDs {
		out[i] = TokenWeight{Token: c.termName(st, id), Weight: v.Weights[i]}
	}
	return out, nil
}

// QueryVector is QueryTokens as term ids of this collection's index (word
// terms by their ids in its dictionary), ascending: what the engine scores
// (bench's real-data mode measures the engine on it).
func (c *Collection) QueryVector(text string) (sparse.Vector, error) {
	_, v, err := c.analyse(text)
	return v, err
}

// analyse weighs text's terms with the current snapshot's statistics.
func (c *Collection) analyse(text string) (*index.TermStats, sparse.Vector, error) {
	if err := c.acquire(); err != nil {
		return nil, sparse.Vector{}, err
	}
	defer c.release()
	st, err := c.sparse.Snapshot().TermStats()
	if err != nil {
		return nil, sparse.Vector{}, err
	}
	return st, c.analysis.query(text, st), nil
}
