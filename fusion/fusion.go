// Package fusion combines ranked lists from different retrievers (Sparrow's
// learned sparse scores and bleve BM25) by per-query score normalisation and a
// weighted sum: the hybrid mode of searchd and the `hybrid` BEIR system.
package fusion

import (
	"math"
	"sort"

	"github.com/sparrow-search/sparrow/sparse"
)

// Normalisations.
const (
	MinMax = "minmax" // (s - min) / (max - min); a constant list maps to 1
	ZScore = "zscore" // (s - mean) / sd; a constant list maps to 0
)

// Hit is one scored document of a ranked list (package sparse's shared hit
// type).
type Hit = sparse.Hit

// Normalize returns the list's scores normalised by how (MinMax when empty),
// in the input order, and the lowest normalised score (0 for an empty list).
func Normalize(hits []Hit, how string) ([]Hit, float64) {
	out := make([]Hit, len(hits))
	copy(out, hits)
	if len(hits) == 0 {
		return out, 0
	}
	s := make([]float64, len(hits))
	for i, h := range hits {
		s[i] = h.Score
	}
	floor := math.Inf(1)
	for i, v := range NormalizeScores(s, how) {
		out[i].Score = v
		floor = math.Min(floor, v)
	}
	return out, floor
}

// NormalizeScores is Normalize over bare scores: a new slice, in order. It
// is Sparrow's one per-query normaliser (hybrid search, the hybrid BEIR
// system and distillation's teacher targets).
func NormalizeScores(scores []float64, how string) []float64 {
	out := make([]float64, len(scores))
	if len(scores) == 0 {
		return out
	}
	lo, hi, sum := scores[0], scores[0], 0.0
	for _, x := range scores {
		lo, hi, sum = math.Min(lo, x), math.Max(hi, x), sum+x
	}
	if how == ZScore {
		mean := sum / float64(len(scores))
		var sq float64
		for _, x := range scores {
			sq += (x - mean) * (x - mean)
		}
		sd := math.Sqrt(sq / float64(len(scores)))
		if sd > 0 {
			for i, x := range scores {
				out[i] = (x - mean) / sd
			}
		}
		return out
	}
	for i, x := range scores {
		v := 1.0
		if hi > lo {
			v = (x - lo) / (hi - lo)
		}
		out[i] = v
	}
	return out
}

// Fuse normalises both lists by how and returns the top k of
// wa*a + wb*b. A document missing from one list gets that list's lowest
// normalised score: it was at best as good as the list's tail. A document
// listed twice in one list keeps its first (best-ranked) score. Ties break by
// id, so results are deterministic.
func Fuse(a, b []Hit, wa, wb float64, how string, k int) []Hit {
	na, fa := Normalize(a, how)
	nb, fb := Normalize(b, how)
	type pair struct{ a, b float64 }
	acc := make(map[string]*pair, len(na)+len(nb))
	for _, h := range na {
		if _, dup := acc[h.ID]; !dup {
			acc[h.ID] = &pair{a: h.Score, b: fb}
		}
	}
	seen := make(map[string]bool, len(nb))
	for _, h := range nb {
		if seen[h.ID] {
			continue
		}
		seen[h.ID] = true
		if p, ok := acc[h.ID]; ok {
			p.b = h.Score
		} else {
			acc[h.ID] = &pair{a: fa, b: h.Score}
		}
	}
	out := make([]Hit, 0, len(acc))
	for id, p := range acc {
		out = append(out, Hit{ID: id, Score: wa*p.a + wb*p.b})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if k >= 0 && len(out) > k {
		out = out[:k]
	}
	return out
}
