package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/eval"
	"github.com/sparrow-search/sparrow/fusion"
)

// System "hybrid": the learned sparse retriever ("sparse") fused with bleve
// BM25 ("bm25"), the way searchd's mode=hybrid does: each list is cut at
// depth, normalised per query (min-max or z-score), and the fused score is
// w*sparse + (1-w)*bm25; a document missing from one list gets that list's
// lowest normalised score. Parameters: norm (minmax|zscore, default zscore),
// w (sparse weight in [0,1], default 0.3; both defaults tuned on NFCorpus dev), depth (per-list candidates,
// default max(k,100)), analyzer (bm25's), algorithm (sparse's).
//
// The fusion is package fusion's, the same code searchd's mode=hybrid runs.
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
	h := &hybridSystem{norm: ctx.Param("norm", fusion.ZScore)}
	if h.norm != fusion.MinMax && h.norm != fusion.ZScore {
		return nil, fmt.Errorf("hybrid: norm=%q: want %s or %s", h.norm, fusion.MinMax, fusion.ZScore)
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

// fuseHits fuses the two runs with package fusion (shared with searchd's
// hybrid mode): w*sparse + (1-w)*bm25 after per-query normalisation.
func fuseHits(sparse, bm25 []eval.Hit, norm string, w float64, k int) []eval.Hit {
	conv := func(hits []eval.Hit) []fusion.Hit {
		out := make([]fusion.Hit, len(hits))
		for i, h := range hits {
			out[i] = fusion.Hit{ID: h.ID, Score: h.Score}
		}
		return out
	}
	fused := fusion.Fuse(conv(sparse), conv(bm25), w, 1-w, norm, k)
	out := make([]eval.Hit, len(fused))
	for i, h := range fused {
		out[i] = eval.Hit{ID: h.ID, Score: h.Score}
	}
	return out
}
