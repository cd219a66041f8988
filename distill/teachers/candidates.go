package teachers

import (
	"slices"

	"github.com/sparrow-search/sparrow/dataset"
)

// Candidates returns the union of the retrievers' top-k documents for q, in
// ascending doc order (deterministic, independent of retriever order).
func Candidates(q dataset.Query, rs []Retriever, k int) ([]int, error) {
	seen := map[int]bool{}
	var out []int
	for _, r := range rs {
		hits, err := r.Retrieve(q, k)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if !seen[h.Doc] {
				seen[h.Doc] = true
				out = append(out, h.Doc)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// MergeCandidates adds extra docs to ascending cands, keeping them ascending
// and unique.
func MergeCandidates(cands, extra []int) []int {
	have := make(map[int]bool, len(cands))
	for _, c := range cands {
		have[c] = true
	}
	added := false
	for _, d := range extra {
		if !have[d] {
			have[d] = true
			cands = append(cands, d)
			added = true
		}
	}
	if added {
		cands = slices.Clone(cands) // sorting must not reorder the caller's backing array
		slices.Sort(cands)
	}
	return cands
}

func sortScored(s []Scored) {
	slices.SortFunc(s, func(a, b Scored) int {
		switch {
		case better(a, b):
			return -1
		case better(b, a):
			return 1
		}
		return 0
	})
}
