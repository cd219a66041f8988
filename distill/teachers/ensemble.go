package teachers

import (
	"fmt"
	"math"
	"strings"

	"github.com/sparrow-search/sparrow/dataset"
	"github.com/sparrow-search/sparrow/fusion"
)

// Normalize is the per-query normalisation of a teacher's scores before
// they are averaged: Sparrow's one normaliser, fusion's min-max to [0,1] (a
// constant, uninformative list maps to all ones, which shifts every
// candidate's target equally and so leaves softmax targets unchanged).
// NaN and Inf are rejected.
func Normalize(scores []float64) ([]float64, error) {
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("teachers: score %d is %v", i, s)
		}
	}
	return fusion.NormalizeScores(scores, fusion.MinMax), nil
}

// Ensemble is a Teacher: the weighted average of its members' per-query
// min-max normalised scores over the candidates (the paper's aggregation),
// in [0,1]. It is a Retriever when at least one member is; its candidates are
// then the union of those members' top-k, rescored by the ensemble.
type Ensemble struct {
	name     string
	teachers []Teacher
	weights  []float64 // sum to 1
	// RetrieveDepth is how deep each member retriever searches for Retrieve
	// (default 100).
	RetrieveDepth int
}

// NewEnsemble combines teachers with weights (nil = equal). Weights must be
// non-negative with a positive sum; they are normalised to sum to 1.
func NewEnsemble(name string, teachers []Teacher, weights []float64) (*Ensemble, error) {
	if len(teachers) == 0 {
		return nil, fmt.Errorf("teachers: ensemble needs at least one teacher")
	}
	w, err := NormWeights(weights, len(teachers))
	if err != nil {
		return nil, err
	}
	if name == "" {
		names := make([]string, len(teachers))
		for i, t := range teachers {
			names[i] = t.Name()
		}
		name = "ensemble(" + strings.Join(names, "+") + ")"
	}
	return &Ensemble{name: name, teachers: teachers, weights: w, RetrieveDepth: 100}, nil
}

func NormWeights(weights []float64, n int) ([]float64, error) {
	if weights == nil {
		w := make([]float64, n)
		for i := range w {
			w[i] = 1 / float64(n)
		}
		return w, nil
	}
	if len(weights) != n {
		return nil, fmt.Errorf("teachers: %d weights for %d teachers", len(weights), n)
	}
	var sum float64
	for i, x := range weights {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("teachers: weight %d is %v (want finite, >= 0)", i, x)
		}
		sum += x
	}
	if sum <= 0 {
		return nil, fmt.Errorf("teachers: teacher weights sum to 0")
	}
	w := make([]float64, n)
	for i, x := range weights {
		w[i] = x / sum
	}
	return w, nil
}

// Name implements Teacher.
func (e *Ensemble) Name() string { return e.name }

// Weights returns the normalised member weights.
func (e *Ensemble) Weights() []float64 { return e.weights }

// Teachers returns the members.
func (e *Ensemble) Teachers() []Teacher { return e.teachers }

// Score implements Teacher.
func (e *Ensemble) Score(q dataset.Query, cands []int) ([]float64, error) {
	all := make([][]float64, len(e.teachers))
	for i, t := range e.teachers {
		s, err := t.Score(q, cands)
		if err != nil {
			return nil, fmt.Errorf("teachers: teacher %s: %w", t.Name(), err)
		}
		if len(s) != len(cands) {
			return nil, fmt.Errorf("teachers: teacher %s returned %d scores for %d candidates", t.Name(), len(s), len(cands))
		}
		all[i] = s
	}
	return Combine(all, e.weights)
}

// Combine min-max normalises each teacher's scores (all[t][i] for candidate i)
// and returns their weighted sum. weights must sum to 1 (nil = equal).
func Combine(all [][]float64, weights []float64) ([]float64, error) {
	w, err := NormWeights(weights, len(all))
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, nil
	}
	out := make([]float64, len(all[0]))
	for t, s := range all {
		if len(s) != len(out) {
			return nil, fmt.Errorf("teachers: teacher %d has %d scores, teacher 0 has %d", t, len(s), len(out))
		}
		n, err := Normalize(s)
		if err != nil {
			return nil, fmt.Errorf("teachers: teacher %d: %w", t, err)
		}
		for i, x := range n {
			out[i] += w[t] * x
		}
	}
	return out, nil
}

// Retrieve implements Retriever over the union of the member retrievers' top
// RetrieveDepth lists.
func (e *Ensemble) Retrieve(q dataset.Query, k int) ([]Scored, error) {
	var rs []Retriever
	for _, t := range e.teachers {
		if r, ok := t.(Retriever); ok {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("teachers: ensemble %s: no member can retrieve", e.name)
	}
	cands, err := Candidates(q, rs, e.RetrieveDepth)
	if err != nil {
		return nil, err
	}
	s, err := e.Score(q, cands)
	if err != nil {
		return nil, err
	}
	return Rank(cands, s, k), nil
}

// Rank sorts candidates by score (desc, ties by doc asc) and keeps k.
func Rank(cands []int, scores []float64, k int) []Scored {
	out := make([]Scored, len(cands))
	for i, c := range cands {
		out[i] = Scored{c, scores[i]}
	}
	sortScored(out)
	if k >= 0 && len(out) > k {
		out = out[:k]
	}
	return out
}
