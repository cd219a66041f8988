package main

import (
	"testing"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// runMix counts the queries slower than exhaustive at every timed k, not
// only at k = 10, and checks every k against exhaustive.
func TestRunMixSlowerByK(t *testing.T) {
	g := newSynth(DefaultSynth())
	seen := map[int32]struct{}{}
	b := segment.NewBuilder(segment.Options{})
	var qs []sparse.Vector
	for i := range 3000 {
		v := g.doc(i, seen)
		b.Add(v)
		if i%150 == 0 { // a query: the first terms of some docs
			n := min(6, len(v.IDs))
			qs = append(qs, sparse.Vector{IDs: v.IDs[:n:n], Weights: v.Weights[:n:n]})
		}
	}
	seg, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
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
