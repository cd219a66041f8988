package main

import "github.com/sparrow-search/sparrow/fusion"

// Score normalisations for hybrid fusion (package fusion's names).
const (
	normMinMax = fusion.MinMax
	normZScore = fusion.ZScore
)

// fusionOptions are the per-query hybrid settings.
type fusionOptions struct {
	Normalization string  // normMinMax (default) or normZScore
	SparseWeight  float64 // weight of the normalised sparse score (default 0.5)
	BM25Weight    float64 // weight of the normalised BM25 score (default 0.5)
	Candidates    int     // depth of each list before fusion (default max(k, 100))
}

// scored is one hit of a ranked list before or after fusion.
type scored = fusion.Hit

// fuse combines the sparse and BM25 lists by per-query normalisation and a
// weighted sum (fusion.Fuse: a document missing from one list gets that
// list's lowest normalised score; ties break by id).
func fuse(sparse, bm25 []scored, opt fusionOptions, k int) []scored {
	return fusion.Fuse(sparse, bm25, opt.SparseWeight, opt.BM25Weight, opt.Normalization, k)
}
