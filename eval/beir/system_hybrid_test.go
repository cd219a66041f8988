package main

import (
	"testing"

	"github.com/sparrow-search/sparrow/eval"
)

func TestFuseHits(t *testing.T) {
	sparse := []eval.Hit{{ID: "a", Score: 10}, {ID: "b", Score: 5}, {ID: "c", Score: 0}}
	bm25 := []eval.Hit{{ID: "c", Score: 4}, {ID: "d", Score: 2}, {ID: "a", Score: 0}}
	got := fuseHits(sparse, bm25, "minmax", 0.5, 10)
	// a: .5*1+.5*0=.5, b: .5*.5+.5*0(floor)=.25, c: 0+.5*1=.5, d: .5*0(floor)+.5*.5=.25
	want := []eval.Hit{{ID: "a", Score: .5}, {ID: "c", Score: .5}, {ID: "b", Score: .25}, {ID: "d", Score: .25}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rank %d: got %v, want %v (all %v)", i, got[i], want[i], got)
		}
	}
	if got := fuseHits(sparse, bm25, "minmax", 1, 2); got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("w=1 must reproduce the sparse order, got %v", got)
	}
	z := fuseHits(sparse, nil, "zscore", 1, 3)
	if z[0].ID != "a" || z[2].ID != "c" || z[0].Score <= 0 || z[2].Score >= 0 {
		t.Fatalf("zscore: %v", z)
	}
	if got := fuseHits(nil, nil, "minmax", .5, 10); len(got) != 0 {
		t.Fatalf("empty lists: %v", got)
	}
}
