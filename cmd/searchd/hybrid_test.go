package main

import "testing"

func TestFuse(t *testing.T) {
	sparse := []scored{{"a", 10}, {"b", 5}, {"c", 0}}
	bm25 := []scored{{"c", 4}, {"d", 2}, {"a", 0}}
	got := fuse(sparse, bm25, fusionOptions{Normalization: normMinMax, SparseWeight: .5, BM25Weight: .5}, 10)
	want := []scored{{"a", .5}, {"c", .5}, {"b", .25}, {"d", .25}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rank %d: got %v, want %v (all %v)", i, got[i], want[i], got)
		}
	}
	z := fuse(sparse, nil, fusionOptions{Normalization: normZScore, SparseWeight: 1}, 2)
	if len(z) != 2 || z[0].ID != "a" || z[1].ID != "b" || z[0].Score <= 0 {
		t.Fatalf("zscore sparse-only: %v", z)
	}
	if got := fuse(nil, nil, fusionOptions{}, 10); len(got) != 0 {
		t.Fatalf("empty: %v", got)
	}
	eq := normalise([]scored{{"x", 3}, {"y", 3}}, normMinMax)
	if eq[0].Score != 1 || eq[1].Score != 1 {
		t.Fatalf("equal scores min-max: %v", eq)
	}
}
