package server

import (
	"time"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/valyala/fasthttp"
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
	// Snippet, Highlights and TitleHighlights: with "snippets": true, a
	// window of the text around the query's words and the [start, end)
	// character (code point) ranges of the matching words in it and in the
	// title.
	Snippet         string   `json:"snippet,omitempty"`
	Highlights      [][2]int `json:"highlights,omitempty"`
	TitleHighlights [][2]int `json:"title_highlights,omitempty"`
}

type tokenWeight struct {
	Token  string  `json:"token"`
	Weight float32 `json:"weight"`
}

// contribution is one query token's share of a score (collection.Contribution).
type contribution struct {
	Token        string  `json:"token"`
	QueryWeight  float32 `json:"query_weight"`
	DocWeight    float32 `json:"doc_weight"`
	Contribution float32 `json:"contribution"`
}

func (s *Server) handleSearch(ctx *fasthttp.RequestCtx, p params) {
	start := time.Now()
	c := s.collection(ctx, p)
	if c == nil {
		return
	}
	if _, ok := requireJSON(ctx, false); !ok {
		return
	}
	req, err := decodeSearch(ctx.PostBody(), s.opts.Limits)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	res, err := c.Search(ctx, req.query(c.Options().Hybrid))
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	resp := searchResponse{Index: p.name, Mode: res.Mode, Hits: make([]searchHit, len(res.Hits)), TookUS: time.Since(start).Microseconds()}
	for i, h := range res.Hits {
		resp.Hits[i] = searchHit{ID: h.ID, Score: h.Score, Title: h.Title, Fields: h.Fields, Explain: contributions(h.Explain),
			Snippet: h.Snippet, Highlights: spans(h.Highlights), TitleHighlights: spans(h.TitleHighlights)}
	}
	for _, t := range res.QueryTokens {
		resp.QueryTokens = append(resp.QueryTokens, tokenWeight(t))
	}
	writeSearchResponse(ctx, &resp) // non-finite scores become 0
}

// query is the collection query of a validated request; hybrid options
// given in the request override the collection's defaults field by field.
func (r *searchRequest) query(defaults collection.HybridOptions) collection.Query {
	q := collection.Query{Text: r.Query, K: *r.K, Mode: r.Mode, Explain: r.Explain, Snippets: r.Snippets}
	if r.Vector != nil {
		q.Tokens, _ = weights(r.Vector) // validated
	}
	if f := r.Filter; f != nil {
		q.Filter = collection.Filter{IDs: f.IDs, Fields: f.values}
	}
	if h := r.Hybrid; h != nil {
		o := defaults
		if h.Normalization != "" {
			o.Normalization = h.Normalization
		}
		if h.SparseWeight != nil {
			o.SparseWeight = *h.SparseWeight
		}
		if h.BM25Weight != nil {
			o.BM25Weight = *h.BM25Weight
		}
		if h.Candidates > 0 {
			o.Candidates = h.Candidates
		}
		q.Hybrid = &o
	}
	return q
}

func contributions(cs []collection.Contribution) []contribution {
	if cs == nil {
		return nil
	}
	out := make([]contribution, len(cs))
	for i, c := range cs {
		out[i] = contribution(c)
	}
	return out
}

func spans(ss []collection.Span) [][2]int {
	if ss == nil {
		return nil
	}
	out := make([][2]int, len(ss))
	for i, s := range ss {
		out[i] = [2]int{s.Start, s.End}
	}
	return out
}
