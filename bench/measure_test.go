package main

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// synthSegment builds a segment of n synthetic docs and returns, as
// queries, the first terms (at most terms) of one doc in every.
func synthSegment(t *testing.T, n, every, terms int) (*segment.Segment, []sparse.Vector) {
	t.Helper()
	g := newSynth(DefaultSynth())
	seen := map[int32]struct{}{}
	b := segment.NewBuilder(segment.Options{})
	var qs []sparse.Vector
	for i := range n {
		v := g.doc(i, seen)
		b.Add(v)
		if i%every == 0 {
			m := min(terms, len(v.IDs))
			qs = append(qs, sparse.Vector{IDs: v.IDs[:m:m], Weights: v.Weights[:m:m]})
		}
	}
	seg, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return seg, qs
}

// runMix counts the queries slower than exhaustive at every timed k, not
// only at k = 10, and checks every k against exhaustive.
func TestRunMixSlowerByK(t *testing.T) {
	seg, qs := synthSegment(t, 3000, 150, 6)
	h := &harness{views: []segment.View{{Segment: seg}}, algs: []string{"exhaustive", "planner"}, ks: []int{10, 100}, reps: 1}
	mr := newMixReport(QueryMix{Name: "test"})
	if err := h.runMix(mr, qs); err != nil {
		t.Fatal(err)
	}
	if !mr.IdenticalTopK {
		t.Fatalf("mismatches: %v", mr.Mismatches)
	}
	if _, ok := mr.SlowerThanExhaustive["planner"]; !ok {
		t.Fatal("no k=10 count")
	}
	sc, ok := mr.SlowerByK[100]["planner"]
	if !ok || len(mr.SlowerByK) != 1 {
		t.Fatalf("slower_by_k %v: want the planner at k=100 only", mr.SlowerByK)
	}
	if sc.Unpaired > len(qs) || sc.Paired > sc.Unpaired || sc.Paired10 > sc.Paired {
		t.Fatalf("inconsistent counts %+v of %d queries", sc, len(qs))
	}
}

// With per-query output, runMix records every query's plans (views per
// plan, summing to the views searched) and the paired ratio of each query
// it re-timed (0 for the others, which its unpaired count covers).
func TestRunMixPerQuery(t *testing.T) {
	seg, qs := synthSegment(t, 3000, 150, 6)
	h := &harness{views: []segment.View{{Segment: seg}}, algs: []string{"exhaustive", "planner"}, ks: []int{10}, reps: 1, perQuery: map[string][]float64{}}
	mr := newMixReport(QueryMix{Name: "test"})
	if err := h.runMix(mr, qs); err != nil {
		t.Fatal(err)
	}
	views := make([]float64, len(qs))
	plans := 0
	for key, v := range h.perQuery {
		if !strings.HasPrefix(key, "test/_plan/") {
			continue
		}
		plans++
		for i, n := range v {
			views[i] += n
		}
	}
	if plans == 0 {
		t.Fatalf("no per-query plans in %v", slices.Collect(maps.Keys(h.perQuery)))
	}
	for i, n := range views {
		if n != 1 {
			t.Fatalf("query %d: %v views planned, want 1", i, n)
		}
	}
	ratios, ok := h.perQuery["test/planner/paired"]
	if !ok || len(ratios) != len(qs) {
		t.Fatalf("paired ratios %v, want one per query", ratios)
	}
	retimed, slower := 0, 0
	for _, r := range ratios {
		if r > 0 {
			retimed++
		}
		if r > 1 {
			slower++
		}
	}
	if retimed != mr.SlowerThanExhaustive["planner"] || slower != mr.SlowerPaired["planner"] {
		t.Fatalf("%d re-timed, %d slower; counts %d unpaired, %d paired", retimed, slower, mr.SlowerThanExhaustive["planner"], mr.SlowerPaired["planner"])
	}
}

// A paired sample repeats a short query until it spans pairedSample.
func TestPairedReps(t *testing.T) {
	for _, tc := range []struct {
		once time.Duration
		want int
	}{
		{200 * time.Nanosecond, 101}, // a query of a few postings
		{pairedSample / 2, 3},
		{pairedSample, 2},
		{30 * time.Microsecond, 1},
		{time.Second, 1},
		{0, 1000}, // a clock that did not move: the cap
	} {
		if got := pairedReps(tc.once); got != tc.want {
			t.Errorf("pairedReps(%v) = %d, want %d", tc.once, got, tc.want)
		}
	}
}

// timeAlgs alternates the algorithms pass by pass (a pass of each, then
// the next pass of each) and keeps one time per query and algorithm.
func TestTimeAlgsAlternatesPasses(t *testing.T) {
	seg, qs := synthSegment(t, 500, 100, 2)
	var order []string
	h := &harness{views: []segment.View{{Segment: seg}}, reps: 3, timed: func(name string) { order = append(order, name) }}
	names := []string{"exhaustive", "planner"}
	ts, err := h.timeAlgs(names, qs, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for range h.reps {
		for _, name := range names {
			for range qs {
				want = append(want, name)
			}
		}
	}
	if !slices.Equal(order, want) {
		t.Fatalf("timed searches in order %v, want %v", order, want)
	}
	if len(ts) != len(names) || len(ts[1].cpu) != len(qs) || len(ts[1].wall) != len(qs) {
		t.Fatalf("got %d timings (%d, %d per query), want %d of %d", len(ts), len(ts[1].cpu), len(ts[1].wall), len(names), len(qs))
	}
}

// pairedSlower warms each algorithm on another query before every sample
// of it: no timed search of q follows the other algorithm's search of q.
func TestPairedSlowerWarms(t *testing.T) {
	seg, qs := synthSegment(t, 500, 100, 2)
	q, warm := qs[0], qs[1]
	if slices.Equal(q.IDs, warm.IDs) {
		t.Fatal("the test needs two different queries")
	}
	type search struct {
		name string
		warm bool
	}
	var seq []search
	h := &harness{views: []segment.View{{Segment: seg}}, searched: func(name string, v sparse.Vector) {
		seq = append(seq, search{name, slices.Equal(v.IDs, warm.IDs)})
	}}
	if _, err := h.pairedSlower("planner", q, warm, 10); err != nil {
		t.Fatal(err)
	}
	warms := map[string]int{}
	for i, s := range seq {
		if s.warm {
			warms[s.name]++
			continue
		}
		if i < 2 { // exhaustive's two timings of one search
			continue
		}
		if prev := seq[i-1]; prev.name != s.name {
			t.Fatalf("search %d (%s of q) follows %s's search (warm %v): %v", i, s.name, prev.name, prev.warm, seq)
		}
	}
	if warms["exhaustive"] != 5 || warms["planner"] != 5 {
		t.Fatalf("warm searches %v, want 5 of each algorithm (one per sample)", warms)
	}
}

// --filter-density: a seeded filter admitting about the share asked, the
// same for every run of a seed; every search of the harness gets it, so
// the planner's filtered plan is checked against exhaustive and counted.
func TestFilterDensity(t *testing.T) {
	seg, qs := synthSegment(t, 20000, 500, 6)
	views := []segment.View{{Segment: seg}}
	f := randomFilters(views, 0.01, 7)
	if n := f[0].GetCardinality(); n < 150 || n > 250 {
		t.Fatalf("admits %d of 20000, want about 200", n)
	}
	if g := randomFilters(views, 0.01, 7); !g[0].Equals(f[0]) {
		t.Fatal("the same seed drew another filter")
	}
	h := &harness{views: views, filter: f, algs: []string{"exhaustive", "planner"}, ks: []int{10}, reps: 1}
	mr := newMixReport(QueryMix{Name: "test"})
	if err := h.runMix(mr, qs); err != nil {
		t.Fatal(err)
	}
	if !mr.IdenticalTopK {
		t.Fatalf("mismatches: %v", mr.Mismatches)
	}
	if mr.Plans["filtered"] == 0 {
		t.Fatalf("plans %v: want some filtered", mr.Plans)
	}
	for _, q := range qs {
		hits, err := h.search("planner", q, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, hit := range hits {
			if !f[0].Contains(hit.Doc) {
				t.Fatalf("hit %v not admitted by the filter", hit)
			}
		}
	}
}
