package teachers

import (
	"fmt"
	"slices"

	"github.com/sparrow-search/sparrow/dataset"
)

// RM3Options configure RM3 pseudo-relevance feedback. Defaults are
// Anserini's: 10 feedback documents, 10 expansion terms, original query
// weight 0.5.
type RM3Options struct {
	Name       string  // default "rm3-" + base name
	FbDocs     int     // default 10
	FbTerms    int     // default 10
	OrigWeight float64 // default 0.5; in (0,1]
}

// RM3 expands a query with the relevance model of its first-pass BM25 top
// documents and scores with BM25 on the weighted expanded query. Teacher and
// Retriever; safe for concurrent use.
type RM3 struct {
	base *BM25
	opts RM3Options
}

// NewRM3 wraps a BM25 index (whose analyzer defines the feedback terms).
func NewRM3(base *BM25, opts RM3Options) (*RM3, error) {
	if base == nil {
		return nil, fmt.Errorf("teachers: rm3 needs a BM25 index")
	}
	if opts.FbDocs <= 0 {
		opts.FbDocs = 10
	}
	if opts.FbTerms <= 0 {
		opts.FbTerms = 10
	}
	if opts.OrigWeight == 0 {
		opts.OrigWeight = 0.5
	}
	if opts.OrigWeight < 0 || opts.OrigWeight > 1 {
		return nil, fmt.Errorf("teachers: rm3 original query weight %g not in (0,1]", opts.OrigWeight)
	}
	if opts.Name == "" {
		opts.Name = "rm3-" + base.Name()
	}
	return &RM3{base: base, opts: opts}, nil
}

// Name implements Teacher.
func (r *RM3) Name() string { return r.opts.Name }

// Expand returns the weighted expanded query (term id -> weight).
func (r *RM3) Expand(text string) map[int32]float64 {
	orig := r.base.QueryTerms(text)
	if len(orig) == 0 {
		return orig
	}
	fb := r.base.RetrieveWeighted(orig, r.opts.FbDocs)
	var z float64
	for _, h := range fb {
		z += h.Score
	}
	rm := map[int32]float64{}
	if z > 0 {
		for _, h := range fb {
			w := h.Score / z
			dl := r.base.dl[h.Doc]
			for _, t := range r.base.fwd[h.Doc] {
				rm[t.term] += w * float64(t.tf) / dl
			}
		}
	}
	type tw struct {
		t int32
		w float64
	}
	var ts []tw
	for t, w := range rm {
		ts = append(ts, tw{t, w})
	}
	slices.SortFunc(ts, func(a, b tw) int {
		switch {
		case a.w > b.w:
			return -1
		case a.w < b.w:
			return 1
		}
		return int(a.t - b.t)
	})
	ts = ts[:min(len(ts), r.opts.FbTerms)]
	var zr, zo float64
	for _, t := range ts {
		zr += t.w
	}
	for _, w := range orig {
		zo += w
	}
	out := map[int32]float64{}
	for t, w := range orig {
		out[t] += r.opts.OrigWeight * w / zo
	}
	if zr > 0 {
		for _, t := range ts {
			out[t.t] += (1 - r.opts.OrigWeight) * t.w / zr
		}
	}
	return out
}

// Score implements Teacher.
func (r *RM3) Score(q dataset.Query, cands []int) ([]float64, error) {
	return r.base.ScoreWeighted(r.Expand(q.Text), cands)
}

// Retrieve implements Retriever.
func (r *RM3) Retrieve(q dataset.Query, k int) ([]Scored, error) {
	return r.base.RetrieveWeighted(r.Expand(q.Text), k), nil
}
