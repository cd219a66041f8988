package scoring

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// The planner's rule, by the view's docs N, the query's postings P and k
// (one term holding them all: the rule reads their sum, and their number
// only for k > 10, TestPlannerRuleTerms).
func TestPlannerRule(t *testing.T) {
	cases := []plannerCase{
		// Views of at most 2^16 docs: dense from P >= N/2, else sparse.
		{Planner{}, 5_000, 2_500, 0, 0, PlanDense},
		{Planner{}, 5_000, 2_499, 0, 0, PlanSparse},
		{Planner{SparseBelow: -1}, 5_000, 100, 0, 0, PlanWindowed},
		// Larger views: sparse below N/8 + 12,000 ...
		{Planner{}, 100_000, 24_499, 0, 0, PlanSparse},
		{Planner{}, 100_000, 24_500, 0, 0, PlanWindowed},
		{Planner{}, 1_000_000, 136_999, 0, 0, PlanSparse},
		{Planner{}, 1_000_000, 137_000, 0, 0, PlanWindowed},
		// ... with the slope capped at 125 sqrt(N) + 12,000 above 1M docs
		// (8.8M: 382,817).
		{Planner{}, 8_800_000, 382_000, 0, 0, PlanSparse},
		{Planner{}, 8_800_000, 383_000, 0, 0, PlanWindowed},
		{Planner{}, 8_800_000, 1_000_000, 0, 0, PlanWindowed},
		{Planner{SparseSqrt: -1}, 8_800_000, 1_000_000, 0, 0, PlanSparse},
		{Planner{SparseSqrt: 500}, 8_800_000, 1_000_000, 0, 0, PlanSparse},
		{Planner{SparseBelow: math.Inf(1)}, 8_800_000, 5_000_000, 0, 0, PlanSparse},
		{Planner{SparseBelow: -1}, 8_800_000, 10, 0, 0, PlanWindowed},
		// For more hits the slope term grows by 1 + ((k/10)^0.2 - 1)(1 - T/40)
		// for T query terms: one term, 1M, k = 11: 139,345; k = 100:
		// 208,283; k = 1000: 321,261; 8.8M, k = 1000: 929,416. The
		// constant term does not.
		{Planner{}, 1_000_000, 139_000, 11, 0, PlanSparse},
		{Planner{}, 1_000_000, 140_000, 11, 0, PlanWindowed},
		{Planner{}, 1_000_000, 208_000, 100, 0, PlanSparse},
		{Planner{}, 1_000_000, 209_000, 100, 0, PlanWindowed},
		{Planner{}, 1_000_000, 321_000, 1000, 0, PlanSparse},
		{Planner{}, 1_000_000, 322_000, 1000, 0, PlanWindowed},
		{Planner{SparseKExp: 0.4}, 1_000_000, 784_000, 1000, 0, PlanSparse},
		{Planner{SparseKExp: 0.4}, 1_000_000, 785_000, 1000, 0, PlanWindowed},
		{Planner{SparseKExp: -1}, 1_000_000, 137_000, 1000, 0, PlanWindowed},
		{Planner{}, 8_800_000, 929_000, 1000, 0, PlanSparse},
		{Planner{}, 8_800_000, 930_000, 1000, 0, PlanWindowed},
		{Planner{SparseBelow: -1}, 8_800_000, 10, 1000, 0, PlanWindowed},
		{Planner{SparseBelow: math.Inf(1)}, 8_800_000, 5_000_000, 1000, 0, PlanSparse},
		// Views of at most 2^16 docs: for more than the top 10, dense
		// from P >= 2N.
		{Planner{}, 5_000, 2_500, 11, 0, PlanSparse},
		{Planner{}, 5_000, 9_999, 100, 0, PlanSparse},
		{Planner{}, 5_000, 10_000, 100, 0, PlanDense},
		{Planner{}, 5_000, 10_000, 2_499, 0, PlanDense},
		// Any view where the top k is at least half of it: exhaustive.
		{Planner{}, 5_000, 10_000, 2_500, 0, PlanExhaustive},
		{Planner{}, 5_000, 100, 2_500, 0, PlanExhaustive},
		{Planner{}, 1_000_000, 100, 500_000, 0, PlanExhaustive},
		{Planner{}, 1_000_000, 100, 499_999, 0, PlanSparse},
		{Planner{Exhaustive: -1}, 5_000, 10_000, 2_500, 0, PlanDense},
	}
	for _, c := range cases {
		c.run(t)
	}
}

// TestPlannerRuleTerms: the crossover's growth with k shrinks with the
// query's terms and is gone at 40.
func TestPlannerRuleTerms(t *testing.T) {
	cases := []plannerCase{
		// 1M, 20 terms: k = 100 173,555; k = 1000 231,492.
		{Planner{}, 1_000_000, 173_000, 100, 20, PlanSparse},
		{Planner{}, 1_000_000, 174_000, 100, 20, PlanWindowed},
		{Planner{}, 1_000_000, 231_000, 1000, 20, PlanSparse},
		{Planner{}, 1_000_000, 232_000, 1000, 20, PlanWindowed},
		{Planner{}, 1_000_000, 136_999, 1000, 40, PlanSparse},
		{Planner{}, 1_000_000, 137_000, 1000, 40, PlanWindowed},
		{Planner{}, 1_000_000, 137_000, 1000, 60, PlanWindowed},
		{Planner{SparseKTerms: 80}, 1_000_000, 137_000, 1000, 60, PlanSparse},
		// Top-10 does not depend on the terms.
		{Planner{}, 1_000_000, 136_999, 10, 2, PlanSparse},
		{Planner{}, 1_000_000, 137_000, 10, 2, PlanWindowed},
	}
	for _, c := range cases {
		c.run(t)
	}
}

// TestPlannerRuleLargeDense: views of more than 2^16 docs go dense from P
// >= 2.5N with at least 16 terms, up to 2^21 docs and the top 100, and
// only while every doc is visible.
func TestPlannerRuleLargeDense(t *testing.T) {
	cases := []plannerCase{
		{Planner{}, 1_000_000, 2_500_000, 10, 16, PlanDense},
		{Planner{}, 1_000_000, 2_499_999, 10, 16, PlanWindowed},
		{Planner{}, 1_000_000, 2_500_000, 10, 15, PlanWindowed},
		{Planner{}, 1_000_000, 5_000_000, 100, 30, PlanDense},
		{Planner{}, 1_000_000, 5_000_000, 101, 30, PlanWindowed},
		{Planner{}, 1 << 21, 3 << 21, 10, 16, PlanDense},
		{Planner{}, 1<<21 + 1, 3<<21 + 3, 10, 16, PlanWindowed},
		{Planner{}, 8_800_000, 30_000_000, 10, 30, PlanWindowed},
		{Planner{DenseFrom: 1, DenseTerms: 4}, 1_000_000, 1_000_000, 10, 4, PlanDense},
		{Planner{DenseFrom: -1}, 1_000_000, 5_000_000, 10, 30, PlanWindowed},
	}
	for _, c := range cases {
		c.run(t)
	}
	t.Run("hidden docs", func(t *testing.T) { checkHiddenDocs(t, 1_000_000, 16, 200_000, PlanDense) })
}

// checkHiddenDocs checks that a query of terms lists of count postings
// each on a view of n docs gets plan visible while every doc may be a
// hit, and the windowed one with deleted or filtered docs.
func checkHiddenDocs(t *testing.T, n, terms int, count uint32, visible Plan) {
	t.Helper()
	l, q := equalLists(n, terms, count)
	var p Planner
	if got, _ := p.plan(l, q, 10, true, -1, 1); got != visible {
		t.Fatalf("visible: plan %q, want %q", got, visible)
	}
	if got, _ := p.plan(l, q, 10, false, -1, 1); got != PlanWindowed {
		t.Fatalf("deleted or filtered docs: plan %q, want windowed", got)
	}
}

// TestPlannerRuleMidDense: without the vector kernels, views of more
// than 2^16 and at most 2^18 docs go dense from P >= 0.4N with at least 8
// terms, at every k, while every doc is visible; with them (and in every
// build on other views) the rule above decides.
func TestPlannerRuleMidDense(t *testing.T) {
	mid := PlanWindowed // what the rule above picks for these cases
	if !avx512 {
		mid = PlanDense
	}
	cases := []plannerCase{
		{Planner{}, 100_000, 40_000, 10, 8, mid},
		{Planner{}, 100_000, 40_000, 1000, 8, mid},
		{Planner{}, 100_000, 39_999, 10, 8, PlanWindowed},
		{Planner{}, 100_000, 40_000, 10, 7, PlanWindowed},
		{Planner{}, 1 << 18, 1 << 18, 100, 20, mid},
		{Planner{}, 1<<18 + 1, 1 << 18, 100, 20, PlanWindowed},
		{Planner{DenseFrom: -1}, 100_000, 100_000, 10, 20, PlanWindowed},
	}
	for _, c := range cases {
		c.run(t)
	}
	t.Run("hidden docs", func(t *testing.T) { checkHiddenDocs(t, 100_000, 8, 10_000, mid) })
}

// plannerCase is one row of the planner's rule: the plan for a query of
// terms (0 = 1) whose lists hold P postings in a view of n docs, top k
// (0 = 10).
type plannerCase struct {
	p              Planner
	n, P, k, terms int
	want           Plan
}

func (c plannerCase) run(t *testing.T) {
	t.Helper()
	k, terms := c.k, max(c.terms, 1)
	if k == 0 {
		k = 10
	}
	name := fmt.Sprintf("N=%d/P=%d/k=%d/T=%d/below=%g/sqrt=%g/kexp=%g/kterms=%g",
		c.n, c.P, k, terms, c.p.SparseBelow, c.p.SparseSqrt, c.p.SparseKExp, c.p.SparseKTerms)
	t.Run(name, func(t *testing.T) {
		// The first term holds all but one posting of each of the others.
		l, q := equalLists(c.n, terms, 1)
		l.TermCount[0] = uint32(c.P - (terms - 1))
		// These rules' cases are of one term mostly: the single-term plan,
		// which would take them all, is off (TestPlannerRuleSingle).
		c.p.Single = -1
		if got, _ := c.p.plan(l, q, k, true, -1, 1); got != c.want {
			t.Fatalf("plan %q, want %q", got, c.want)
		}
	})
}

// The planner's dense strategy on a view of more than 2^16 docs (the
// DenseFrom rule, lowered here so that random queries reach it) returns
// exactly the exhaustive top-k, alternating on one Searcher with queries
// planned sparse and windowed, and with deleted or filtered docs (planned
// windowed then).
func TestPlannerLargeDenseMatchesExhaustive(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 13))
	spec := corpusSpec{docs: segment.WindowDocs + 4_000, vocab: 40, maxLen: 12, zipf: 1.1, levels: 3}
	seg := buildCorpus(t, r, spec)
	p := &Planner{DenseFrom: 0.5, DenseTerms: 4}
	s, ref := NewSearcher(p), NewSearcher(new(Exhaustive))
	live := randBitmap(r, seg.NumDocs(), 0.9)
	plans := map[Plan]int{}
	for qi := 0; qi < 60; qi++ {
		var q sparse.Vector
		switch qi % 3 {
		case 0: // every term: P ~ 6N, dense when visible
			for id := range spec.vocab {
				q.IDs = append(q.IDs, int32(id))
				q.Weights = append(q.Weights, float32(1+r.IntN(9)))
			}
		case 1: // two rare terms: sparse
			q = sparse.Vector{IDs: []int32{int32(spec.vocab - 2), int32(spec.vocab - 1)}, Weights: []float32{2, 3}}
		default:
			q = randQuery(r, spec.vocab)
		}
		views := []segment.View{{Segment: seg}}
		if qi%4 == 3 {
			views[0].Live = live
		}
		var filter []*roaring.Bitmap
		if qi%5 == 4 {
			filter = []*roaring.Bitmap{randBitmap(r, seg.NumDocs(), 0.5)}
		}
		if filter == nil {
			pl, err := p.plans(views, q, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			plans[pl[0]]++
		}
		for _, k := range []int{1, 10, 100, 1000} {
			sameAsReference(t, s, ref, views, q, k, filter, fmt.Sprintf("query %d", qi))
		}
	}
	if plans[PlanDense] == 0 || plans[PlanSparse] == 0 || plans[PlanWindowed] == 0 {
		t.Fatalf("plans %v: want every strategy", plans)
	}
}

// TestPlannerSparseWindowFollowsPlans checks that on a view of more than
// 2^17 docs the sparse strategy takes windows of 2^17 docs after a run of
// sparse plans and of 2^16 after windowed ones (sparseWide), and returns
// the exhaustive top-k with either.
func TestPlannerSparseWindowFollowsPlans(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 17))
	spec := corpusSpec{docs: 1<<sparseMaxBits + 3_000, vocab: 30, maxLen: 6, zipf: 1.1, levels: 3}
	seg := buildCorpus(t, r, spec)
	p := &Planner{DenseFrom: -1} // every term: windowed, not dense
	s, ref := NewSearcher(p), NewSearcher(new(Exhaustive))
	views := []segment.View{{Segment: seg}}
	rare := sparse.Vector{IDs: []int32{int32(spec.vocab - 2), int32(spec.vocab - 1)}, Weights: []float32{2, 3}}
	var every sparse.Vector
	for id := range spec.vocab {
		every.IDs = append(every.IDs, int32(id))
		every.Weights = append(every.Weights, float32(1+r.IntN(9)))
	}
	// Each query is searched at k = 10 and 1000, two plans recorded per
	// query: wide after a run of sparse plans, narrow after windowed ones,
	// then the sparse plans run narrow until 28 of the last 32 plans are
	// sparse, then wide again.
	steps := []struct {
		q      sparse.Vector
		n      int
		plan   Plan
		narrow bool
	}{{rare, 32, PlanSparse, false}, {every, 8, PlanWindowed, true}, {rare, 32, PlanSparse, false}}
	for i, st := range steps {
		for range st.n {
			pl, err := p.plans(views, st.q, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			if pl[0] != st.plan {
				t.Fatalf("step %d: plan %s, want %s", i, pl[0], st.plan)
			}
			for _, k := range []int{10, 1000} {
				want, err := ref.Search(views, st.q, k, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Search(views, st.q, k, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("step %d k=%d (narrow %v): got %v\nwant %v", i, k, p.sparse.narrow, head(got), head(want))
				}
			}
		}
		if p.sparse.narrow != st.narrow {
			t.Fatalf("step %d: narrow %v after %d %s plans, want %v", i, p.sparse.narrow, st.n, st.plan, st.narrow)
		}
	}
}

// TestPlannerRuleFiltered: a filter admitting F docs of the view gets the
// filtered plan when F * T * (3 + T/12) <= min(P, 2N) (T terms, P
// postings, N docs), on large and small views alike; without a filter,
// with a negative FilteredRatio, or admitting more, the rules above
// decide.
func TestPlannerRuleFiltered(t *testing.T) {
	cases := []struct {
		p         Planner
		n         int
		termCount uint32
		terms     int
		admitted  int64
		want      Plan
	}{
		// 1M docs, 12 terms of 40k postings (P = 480k), R = 4: F <= 10k.
		{Planner{}, 1_000_000, 40_000, 12, 10_000, PlanFiltered},
		{Planner{}, 1_000_000, 40_000, 12, 10_001, PlanWindowed},
		{Planner{}, 1_000_000, 40_000, 12, 0, PlanFiltered},
		{Planner{}, 1_000_000, 40_000, 12, -1, PlanWindowed},
		{Planner{FilteredRatio: -1}, 1_000_000, 40_000, 12, 10, PlanWindowed},
		// 36 terms (P = 1.44M), R = 6: F <= 6,666.
		{Planner{}, 1_000_000, 40_000, 36, 6_666, PlanFiltered},
		{Planner{}, 1_000_000, 40_000, 36, 6_667, PlanWindowed},
		// R = 2 + 12/6 = 4; R = 2 (no growth): F <= 20k.
		{Planner{FilteredRatio: 2, FilteredTerms: 6}, 1_000_000, 40_000, 12, 10_000, PlanFiltered},
		{Planner{FilteredRatio: 2, FilteredTerms: 6}, 1_000_000, 40_000, 12, 10_001, PlanWindowed},
		{Planner{FilteredRatio: 2, FilteredTerms: -1}, 1_000_000, 40_000, 12, 20_000, PlanFiltered},
		{Planner{FilteredRatio: 2, FilteredTerms: -1}, 1_000_000, 40_000, 12, 20_001, PlanWindowed},
		// A small view (one window), 4 terms (R = 3.33, P = 400): sparse
		// or dense otherwise.
		{Planner{}, 5_000, 100, 4, 30, PlanFiltered},
		{Planner{}, 5_000, 100, 4, 31, PlanSparse},
		// 20 terms of 4,000 postings (P = 80k > 2N = 10k), R = 4.67:
		// F <= 107.
		{Planner{}, 5_000, 4_000, 20, 107, PlanFiltered},
		{Planner{}, 5_000, 4_000, 20, 108, PlanDense},
		// A large view past 2N: 1M docs, 40 terms of 100k (P = 4M), R =
		// 6.33: F <= 7,894.
		{Planner{}, 1_000_000, 100_000, 40, 7_894, PlanFiltered},
		{Planner{}, 1_000_000, 100_000, 40, 7_895, PlanWindowed},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%+v/n=%d/P=%dx%d/F=%d", c.p, c.n, c.termCount, c.terms, c.admitted), func(t *testing.T) {
			l, q := equalLists(c.n, c.terms, c.termCount)
			if got, _ := c.p.plan(l, q, 10, c.admitted < 0, c.admitted, 1); got != c.want {
				t.Fatalf("plan %q, want %q", got, c.want)
			}
		})
	}
}

// A filtered search's plan follows the filter's cardinality in each view,
// and its hits are exhaustive's.
func TestPlannerFilteredSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	spec := corpusSpec{docs: 20_000, vocab: 50, maxLen: 20, zipf: 1.05}
	seg := buildCorpus(t, r, spec)
	views := []segment.View{{Segment: seg}, {Segment: seg}}
	q := sparse.Vector{IDs: []int32{0, 1, 2}, Weights: []float32{1, 0.5, 0.25}}
	filter := []*roaring.Bitmap{randBitmap(r, seg.NumDocs(), 0.001), randBitmap(r, seg.NumDocs(), 0.5)}
	plans, err := Plans(views, q, 10, filter)
	if err != nil {
		t.Fatal(err)
	}
	if plans[0] != PlanFiltered || plans[1] == PlanFiltered {
		t.Fatalf("plans %v: want filtered on the selective view only", plans)
	}
	want, err := NewSearcher(new(Exhaustive)).Search(views, q, 10, filter)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewSearcher(new(Planner)).Search(views, q, 10, filter)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || len(got) == 0 {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestPlannerRuleSingle: a query with one term in the view gets the
// single-term plan on every view size, at every k and length, without a
// filter or under one too wide for the filtered plan; Single < 0 turns
// it off, and a second term or a selective filter goes elsewhere.
func TestPlannerRuleSingle(t *testing.T) {
	cases := []struct {
		p        Planner
		n        int
		P        uint32
		terms, k int
		admitted int64
		want     Plan
	}{
		{Planner{}, 5_000, 100, 1, 10, -1, PlanSingle},
		{Planner{}, 5_000, 4_999, 1, 1000, -1, PlanSingle},
		{Planner{}, 1_000_000, 900, 1, 1000, -1, PlanSingle},
		{Planner{}, 1_000_000, 900_000, 1, 10, -1, PlanSingle},
		{Planner{}, 8_800_000, 5_000_000, 1, 100, -1, PlanSingle},
		{Planner{}, 1_000_000, 900_000, 1, 10, 500_000, PlanSingle},
		{Planner{}, 1_000_000, 900_000, 1, 10, 100, PlanFiltered},
		{Planner{Single: -1}, 1_000_000, 900, 1, 1000, -1, PlanSparse},
		{Planner{Single: -1}, 5_000, 4_999, 1, 10, -1, PlanDense},
		{Planner{}, 1_000_000, 900, 2, 1000, -1, PlanSparse},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%+v/n=%d/P=%dx%d/k=%d/F=%d", c.p, c.n, c.P, c.terms, c.k, c.admitted), func(t *testing.T) {
			l, q := equalLists(c.n, c.terms, c.P)
			if got, _ := c.p.plan(l, q, c.k, c.admitted < 0, c.admitted, 1); got != c.want {
				t.Fatalf("plan %q, want %q", got, c.want)
			}
		})
	}
}

// One-term queries are planned single and return exhaustive's hits at
// every k, with deleted docs, with a filter, over several views (the
// threshold carried from one to the next), on lists of one block to
// thousands, with weights that tie.
func TestPlannerSingleSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 4))
	spec := corpusSpec{docs: 30_000, vocab: 400, maxLen: 30, zipf: 1.05, levels: 3}
	seg := buildCorpus(t, r, spec)
	views := []segment.View{{Segment: seg}, {Segment: seg, Live: randBitmap(r, seg.NumDocs(), 0.7)}}
	s, ref := NewSearcher(new(Planner)), NewSearcher(new(Exhaustive))
	filters := [][]*roaring.Bitmap{nil, {randBitmap(r, seg.NumDocs(), 0.5), nil}, {randBitmap(r, seg.NumDocs(), 0.2), randBitmap(r, seg.NumDocs(), 0.9)}}
	var searched int
	for _, id := range []int32{0, 1, 2, 5, 17, 60, 150, 399} {
		for _, w := range []float32{1, 0.37, 1e-3} {
			q := spec.mapIDs(sparse.Vector{IDs: []int32{id}, Weights: []float32{w}})
			plans, err := Plans(views[:1], q, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			if plans[0] != "" && plans[0] != PlanSingle {
				t.Fatalf("term %d: plan %q, want %q", id, plans[0], PlanSingle)
			}
			for _, filter := range filters {
				for _, k := range []int{1, 10, 100, 1000, 5000} {
					want := sameAsReference(t, s, ref, views, q, k, filter, fmt.Sprintf("term %d w=%g filter %v", id, w, filter != nil))
					searched += len(want)
				}
			}
		}
	}
	if searched == 0 {
		t.Fatal("no hits in any search")
	}
}

// sameAsReference searches views with s and with ref (exhaustive) and fails
// unless their hits are equal; it returns them.
func sameAsReference(t *testing.T, s, ref *Searcher, views []segment.View, q sparse.Vector, k int, filter []*roaring.Bitmap, what string) []Hit {
	t.Helper()
	want, err := ref.Search(views, q, k, filter)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Search(views, q, k, filter)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s k=%d: got %d hits %v\nwant %d %v", what, k, len(got), head(got), len(want), head(want))
	}
	return want
}

// equalLists is a layout of n docs (list lengths and maxima, what plan
// reads) and a query of its first terms, each list holding count postings
// of maximum impact 1.
func equalLists(n, terms int, count uint32) (*segment.Layout, []qterm) {
	counts := make([]uint32, terms)
	q := make([]qterm, terms)
	for i := range counts {
		counts[i], q[i] = count, qterm{t: uint32(i), w: 1}
	}
	return &segment.Layout{NumDocs: n, TermCount: counts, TermMax: slices.Repeat([]uint8{1}, terms)}, q
}

// A query below the sparse crossover is planned windowed when its lists
// that cannot reach the primed threshold (the weakest, whose maxima sum
// below it) hold more than SparseSkip * N + SparseSlack postings; the
// lists that can reach it are not counted, SparseSkip < 0 turns the rule
// off, and it applies to the top 10 only.
func TestPlannerRuleSkippable(t *testing.T) {
	// 1M docs: a strong list of 2,000 postings (maximum 200) and three weak
	// ones (maximum 10 each) of weak postings each; P stays below the
	// crossover (N/8 + 12,000). N/32 + 12,000 = 43,250.
	layout := func(weak uint32) (*segment.Layout, []qterm) {
		l := &segment.Layout{NumDocs: 1_000_000, TermCount: []uint32{2_000, weak, weak, weak}, TermMax: []uint8{200, 10, 10, 10}}
		q := []qterm{{t: 1, w: 1}, {t: 0, w: 1}, {t: 2, w: 1}, {t: 3, w: 1}}
		return l, q
	}
	cases := []struct {
		p    Planner
		weak uint32
		thr  int32
		want Plan
		k    int
	}{
		{Planner{}, 16_000, 31, PlanWindowed, 10},  // all three weak lists skippable: 48k
		{Planner{}, 16_000, 21, PlanSparse, 10},    // two of them (their maxima 20 < 21): 32k
		{Planner{}, 16_000, 1, PlanSparse, 10},     // unprimed: none
		{Planner{}, 14_000, 31, PlanSparse, 10},    // 42k
		{Planner{}, 16_000, 250, PlanWindowed, 10}, // even the strong list: 50k
		{Planner{SparseSkip: -1}, 16_000, 31, PlanSparse, 10},
		{Planner{SparseSkip: 1.0 / 16}, 16_000, 31, PlanSparse, 10}, // 48k < 74.5k
		{Planner{SparseSlack: -1}, 14_000, 31, PlanWindowed, 10},    // 42k > 31.25k
		{Planner{}, 16_000, 31, PlanSparse, 100},                    // top 100: the rule is off
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("skip=%g/slack=%d/weak=%d/thr=%d/k=%d", c.p.SparseSkip, c.p.SparseSlack, c.weak, c.thr, c.k), func(t *testing.T) {
			l, q := layout(c.weak)
			if got, _ := c.p.plan(l, q, c.k, true, -1, c.thr); got != c.want {
				t.Fatalf("plan %q, want %q", got, c.want)
			}
		})
	}
}

// blockLists is a layout of n docs whose list i holds counts[i] postings
// in blocks of 128, spread evenly over the docs, block b's maximum
// blockMax(i, b) (what the planner's rules read: lengths, maxima, block
// last docs and maxima), and a query of every list, weight 1.
func blockLists(n int, counts []uint32, blockMax func(i, b int) uint8) (*segment.Layout, []qterm) {
	l := &segment.Layout{NumDocs: n, BlockSize: 128, TermBlk: []uint32{0}}
	q := make([]qterm, len(counts))
	for i, c := range counts {
		blocks := (int(c) + 127) / 128
		var top uint8
		for b := range blocks {
			last := min(int(c), (b+1)*128)*n/int(c) - 1
			l.BlkLast = append(l.BlkLast, uint32(last))
			l.BlkMax = append(l.BlkMax, blockMax(i, b))
			top = max(top, blockMax(i, b))
		}
		l.TermBlk = append(l.TermBlk, uint32(len(l.BlkLast)))
		l.TermCount = append(l.TermCount, c)
		l.TermMax = append(l.TermMax, top)
		q[i] = qterm{t: uint32(i), w: 1}
	}
	return l, q
}

// A top-10 query below the sparse crossover, not skippable, is planned
// windowed when the windowed strategy's bounds per window at the primed
// threshold leave at least SparseEssential * P of its postings (0: 3/4)
// in lists that can reach it, and more than SparseSkip * N + SparseSlack
// (43,250 on 1M docs); windows whose bounds sum below the threshold hold
// none. Without the vector kernels the rule is off.
func TestPlannerRuleEssential(t *testing.T) {
	const n = 1_000_000
	flat := func(maxes ...uint8) func(i, b int) uint8 { return func(i, _ int) uint8 { return maxes[i] } }
	// List 0's blocks reach 200 in the first 2^16 docs only, 50 after.
	firstWindow := func(counts []uint32) func(i, b int) uint8 {
		return func(i, b int) uint8 {
			if i == 0 && (b+1)*128*n/int(counts[0]) <= 1<<16 {
				return 200
			}
			return 50
		}
	}
	cases := []struct {
		name   string
		p      Planner
		counts []uint32
		maxes  func(counts []uint32) func(i, b int) uint8
		thr    int32
		k      int
		want   Plan
	}{
		{"every list essential", Planner{}, []uint32{45_000, 5_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 100, 10, PlanWindowed},
		// List 1 (bound 150 < 160) is set aside in every window: 15k of
		// 50k essential.
		{"the larger list non-essential", Planner{}, []uint32{15_000, 35_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 160, 10, PlanSparse},
		{"off", Planner{SparseEssential: -1}, []uint32{45_000, 5_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 100, 10, PlanSparse},
		{"top 100", Planner{}, []uint32{45_000, 5_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 100, 100, PlanSparse},
		// 40k postings, all essential, but not more than 43,250.
		{"few postings", Planner{}, []uint32{35_000, 5_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 100, 10, PlanSparse},
		{"share 0.95, every list essential", Planner{SparseEssential: 0.95}, []uint32{15_000, 35_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 100, 10, PlanWindowed},
		// 32k of 50k essential: a fifth of P and more than N/32 without
		// the slack.
		{"share 0.2", Planner{SparseEssential: 0.2, SparseSlack: -1}, []uint32{32_000, 18_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 160, 10, PlanWindowed},
		{"share 0.2, 15k essential", Planner{SparseEssential: 0.2, SparseSlack: -1}, []uint32{15_000, 25_000}, func([]uint32) func(i, b int) uint8 { return flat(200, 150) }, 160, 10, PlanSparse},
		// Past the first window both bounds sum to 100 < 120: those windows
		// are skipped, their postings not essential; at 50 neither list is
		// set aside there.
		{"windows skipped", Planner{}, []uint32{45_000, 5_000}, firstWindow, 120, 10, PlanSparse},
		{"windows not skipped", Planner{}, []uint32{45_000, 5_000}, firstWindow, 50, 10, PlanWindowed},
		// At 100 one of the two lists bound by 50 there is set aside: the
		// first in the query's order, list 0.
		{"the long list set aside", Planner{}, []uint32{45_000, 5_000}, firstWindow, 100, 10, PlanSparse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, q := blockLists(n, c.counts, c.maxes(c.counts))
			want := c.want
			if !avx512 {
				want = PlanSparse // the rule is off without the vector kernels
			}
			if got, _ := c.p.plan(l, q, c.k, true, -1, c.thr); got != want {
				t.Fatalf("plan %q, want %q (essential postings %d of %d)", got, want, c.p.windowEssential(l, q, c.thr, math.MaxInt64), c.counts[0]+c.counts[1])
			}
		})
	}
}

// windowEssential, which walks each list's blocks once, equals its
// definition computed window by window from every block: a list's bound in
// a window is the largest maximum of its blocks whose docs (from the last
// doc of the block before, exclusive) overlap the window, a block's
// postings count in the window of its last doc, a window whose bounds sum
// below the threshold has every posting set aside, and elsewhere the
// lists whose bounds, smallest first, sum below it are set aside. Told to
// stop once more than a postings are set aside, it returns the same count
// when no more are, and fewer than P - a essential postings otherwise.
func TestWindowEssential(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(25, 25))
	spec := corpusSpec{docs: 70_000, vocab: 40, maxLen: 8, zipf: 1.1}
	seg := buildCorpus(t, r, spec)
	l := seg.Layout()
	var p Planner
	shift := p.Windowed.config(0, l.NumDocs).windowShift
	if l.NumDocs>>shift < 4 {
		t.Fatalf("%d docs in windows of 2^%d: want several windows", l.NumDocs, shift)
	}
	want := func(q []qterm, thr int32) int64 {
		var ess int64
		for w0 := 0; w0 < l.NumDocs; w0 += 1 << shift {
			w1 := uint32(min(w0+1<<shift, l.NumDocs) - 1)
			wmax, cnt := make([]int32, len(q)), make([]int64, len(q))
			var total int32
			for i, qt := range q {
				b0, b1 := int(l.TermBlk[qt.t]), int(l.TermBlk[qt.t+1])
				for b := b0; b < b1; b++ {
					first := uint32(0)
					if b > b0 {
						first = l.BlkLast[b-1] + 1
					}
					if first <= w1 && l.BlkLast[b] >= uint32(w0) {
						wmax[i] = max(wmax[i], qt.w*int32(l.BlkMax[b]))
					}
					if l.BlkLast[b] >= uint32(w0) && l.BlkLast[b] <= w1 {
						cnt[i] += int64(l.TermBlockLen(int(qt.t), b))
					}
				}
				total += wmax[i]
			}
			if total < thr {
				continue
			}
			order := make([]int, len(q))
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(wmax[a], wmax[b]) })
			var rest int32
			for j, i := range order {
				if rest+wmax[i] >= thr {
					for _, i := range order[j:] {
						ess += cnt[i]
					}
					break
				}
				rest += wmax[i]
			}
		}
		return ess
	}
	var checked, partial, stopped int
	for range 200 {
		var q []qterm
		for _, id := range r.Perm(spec.vocab)[:1+r.IntN(8)] {
			if i, ok := l.Lookup(uint32(id)); ok && l.TermCount[i] > 0 {
				q = append(q, qterm{t: uint32(i), w: int32(1 + r.IntN(50))})
			}
		}
		if len(q) == 0 {
			continue
		}
		var sum int32
		var postings int64
		for _, qt := range q {
			sum += qt.maxScore(l)
			postings += int64(l.TermCount[qt.t])
		}
		thr := int32(r.Int64N(int64(sum) + 1))
		exp := want(q, thr)
		if got := p.windowEssential(l, q, thr, math.MaxInt64); got != exp {
			t.Fatalf("query %v thr %d: windowEssential %d, want %d", q, thr, got, exp)
		}
		checked++
		if exp > 0 && exp < postings {
			partial++
		}
		a := r.Int64N(postings + 1)
		got := p.windowEssential(l, q, thr, a)
		switch {
		case postings-exp <= a && got != exp:
			t.Fatalf("query %v thr %d, stop past %d set aside: %d, want %d", q, thr, a, got, exp)
		case postings-exp > a && got >= postings-a:
			t.Fatalf("query %v thr %d, stop past %d set aside: %d, want fewer than %d", q, thr, a, got, postings-a)
		case postings-exp > a:
			stopped++
		}
	}
	if checked < 100 || partial < 20 || stopped < 20 {
		t.Fatalf("only %d queries checked, %d with some postings essential and some not, %d stopped early", checked, partial, stopped)
	}
}
