package scoring

import (
	"fmt"
	"math"
	"testing"

	"github.com/sparrow-search/sparrow/index/segment"
)

// The planner's rule, by the view's docs N and the query's postings P (one
// term holding them all: the rule reads only their sum).
func TestPlannerRule(t *testing.T) {
	cases := []struct {
		p    Planner
		n, P int
		want Plan
	}{
		// Views of at most 2^16 docs: dense from P >= N/2, else sparse.
		{Planner{}, 5_000, 2_500, PlanDense},
		{Planner{}, 5_000, 2_499, PlanSparse},
		{Planner{SparseBelow: -1}, 5_000, 100, PlanWindowed},
		// Larger views: sparse below N/8 + 12,000 ...
		{Planner{}, 100_000, 24_499, PlanSparse},
		{Planner{}, 100_000, 24_500, PlanWindowed},
		{Planner{}, 1_000_000, 136_999, PlanSparse},
		{Planner{}, 1_000_000, 137_000, PlanWindowed},
		// ... with the slope capped at 125 sqrt(N) + 12,000 above 1M docs
		// (8.8M: 382,817).
		{Planner{}, 8_800_000, 382_000, PlanSparse},
		{Planner{}, 8_800_000, 383_000, PlanWindowed},
		{Planner{}, 8_800_000, 1_000_000, PlanWindowed},
		{Planner{SparseSqrt: -1}, 8_800_000, 1_000_000, PlanSparse},
		{Planner{SparseSqrt: 500}, 8_800_000, 1_000_000, PlanSparse},
		{Planner{SparseBelow: math.Inf(1)}, 8_800_000, 5_000_000, PlanSparse},
		{Planner{SparseBelow: -1}, 8_800_000, 10, PlanWindowed},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("N=%d/P=%d/%+v", c.n, c.P, c.p), func(t *testing.T) {
			l := &segment.Layout{NumDocs: c.n, TermCount: []uint32{uint32(c.P)}}
			if got, _ := c.p.plan(l, []qterm{{t: 0, w: 1}}); got != c.want {
				t.Fatalf("plan %q, want %q", got, c.want)
			}
		})
	}
}
