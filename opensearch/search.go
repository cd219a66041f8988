package opensearch

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/fusion"
	"github.com/sparrow-search/sparrow/server"
	"github.com/sparrow-search/sparrow/sparse"
)

// searchRequest is a parsed _search body with its URL parameters.
type searchRequest struct {
	plan       *plan
	from, size int
	source     sourceFilter
	pipeline   *pipeline // nil: the index default or none
	totalHits  bool      // track_total_hits (default true)
	totalAsInt bool      // rest_total_hits_as_int
}

// The body keys a search accepts and ignores: they tune what one Sparrow
// index does anyway (timeouts, caching, version and sequence numbers in hits).
var ignoredSearchKeys = map[string]bool{
	"timeout": true, "track_scores": true, "version": true, "seq_no_primary_term": true, "stats": true,
	"profile": true, "terminate_after": true, "explain": true,
}

// parseSearch reads a _search or _count body and URL parameters.
func (r *request) parseSearch(body []byte, m *Mapping, count bool) (*searchRequest, *Error) {
	sr := &searchRequest{size: 10, totalHits: true}
	var q any
	if len(bytes.TrimSpace(body)) > 0 {
		if e := r.checkShape(body); e != nil {
			return nil, e
		}
		obj, err := decodeObject(body)
		if err != nil {
			return nil, asError(err, r.index)
		}
		for k, v := range obj {
			var e *Error
			switch {
			case k == "query":
				q = v
			case count && k != "query":
				e = parsingError("request does not support [%s]", k)
			case k == "size" || k == "from":
				n, ne := number(v, k)
				if ne != nil || n < 0 || n != math.Trunc(n) || n > 1e9 {
					e = illegalArgument("[%s] must be a non-negative integer, got %v", k, v)
				} else if k == "size" {
					sr.size = int(n)
				} else {
					sr.from = int(n)
				}
			case k == "_source":
				sr.source, e = parseSourceParam(v)
			case k == "search_pipeline":
				sr.pipeline, e = parsePipeline(v)
			case k == "track_total_hits":
				sr.totalHits = v != false
			case k == "sort":
				e = checkSort(v)
			case k == "min_score":
				e = illegalArgument("[min_score] is not supported by Sparrow's OpenSearch dialect")
			case ignoredSearchKeys[k]:
			default:
				e = parsingError("Unknown key for a VALUE in [%s]: Sparrow's OpenSearch dialect supports query, size, from, _source, search_pipeline, track_total_hits and sort by _score", k)
			}
			if e != nil {
				return nil, e
			}
		}
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"size", &sr.size}, {"from", &sr.from}} {
		if v := r.param(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, illegalArgument("[%s] must be a non-negative integer, got [%s]", p.name, v)
			}
			*p.dst = n
		}
	}
	if v := r.param("track_total_hits"); v == "false" {
		sr.totalHits = false
	}
	sr.totalAsInt = r.param("rest_total_hits_as_int") == "true"
	if !count && sr.from+sr.size > r.s.opts.Limits.MaxK {
		return nil, illegalArgument("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. "+
			"(Sparrow's limit is searchd's --max-k)", r.s.opts.Limits.MaxK, sr.from+sr.size)
	}
	var e *Error
	if sr.source, e = r.sourceFilterParams(&sr.source); e != nil {
		return nil, e
	}
	p := queryParser{m: m, lim: r.s.opts.Limits}
	if sr.plan, e = p.parsePlan(q); e != nil {
		return nil, e
	}
	return sr, nil
}

// checkSort accepts sorting by score only, the order Sparrow returns.
func checkSort(v any) *Error {
	ok := func(x any) bool {
		switch s := x.(type) {
		case string:
			return s == "_score"
		case map[string]any:
			if len(s) != 1 {
				return false
			}
			o, has := s["_score"]
			if !has {
				return false
			}
			switch d := o.(type) {
			case string:
				return d == "desc"
			case map[string]any:
				return len(d) == 1 && d["order"] == "desc"
			}
		}
		return false
	}
	for _, x := range clauses(v) {
		if !ok(x) {
			return illegalArgument("[sort] by anything but _score (descending) is not supported by Sparrow's OpenSearch dialect")
		}
	}
	return nil
}

// search answers GET/POST /{index}/_search.
func (r *request) search() {
	c, m, e := r.collection(r.index)
	if e != nil {
		r.fail(e)
		return
	}
	body, e := r.body(false)
	if e != nil {
		r.fail(e)
		return
	}
	sr, e := r.parseSearch(body, m, false)
	if e != nil {
		r.fail(e)
		return
	}
	if sr.pipeline == nil {
		if sr.pipeline, e = r.s.pipelines.resolve(r.param("search_pipeline"), m.SearchPipeline); e != nil {
			r.fail(e)
			return
		}
	}
	hits, total, exact, err := r.s.run(r.ctx, c, sr)
	if err != nil {
		r.failErr(err)
		return
	}
	out, err := r.s.hitsJSON(r.index, c, m, sr, hits)
	if err != nil {
		r.failErr(err)
		return
	}
	hj := map[string]any{"max_score": nil, "hits": out}
	if len(hits) > 0 {
		best := hits[0].Score
		for _, h := range hits {
			best = math.Max(best, h.Score)
		}
		hj["max_score"] = best
	}
	if sr.totalHits {
		rel := "eq"
		if !exact {
			rel = "gte"
		}
		if sr.totalAsInt {
			hj["total"] = total
		} else {
			hj["total"] = map[string]any{"value": total, "relation": rel}
		}
	}
	r.writeJSON(200, map[string]any{
		"took": time.Since(r.start).Milliseconds(), "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":    hj,
	})
}

// count answers GET/POST /{index}/_count.
func (r *request) count() {
	c, m, e := r.collection(r.index)
	if e != nil {
		r.fail(e)
		return
	}
	body, e := r.body(false)
	if e != nil {
		r.fail(e)
		return
	}
	sr, e := r.parseSearch(body, m, true)
	if e != nil {
		r.fail(e)
		return
	}
	if sr.plan.hybrid != nil {
		r.fail(illegalArgument("[hybrid] queries cannot be counted"))
		return
	}
	n, err := r.s.countPlan(r.ctx, c, sr.plan)
	if err != nil {
		r.failErr(err)
		return
	}
	r.writeJSON(200, map[string]any{"count": n, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
}

// countPlan counts the documents a query matches: exactly from the filter
// when the query only filters, else by ranking every document (a ranked
// query matches the documents that score above zero).
func (s *Server) countPlan(ctx context.Context, c *collection.Collection, p *plan) (int, error) {
	n, _, err := c.List(p.filter, 0, 0)
	if err != nil || p.score == nil || n == 0 {
		return n, err
	}
	res, err := c.Search(ctx, s.collectionQuery(p.score, p.filter, n, true))
	if err != nil {
		return 0, err
	}
	return len(res.Hits), nil
}

// collectionQuery is the collection query of a ranking clause.
func (s *Server) collectionQuery(sc *scored, f collection.Filter, k int, idsOnly bool) collection.Query {
	q := collection.Query{K: k, Filter: f, IDsOnly: idsOnly}
	if sc.kind == "match" {
		q.Mode, q.Text = collection.ModeBM25, sc.text
	} else {
		q.Mode, q.Text, q.Tokens = collection.ModeSparse, sc.text, sc.tokens
	}
	return q
}

// run executes a search: the hits at [from, from+size), the total and
// whether it is exact.
func (s *Server) run(ctx context.Context, c *collection.Collection, sr *searchRequest) ([]sparse.Hit, int, bool, error) {
	p, want := sr.plan, sr.from+sr.size
	if want == 0 && p.hybrid == nil && p.score == nil {
		n, _, err := c.List(p.filter, 0, 0)
		return nil, n, true, err
	}
	var hits []sparse.Hit
	switch {
	case p.hybrid != nil:
		var err error
		if hits, err = s.runHybrid(ctx, c, p.hybrid, sr.pipeline, want); err != nil {
			return nil, 0, false, err
		}
	case p.score == nil:
		total, ids, err := c.List(p.filter, sr.from, sr.size)
		if err != nil {
			return nil, 0, false, err
		}
		out := make([]sparse.Hit, len(ids))
		for i, id := range ids {
			out[i] = sparse.Hit{ID: id, Score: p.constScore}
		}
		return out, total, true, nil
	default:
		if want == 0 {
			want = 1 // the total needs a search
		}
		res, err := c.Search(ctx, s.collectionQuery(p.score, p.filter, want, true))
		if err != nil {
			return nil, 0, false, err
		}
		hits = make([]sparse.Hit, len(res.Hits))
		for i, h := range res.Hits {
			hits[i] = sparse.Hit{ID: h.ID, Score: h.Score * p.score.boost}
		}
	}
	// A ranked query returns every match when it returns fewer than asked.
	total, exact := len(hits), len(hits) < sr.from+sr.size || sr.from+sr.size == 0
	if sr.from >= len(hits) {
		return nil, total, exact, nil
	}
	hits = hits[sr.from:]
	if len(hits) > sr.size {
		hits = hits[:sr.size]
	}
	return hits, total, exact, nil
}

// runHybrid runs each sub-query to its depth and fuses the lists as the
// search pipeline's normalization processor says (package fusion: per-query
// normalisation, weighted sum; a document missing from a list gets that
// list's lowest normalised score).
func (s *Server) runHybrid(ctx context.Context, c *collection.Collection, h *hybridQuery, pl *pipeline, want int) ([]sparse.Hit, error) {
	depth := h.depth
	if depth == 0 {
		depth = max(want, 1)
	}
	norm := pl.normalization()
	weights, err := pl.weights(len(h.subs))
	if err != nil {
		return nil, err
	}
	lists := make([][]sparse.Hit, 2)
	for i, sub := range h.subs {
		res, err := c.Search(ctx, s.collectionQuery(sub.score, sub.filter, depth, true))
		if err != nil {
			return nil, err
		}
		for _, hit := range res.Hits {
			lists[i] = append(lists[i], sparse.Hit{ID: hit.ID, Score: hit.Score * sub.score.boost})
		}
	}
	wa, wb := weights[0], 0.0
	if len(weights) > 1 {
		wb = weights[1]
	}
	return fusion.Fuse(lists[0], lists[1], wa, wb, norm, want), nil
}

// hitsJSON renders hits with their _source (one document read per hit,
// skipped when _source is off).
func (s *Server) hitsJSON(index string, c *collection.Collection, m *Mapping, sr *searchRequest, hits []sparse.Hit) ([]any, error) {
	out := make([]any, 0, len(hits))
	for _, h := range hits {
		hit := map[string]any{"_index": index, "_id": h.ID, "_score": finite(h.Score)}
		if !sr.source.off {
			d, found, err := c.Get(h.ID)
			if err != nil {
				return nil, err
			}
			if !found {
				continue // deleted since it was ranked
			}
			hit["_source"] = sr.source.apply(m.shownSource(d))
		}
		out = append(out, hit)
	}
	return out, nil
}

// finite keeps JSON encodable: a non-finite score (which no query should
// produce) is 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// checkBodyShape bounds a request body's structure before decoding: the
// deepest nesting the shape check allows, and arrays or objects of at most
// the largest list a limit allows.
func checkBodyShape(body []byte, lim server.Limits) error {
	return server.CheckShape(body, server.Shape{Depth: server.MaxJSONDepth, Members: max(lim.MaxFilterIDs, lim.MaxVectorLen, 1024) + 1})
}
