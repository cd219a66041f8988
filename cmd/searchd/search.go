package main

import (
	"fmt"
	"weak"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/encoder/wordpiece"
	"github.com/sparrow-search/sparrow/index"
	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

// searchResponse is the body of a successful search.
type searchResponse struct {
	Index  string      `json:"index"`
	Mode   string      `json:"mode"`
	Hits   []searchHit `json:"hits"`
	TookUS int64       `json:"took_us"`
	// QueryTokens is the weighted query the sparse side used (explain only).
	QueryTokens []tokenWeight `json:"query_tokens,omitempty"`
}

type searchHit struct {
	ID      string            `json:"id"`
	Score   float64           `json:"score"`
	Title   string            `json:"title,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
	Explain []contribution    `json:"explain,omitempty"`
}

type tokenWeight struct {
	Token  string  `json:"token"`
	Weight float32 `json:"weight"`
}

// contribution is one query token's share of a sparse score:
// contribution = query_weight * doc_weight.
type contribution struct {
	Token        string  `json:"token"`
	QueryWeight  float32 `json:"query_weight"`
	DocWeight    float32 `json:"doc_weight"`
	Contribution float32 `json:"contribution"`
}

// queryVector builds the sparse query: idf-weighted tokens of the text, or
// the raw vector mapped onto token ids.
func (ni *namedIndex) queryVector(req *searchRequest) (sparse.Vector, error) {
	if req.Vector != nil {
		v, err := encoder.VectorFromTokens(ni.model.Tokenizer, req.Vector)
		if err != nil {
			return v, badRequest("\"vector\": %v", err)
		}
		return v, nil
	}
	return ni.model.IDF.Query(ni.model.Tokenizer, req.Query), nil
}

// docFilter is the per-view bitmap filter of a request, or nil for none.
func docFilter(s *index.Snapshot, f *filterSpec) []*roaring.Bitmap {
	if f == nil || (f.IDs == nil && len(f.Fields) == 0) {
		return nil
	}
	var out []*roaring.Bitmap
	and := func(bs []*roaring.Bitmap) {
		if out == nil {
			out = make([]*roaring.Bitmap, len(bs))
			for i, b := range bs {
				if b == nil {
					b = roaring.New()
				}
				out[i] = b.Clone()
			}
			return
		}
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
	return out
}

// search runs one validated request against the index.
func (ni *namedIndex) search(req *searchRequest, fo fusionOptions) (*searchResponse, error) {
	k := *req.K
	resp := &searchResponse{Index: ni.name, Mode: req.Mode}
	snap := ni.sparse.Snapshot()
	var q sparse.Vector
	if req.Mode != modeBM25 || req.Explain {
		var err error
		if q, err = ni.queryVector(req); err != nil {
			return nil, err
		}
	}
	if req.Explain {
		for i, id := range q.IDs {
			resp.QueryTokens = append(resp.QueryTokens, tokenWeight{Token: ni.model.Tokenizer.Token(id), Weight: q.Weights[i]})
		}
	}
	switch req.Mode {
	case modeSparse:
		res, err := ni.sparseSearch(snap, q, k, req.Filter)
		if err != nil {
			return nil, err
		}
		resp.Hits = make([]searchHit, 0, len(res))
		views := snap.Views()
		var segKey segKeys
		for _, r := range res {
			d, err := ni.shownKeyed(snap, &segKey, r.View, r.Doc)
			if err != nil {
				return nil, err
			}
			h := searchHit{ID: r.ID, Score: float64(r.Score), Title: d.title, Fields: d.fields}
			if req.Explain {
				h.Explain = explain(ni.model.Tokenizer, q, views[r.View].Segment.Vector(r.Doc))
			}
			resp.Hits = append(resp.Hits, h)
		}
		return resp, nil
	case modeBM25:
		hits, err := ni.bm25Search(snap, req.Query, k, req.Filter)
		if err != nil {
			return nil, err
		}
		return resp, ni.fillHits(snap, resp, hits, q, req.Explain)
	default: // hybrid
		depth := fo.Candidates
		if depth <= 0 {
			depth = max(k, 100)
		}
		res, err := ni.sparseSearch(snap, q, depth, req.Filter)
		if err != nil {
			return nil, err
		}
		sp := make([]scored, len(res))
		for i, r := range res {
			sp[i] = scored{ID: r.ID, Score: float64(r.Score)}
		}
		bm, err := ni.bm25Search(snap, req.Query, depth, req.Filter)
		if err != nil {
			return nil, err
		}
		return resp, ni.fillHits(snap, resp, fuse(sp, bm, fo, k), q, req.Explain)
	}
}

func (ni *namedIndex) sparseSearch(snap *index.Snapshot, q sparse.Vector, k int, f *filterSpec) ([]index.Result, error) {
	if len(q.IDs) == 0 {
		return nil, nil
	}
	return snap.Search(q, scoring.Options{K: k, Filter: docFilter(snap, f), Algorithm: ni.algorithmFor(snap)})
}

// smallIndexDocs is the size up to which the automatic algorithm choice is
// exhaustive scoring: on SciFact (5,183 documents, default model) it costs
// 31 CPU-µs per query against 36 for the engine's default (wmaxscore), and
// on the engine's synthetic corpus the two tie at 5k and 20k documents while
// wmaxscore wins from 50k (docs/BENCHMARKS.md, Service). All algorithms
// return the same hits.
const smallIndexDocs = 10000

// algorithmFor is the scoring algorithm for a search of snap: the one
// configured, else exhaustive for small indexes and the engine's default
// otherwise.
func (ni *namedIndex) algorithmFor(snap *index.Snapshot) string {
	if ni.algorithm != "" {
		return ni.algorithm
	}
	n := 0
	for _, v := range snap.Views() {
		if v.Segment != nil {
			n += v.Segment.NumDocs()
		}
	}
	if n <= smallIndexDocs {
		return "exhaustive"
	}
	return ""
}

// bm25Search asks bleve for the top k; with a filter it over-fetches and
// keeps the hits that the snapshot's filter bitmaps (the sparse mode's)
// allow, since the lexical index does not carry fields.
func (ni *namedIndex) bm25Search(snap *index.Snapshot, query string, k int, f *filterSpec) ([]scored, error) {
	filter := docFilter(snap, f)
	fetch := k
	if filter != nil {
		fetch = max(10*k, 1000)
	}
	hits, err := ni.lex.Search(query, fetch)
	if err != nil {
		return nil, fmt.Errorf("bm25 search: %w", err)
	}
	out := make([]scored, 0, min(k, len(hits)))
	for _, h := range hits {
		if len(out) == k {
			break
		}
		if filter != nil {
			if v, doc, ok := snap.Lookup(h.ID); !ok || !filter[v].Contains(doc) {
				continue
			}
		}
		out = append(out, scored{ID: h.ID, Score: h.Score})
	}
	return out, nil
}

// shown returns the stored fields a hit shows (title, fields), from the
// cache or the document record.
func (ni *namedIndex) shown(snap *index.Snapshot, view int, doc uint32) (cachedDoc, error) {
	return ni.shownKeyed(snap, nil, view, doc)
}

// segKeys remembers the weak segment pointer of the last view a request
// looked up: weak.Make takes a lock, and a request's hits mostly share one
// segment.
type segKeys struct {
	view int
	seg  weak.Pointer[segment.Segment]
	ok   bool
}

// shownKeyed is shown reusing the weak segment key in sk (nil = none).
func (ni *namedIndex) shownKeyed(snap *index.Snapshot, sk *segKeys, view int, doc uint32) (cachedDoc, error) {
	if ni.docs == nil {
		return ni.readShown(snap, view, doc, docKey{})
	}
	var key docKey
	if sk != nil && sk.ok && sk.view == view {
		key = docKey{sk.seg, doc}
	} else {
		key = newDocKey(snap.Views()[view].Segment, doc)
		if sk != nil {
			*sk = segKeys{view: view, seg: key.seg, ok: true}
		}
	}
	if d, ok := ni.docs.get(key); ok {
		return d, nil
	}
	return ni.readShown(snap, view, doc, key)
}

// readShown reads a hit's shown fields from the document record and caches
// them under key.
func (ni *namedIndex) readShown(snap *index.Snapshot, view int, doc uint32, key docKey) (cachedDoc, error) {
	full, err := snap.Document(view, doc)
	if err != nil {
		return cachedDoc{}, err
	}
	d := cachedDoc{title: full.Title, fields: full.Fields}
	if ni.docs != nil {
		ni.docs.put(key, d)
	}
	return d, nil
}

// fillHits looks up titles (and explanations) for hits ranked outside the
// sparse engine.
func (ni *namedIndex) fillHits(snap *index.Snapshot, resp *searchResponse, hits []scored, q sparse.Vector, wantExplain bool) error {
	resp.Hits = make([]searchHit, 0, len(hits))
	for _, h := range hits {
		v, doc, ok := snap.Lookup(h.ID)
		if !ok {
			continue // deleted between the bm25 index and this snapshot
		}
		var sh searchHit
		if wantExplain {
			// explain needs the stored vector: read the whole record.
			d, err := snap.Document(v, doc)
			if err != nil {
				return err
			}
			sh = searchHit{ID: h.ID, Score: h.Score, Title: d.Title, Fields: d.Fields,
				Explain: explain(ni.model.Tokenizer, q, d.Vector)}
		} else {
			d, err := ni.shown(snap, v, doc)
			if err != nil {
				return err
			}
			sh = searchHit{ID: h.ID, Score: h.Score, Title: d.title, Fields: d.fields}
		}
		resp.Hits = append(resp.Hits, sh)
	}
	return nil
}

// explain intersects the query with a document vector, largest
// contribution first.
func explain(tok *wordpiece.Tokenizer, q, d sparse.Vector) []contribution {
	out := []contribution{}
	i, j := 0, 0
	for i < len(q.IDs) && j < len(d.IDs) {
		switch {
		case q.IDs[i] < d.IDs[j]:
			i++
		case q.IDs[i] > d.IDs[j]:
			j++
		default:
			out = append(out, contribution{
				Token:        tok.Token(q.IDs[i]),
				QueryWeight:  q.Weights[i],
				DocWeight:    d.Weights[j],
				Contribution: q.Weights[i] * d.Weights[j],
			})
			i++
			j++
		}
	}
	// insertion sort: explanations are short
	for a := 1; a < len(out); a++ {
		for b := a; b > 0 && out[b].Contribution > out[b-1].Contribution; b-- {
			out[b], out[b-1] = out[b-1], out[b]
		}
	}
	return out
}
