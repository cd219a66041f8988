package main

import (
	"math"
	"sort"
)

// Score normalisations for hybrid fusion.
const (
	normMinMax = "minmax"
	normZScore = "zscore"
)

// fusionOptions are the per-query hybrid settings.
type fusionOptions struct {
	Normalization string  // normMinMax (default) or normZScore
	SparseWeight  float64 // weight of the normalised sparse score (default 0.5)
	BM25Weight    float64 // weight of the normalised BM25 score (default 0.5)
	Candidates    int     // depth of each list before fusion (default max(k, 100))
}

type scored struct {
	ID    string
	Score float64
}

// fuse combines two ranked lists by per-query normalisation and a weighted
// sum. A document missing from one list gets that list's lowest normalised
// score (0 under min-max): it was at best as good as the list's tail.
// Ties break by id so results are deterministic.
func fuse(sparse, bm25 []scored, opt fusionOptions, k int) []scored {
	ns := normalise(sparse, opt.Normalization)
	nb := normalise(bm25, opt.Normalization)
	floor := func(n []scored) float64 {
		if len(n) == 0 {
			return 0
		}
		m := n[0].Score
		for _, h := range n {
			m = math.Min(m, h.Score)
		}
		return m
	}
	fs, fb := floor(ns), floor(nb)
	type pair struct{ s, b float64 }
	acc := make(map[string]*pair, len(ns)+len(nb))
	for _, h := range ns {
		acc[h.ID] = &pair{s: h.Score, b: fb}
	}
	for _, h := range nb {
		if p, ok := acc[h.ID]; ok {
			p.b = h.Score
		} else {
			acc[h.ID] = &pair{s: fs, b: h.Score}
		}
	}
	out := make([]scored, 0, len(acc))
	for id, p := range acc {
		out = append(out, scored{ID: id, Score: opt.SparseWeight*p.s + opt.BM25Weight*p.b})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// normalise maps one list's scores to [0,1] (min-max) or to z-scores. A list
// whose scores are all equal maps to 1 (min-max) or 0 (z-score).
func normalise(in []scored, how string) []scored {
	out := make([]scored, len(in))
	copy(out, in)
	if len(in) == 0 {
		return out
	}
	switch how {
	case normZScore:
		var sum, sq float64
		for _, h := range in {
			sum += h.Score
		}
		mean := sum / float64(len(in))
		for _, h := range in {
			sq += (h.Score - mean) * (h.Score - mean)
		}
		sd := math.Sqrt(sq / float64(len(in)))
		for i := range out {
			if sd == 0 {
				out[i].Score = 0
			} else {
				out[i].Score = (in[i].Score - mean) / sd
			}
		}
	default:
		lo, hi := in[0].Score, in[0].Score
		for _, h := range in {
			lo, hi = math.Min(lo, h.Score), math.Max(hi, h.Score)
		}
		for i := range out {
			if hi == lo {
				out[i].Score = 1
			} else {
				out[i].Score = (in[i].Score - lo) / (hi - lo)
			}
		}
	}
	return out
}
