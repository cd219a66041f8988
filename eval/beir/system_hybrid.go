package main

import (
	"fmt"
	"math"
	"strconv"

	"github.com/sparrow-search/sparrow/collection"
	"github.com/sparrow-search/sparrow/eval"
	"github.com/sparrow-search/sparrow/fusion"
)

// System "hybrid": the learned sparse retriever fused with bleve BM25,
// run exactly as searchd's mode hybrid: an in-memory collection of the
// corpus (see "sparse") searched in mode hybrid. Each list is cut at depth,
// normalised per query and fused as w*sparse + (1-w)*bm25; a document
// missing from one list gets that list's lowest normalised score
// (collection.HybridOptions, package fusion). Parameters: norm (minmax or
// zscore), w (sparse weight in [0,1]), depth (per-list candidates) —
// defaults collection.HybridOptions' — analyzer (bm25's), algorithm and
// workers (as for "sparse").
func init() {
	eval.RegisterSystem("hybrid", openHybrid)
}

func openHybrid(ctx *eval.SystemContext) (eval.Retriever, error) {
	if err := ctx.CheckParams("hybrid", append([]string{"norm", "w", "depth", "analyzer", "algorithm", "workers"}, analysisParams...)...); err != nil {
		return nil, err
	}
	h, err := hybridParams(ctx)
	if err != nil {
		return nil, err
	}
	ana, err := analysisOverride(ctx)
	if err != nil {
		return nil, fmt.Errorf("hybrid: %w", err)
	}
	c, err := loadCollection(ctx, collection.Options{Algorithm: ctx.Param("algorithm", ""), Analyzer: ctx.Param("analyzer", ""), Hybrid: h, Analysis: ana})
	if err != nil {
		return nil, fmt.Errorf("hybrid: %w", err)
	}
	return &collectionSystem{c: c, mode: collection.ModeHybrid}, nil
}

// hybridParams maps the norm, w and depth parameters onto the collection's
// hybrid options; absent ones keep its defaults.
func hybridParams(ctx *eval.SystemContext) (collection.HybridOptions, error) {
	var h collection.HybridOptions
	h.Normalization = ctx.Param("norm", "")
	if h.Normalization != "" && h.Normalization != fusion.MinMax && h.Normalization != fusion.ZScore {
		return h, fmt.Errorf("hybrid: norm=%q: want %s or %s", h.Normalization, fusion.MinMax, fusion.ZScore)
	}
	if s := ctx.Param("w", ""); s != "" {
		w, err := strconv.ParseFloat(s, 64)
		if err != nil || w < 0 || w > 1 || math.IsNaN(w) {
			return h, fmt.Errorf("hybrid: w=%q: want a number in [0,1]", s)
		}
		h.SparseWeight, h.BM25Weight = w, 1-w
	}
	if s := ctx.Param("depth", ""); s != "" {
		d, err := strconv.Atoi(s)
		if err != nil || d < 1 {
			return h, fmt.Errorf("hybrid: depth=%q: want a positive integer", s)
		}
		h.Candidates = d
	}
	return h, nil
}
