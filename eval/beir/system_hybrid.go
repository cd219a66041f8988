package main

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
)

// System "hybrid": the learned sparse retriever ("sparse") fused with bleve
// BM25 ("bm25"), the way searchd's mode=hybrid does: each list is cut at
// depth, normalised per query (min-max or z-score), and the fused score is
// w*sparse + (1-w)*bm25; a document missing from one list gets that list's
// lowest normalised score. Parameters: norm (minmax|zscore, default zscore),
// w (sparse weight in [0,1], default 0.3; both defaults tuned on NFCorpus dev), depth (per-list candidates,
// default max(k,100)), analyzer (bm25's), algorithm (sparse's).
//
// The fusion mirrors cmd/searchd/hybrid.go (two main packages cannot share
// code); keep them in step.
func init() {
	eval.RegisterSystem("hybrid", openHybrid)
}

type hybridSystem struct {
	sparse, bm25 eval.Retriever
	norm         string
	w            float64
	depth        int
}

func openHybrid(ctx *eval.SystemContext) (eval.Retriever, error) {
	if err := ctx.CheckParams("hybrid", "norm", "w", "depth", "analyzer", "algorithm"); err != nil {
		return nil, err
	}
	h := &hybridSystem{norm: ctx.Param("norm", "zscore")}
	if h.norm != "minmax" && h.norm != "zscore" {
		return nil, fmt.Errorf("hybrid: norm=%q: want minmax or zscore", h.norm)
	}
	var err error
	if h.w, err = strconv.ParseFloat(ctx.Param("w", "0.3"), 64); err != nil || h.w < 0 || h.w > 1 || math.IsNaN(h.w) {
		return nil, fmt.Errorf("hybrid: w=%q: want a number in [0,1]", ctx.Param("w", ""))
	}
	if s := ctx.Param("depth", ""); s != "" {
		if h.depth, err = strconv.Atoi(s); err != nil || h.depth < 1 {
			return nil, fmt.Errorf("hybrid: depth=%q: want a positive integer", s)
		}
	}
	sub := func(keys ...string) *eval.SystemContext {
		c := *ctx
		c.Params = map[string]string{}
		for _, k := range keys {
			if v, ok := ctx.Params[k]; ok {
				c.Params[k] = v
			}
		}
		return &c
	}
	if h.sparse, err = openSparse(sub("algorithm")); err != nil {
		return nil, fmt.Errorf("hybrid: %w", err)
	}
	bctx := sub("analyzer")
	bctx.ModelDir = "" // bm25 takes no model
	if h.bm25, err = openBM25(bctx); err != nil {
		return nil, fmt.Errorf("hybrid: %w", err)
	}
	return h, nil
}

func (h *hybridSystem) Retrieve(q dataset.Query, k int) ([]eval.Hit, error) {
	depth := h.depth
	if depth == 0 {
		depth = max(k, 100)
	}
	sp, err := h.sparse.Retrieve(q, depth)
	if err != nil {
		return nil, err
	}
	bm, err := h.bm25.Retrieve(q, depth)
	if err != nil {
		return nil, err
	}
	return fuseHits(sp, bm, h.norm, h.w, k), nil
}

func (h *hybridSystem) Close() error {
	var errs []error
	for _, r := range []eval.Retriever{h.sparse, h.bm25} {
		if c, ok := r.(interface{ Close() error }); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// fuseHits: per-query normalisation and weighted sum; ties by doc id.
func fuseHits(sparse, bm25 []eval.Hit, norm string, w float64, k int) []eval.Hit {
	ns, fs := normaliseHits(sparse, norm)
	nb, fb := normaliseHits(bm25, norm)
	type pair struct{ s, b float64 }
	acc := make(map[string]*pair, len(ns)+len(nb))
	for id, s := range ns {
		acc[id] = &pair{s: s, b: fb}
	}
	for id, b := range nb {
		if p, ok := acc[id]; ok {
			p.b = b
		} else {
			acc[id] = &pair{s: fs, b: b}
		}
	}
	out := make([]eval.Hit, 0, len(acc))
	for id, p := range acc {
		out = append(out, eval.Hit{DocID: id, Score: w*p.s + (1-w)*p.b})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].DocID < out[j].DocID
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// normaliseHits returns normalised scores by doc id and the floor given to
// documents absent from the list (its minimum; 0 for an empty list).
func normaliseHits(hits []eval.Hit, norm string) (map[string]float64, float64) {
	out := make(map[string]float64, len(hits))
	if len(hits) == 0 {
		return out, 0
	}
	lo, hi, sum := hits[0].Score, hits[0].Score, 0.0
	for _, h := range hits {
		lo, hi, sum = math.Min(lo, h.Score), math.Max(hi, h.Score), sum+h.Score
	}
	floor := math.Inf(1)
	if norm == "zscore" {
		mean := sum / float64(len(hits))
		var sq float64
		for _, h := range hits {
			sq += (h.Score - mean) * (h.Score - mean)
		}
		sd := math.Sqrt(sq / float64(len(hits)))
		for _, h := range hits {
			z := 0.0
			if sd > 0 {
				z = (h.Score - mean) / sd
			}
			out[h.DocID] = z
			floor = math.Min(floor, z)
		}
		return out, floor
	}
	for _, h := range hits {
		v := 1.0
		if hi > lo {
			v = (h.Score - lo) / (hi - lo)
		}
		out[h.DocID] = v
		floor = math.Min(floor, v)
	}
	return out, floor
}
