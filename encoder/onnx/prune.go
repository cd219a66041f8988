package onnx

import (
	"fmt"
	"math"
	"sort"

	"github.com/sparrow-search/sparrow/sparse"
)

// PruneType names an OpenSearch sparse_encoding prune strategy.
type PruneType string

// Prune strategies, with OpenSearch's names and semantics (prune_type /
// prune_ratio of the sparse_encoding ingest processor).
const (
	PruneNone      PruneType = "none"
	PruneTopK      PruneType = "top_k"      // keep the Ratio largest weights (Ratio a positive integer)
	PruneMaxRatio  PruneType = "max_ratio"  // keep w >= Ratio * max(w), Ratio in [0,1)
	PruneAlphaMass PruneType = "alpha_mass" // keep the largest weights while their running sum <= Ratio * sum(w), Ratio in [0,1)
	PruneAbsValue  PruneType = "abs_value"  // keep w >= Ratio, Ratio >= 0
)

// Prune is a pruning rule applied to every encoded document.
type Prune struct {
	Type  PruneType
	Ratio float64
}

// Validate checks Ratio against Type, with OpenSearch's ranges.
func (p Prune) Validate() error {
	r := p.Ratio
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return fmt.Errorf("onnx: prune_ratio %v is not a finite number", r)
	}
	switch p.Type {
	case "", PruneNone:
		return nil
	case PruneTopK:
		if r <= 0 || r != math.Floor(r) || r > 1<<24 {
			return fmt.Errorf("onnx: prune_type top_k needs prune_ratio a positive integer, got %v", r)
		}
	case PruneMaxRatio, PruneAlphaMass:
		if r < 0 || r >= 1 {
			return fmt.Errorf("onnx: prune_type %s needs prune_ratio in [0, 1), got %v", p.Type, r)
		}
	case PruneAbsValue:
		if r < 0 {
			return fmt.Errorf("onnx: prune_type abs_value needs prune_ratio >= 0, got %v", r)
		}
	default:
		return fmt.Errorf("onnx: unknown prune_type %q (want none, top_k, max_ratio, alpha_mass or abs_value)", p.Type)
	}
	return nil
}

// Apply prunes v in place (v's slices are reused) and returns it. Weights are
// expected positive, as encoders emit them. Ties in top_k keep the lower id.
func (p Prune) Apply(v sparse.Vector) sparse.Vector {
	n := len(v.IDs)
	if n == 0 {
		return v
	}
	keep := func(f func(w float32) bool) sparse.Vector {
		j := 0
		for i := range v.IDs {
			if f(v.Weights[i]) {
				v.IDs[j], v.Weights[j] = v.IDs[i], v.Weights[i]
				j++
			}
		}
		v.IDs, v.Weights = v.IDs[:j], v.Weights[:j]
		return v
	}
	switch p.Type {
	case PruneAbsValue:
		t := float32(p.Ratio)
		return keep(func(w float32) bool { return w >= t })
	case PruneMaxRatio:
		m := v.Weights[0]
		for _, w := range v.Weights {
			m = max(m, w)
		}
		t := float32(p.Ratio) * m
		return keep(func(w float32) bool { return w >= t })
	case PruneTopK, PruneAlphaMass:
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return v.Weights[order[a]] > v.Weights[order[b]] })
		sel := make([]bool, n)
		if p.Type == PruneTopK {
			for _, i := range order[:min(n, int(p.Ratio))] {
				sel[i] = true
			}
		} else {
			// As OpenSearch: the total in double, the running sum in float,
			// largest first; an element is kept while the running sum
			// (including it) stays within alpha * total.
			var total float64
			for _, w := range v.Weights {
				total += float64(w)
			}
			limit := float32(p.Ratio) * float32(total)
			var run float32
			for _, i := range order {
				run += v.Weights[i]
				if run > limit {
					break
				}
				sel[i] = true
			}
		}
		j := 0
		for i := range v.IDs {
			if sel[i] {
				v.IDs[j], v.Weights[j] = v.IDs[i], v.Weights[i]
				j++
			}
		}
		v.IDs, v.Weights = v.IDs[:j], v.Weights[:j]
		return v
	}
	return v
}
