// Package metrics computes trec_eval's per-query retrieval measures (NDCG@k,
// recall@k, MRR@10, MAP@100, P@10) and trec_eval's hit order. It is the leaf
// that the evaluation runner (package eval) and training's model selection
// (package distill) share, so both measure the same thing; it needs only the
// standard library and package sparse.
package metrics

import (
	"math"
	"sort"

	"github.com/sparrow-search/sparrow/sparse"
)

// Hit is one retrieved document (package sparse's shared hit type).
type Hit = sparse.Hit

// Metric names in reports. Semantics follow trec_eval 9.x with relevance
// level 1 (a judgment <= 0 is non-relevant):
//
//	ndcg@k    ndcg_cut.k: gain = judged grade, discount log2(rank+1), ideal
//	          DCG from all judged relevant docs of the query
//	recall@k  recall.k: relevant in top k / relevant judged
//	mrr@10    recip_rank over the top 10 only (BEIR's MRR@10)
//	map@100   map_cut.100: sum of precision at relevant ranks <= 100 / relevant judged
//	p@10      P.10: relevant in top 10 / 10
var Names = []string{
	"ndcg@10", "ndcg@100", "recall@10", "recall@100", "recall@1000",
	"mrr@10", "map@100", "p@10",
}

// TRECLess orders hits as trec_eval does before scoring: score descending,
// ties broken by doc id descending (strcmp order). NaN sorts last.
func TRECLess(a, b Hit) bool {
	as, bs := a.Score, b.Score
	if math.IsNaN(as) {
		as = math.Inf(-1)
	}
	if math.IsNaN(bs) {
		bs = math.Inf(-1)
	}
	if as != bs {
		return as > bs
	}
	return a.ID > b.ID
}

// SortTREC sorts hits in place into trec_eval order (see TRECLess).
func SortTREC(hits []Hit) {
	sort.SliceStable(hits, func(i, j int) bool { return TRECLess(hits[i], hits[j]) })
}

// NormalizeHits returns hits in trec_eval order with repeated doc ids
// dropped (the best-ranked copy stays), cut to k when k > 0. The runner
// applies it to every system's output, so written runs are valid trec_eval
// input and agree with what Evaluate scores.
func NormalizeHits(hits []Hit, k int) []Hit {
	h := append([]Hit(nil), hits...)
	SortTREC(h)
	seen := make(map[string]bool, len(h))
	out := h[:0]
	for _, x := range h {
		if seen[x.ID] {
			continue
		}
		seen[x.ID] = true
		out = append(out, x)
		if k > 0 && len(out) == k {
			break
		}
	}
	return out
}

// rankedGrades returns the judged grade of each retrieved doc in trec_eval
// rank order, keeping only the best-ranked copy of a duplicated doc id
// (trec_eval rejects duplicates outright; a Run cannot return an error here).
func rankedGrades(hits []Hit, judged map[string]int) []int {
	h := NormalizeHits(hits, 0)
	grades := make([]int, len(h))
	for i, x := range h {
		grades[i] = judged[x.ID] // missing = 0 = non-relevant
	}
	return grades
}

// Query computes every metric of Names for one query. ok is
// false when the query has no relevant judged document: trec_eval's measures
// are undefined there and such queries are left out of the means.
func Query(hits []Hit, judged map[string]int) (m map[string]float64, ok bool) {
	var rels []int
	for _, g := range judged {
		if g > 0 {
			rels = append(rels, g)
		}
	}
	if len(rels) == 0 {
		return nil, false
	}
	sort.Sort(sort.Reverse(sort.IntSlice(rels)))
	grades := rankedGrades(hits, judged)
	numRel := float64(len(rels))

	m = make(map[string]float64, len(Names))
	m["ndcg@10"] = ndcg(grades, rels, 10)
	m["ndcg@100"] = ndcg(grades, rels, 100)
	m["recall@10"] = float64(relevantIn(grades, 10)) / numRel
	m["recall@100"] = float64(relevantIn(grades, 100)) / numRel
	m["recall@1000"] = float64(relevantIn(grades, 1000)) / numRel
	m["p@10"] = float64(relevantIn(grades, 10)) / 10
	mrr := 0.0
	for i := 0; i < len(grades) && i < 10; i++ {
		if grades[i] > 0 {
			mrr = 1 / float64(i+1)
			break
		}
	}
	m["mrr@10"] = mrr
	ap, found := 0.0, 0
	for i := 0; i < len(grades) && i < 100; i++ {
		if grades[i] > 0 {
			found++
			ap += float64(found) / float64(i+1)
		}
	}
	m["map@100"] = ap / numRel
	return m, true
}

func relevantIn(grades []int, k int) int {
	n := 0
	for i := 0; i < len(grades) && i < k; i++ {
		if grades[i] > 0 {
			n++
		}
	}
	return n
}

// ndcg is trec_eval's ndcg_cut at k: rels holds the relevant grades sorted
// descending (the ideal ranking).
func ndcg(grades, rels []int, k int) float64 {
	dcg := 0.0
	for i := 0; i < len(grades) && i < k; i++ {
		if grades[i] > 0 {
			dcg += float64(grades[i]) / math.Log2(float64(i+2))
		}
	}
	idcg := 0.0
	for i := 0; i < len(rels) && i < k; i++ {
		idcg += float64(rels[i]) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// NDCGExp is NDCG@k of a ranked list of document ids with exponential gains
// 2^grade-1 (LambdaMART's objective, used by training's model selection).
// It equals Query's ndcg@k (trec_eval, linear gains) on binary judgments
// only: on graded ones (NFCorpus) the two are not comparable.
func NDCGExp(ranked []string, judged map[string]int, k int) float64 {
	var dcg float64
	for r, id := range ranked {
		if r >= k {
			break
		}
		if rel := judged[id]; rel > 0 {
			dcg += (math.Pow(2, float64(rel)) - 1) / math.Log2(float64(r)+2)
		}
	}
	var rels []int
	for _, v := range judged {
		if v > 0 {
			rels = append(rels, v)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(rels)))
	var idcg float64
	for r, v := range rels {
		if r >= k {
			break
		}
		idcg += (math.Pow(2, float64(v)) - 1) / math.Log2(float64(r)+2)
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}
