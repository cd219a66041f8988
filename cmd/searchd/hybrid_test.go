package main

import "testing"

// hit builds a scored hit (keyed, since scored aliases fusion.Hit).
func hit(id string, score float64) scored { return scored{ID: id, Score: score} }

func TestFuse(t *testing.T) {
	sparse := []scored{hit("a", 10), hit("b", 5), hit("c", 0)}
	bm25 := []scored{hit("c", 4), hit("d", 2), hit("a", 0)}
	got := fuse(sparse, bm25, fusionOptions{Normalization: normMinMax, SparseWeight: .5, BM25Weight: .5}, 10)
	want := []scored{hit("a", .5), hit("c", .5), hit("b", .25), hit("d", .25)}
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
	// Equal scores min-max-normalise to 1, so fusion keeps both, ordered by id.
	eq := fuse([]scored{hit("y", 3), hit("x", 3)}, nil, fusionOptions{Normalization: normMinMax, SparseWeight: 1}, 10)
	if len(eq) != 2 || eq[0] != hit("x", 1) || eq[1] != hit("y", 1) {
		t.Fatalf("equal scores min-max: %v", eq)
	}
}
