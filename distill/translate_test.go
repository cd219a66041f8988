package distill

import (
	"reflect"
	"testing"

	"github.com/sparrow-search/sparrow/encoder"
	"github.com/sparrow-search/sparrow/sparse"
)

// TestFitTranslation checks the lift arithmetic on a hand-counted example.
// Documents: d0 = {1, 2}, d1 = {1, 3}. Pairs (query tokens -> relevant doc):
// {5} -> d0, {5, 6} -> d1, {6} -> d1, {7} -> d0. 4 pairs; P(5) = 2/4,
// P(6) = 2/4, P(7) = 1/4. Source 1 is in all 4 pairs: P(5|1) = 2/4 (lift 0),
// P(6|1) = 2/4 (0), P(7|1) = 1/4 (0): no entries. Source 2 (d0: 2 pairs):
// P(5|2) = 1/2 (lift 0), P(7|2) = 1/2 (lift 1/4). Source 3 (d1: 2 pairs):
// P(5|3) = 1/2 (0), P(6|3) = 2/2 (lift 1/2).
func TestFitTranslation(t *testing.T) {
	docs := []sparse.Vector{{IDs: []int32{1, 2}, Weights: []float32{1, 1}}, {IDs: []int32{1, 3}, Weights: []float32{1, 1}}}
	idf := []float32{1, 1, 1, 1, 1, 1, 1, 1}
	q := func(ids ...int32) sparse.Vector {
		return sparse.Vector{IDs: ids, Weights: make([]float32, len(ids))}
	}
	queries := []sparse.Vector{q(5), q(5, 6), q(6), q(7)}
	pos := [][]int{{0}, {1}, {1}, {0}}
	tab, err := FitTranslation(docs, idf, queries, pos, 8, TranslationFit{MinCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := &encoder.Translation{V: 8, Start: []int32{0, 0, 0, 1, 2, 2, 2, 2, 2}, To: []int32{7, 6}, Lift: []float32{0.25, 0.5}}
	if !reflect.DeepEqual(tab, want) {
		t.Fatalf("got %+v\nwant %+v", tab, want)
	}
	// MinCount 2 keeps only (3, 6), seen twice; PerSource and determinism
	tab, err = FitTranslation(docs, idf, queries, pos, 8, TranslationFit{MinCount: 2})
	if err != nil || !reflect.DeepEqual(tab.To, []int32{6}) {
		t.Fatalf("MinCount 2: %+v %v", tab, err)
	}
	if _, err := FitTranslation(docs, idf, queries, [][]int{{0}, {1}, {2}, {0}}, 8, TranslationFit{}); err == nil {
		t.Fatal("positive outside the documents accepted")
	}
	if _, err := FitTranslation(docs, idf, queries[:1], pos, 8, TranslationFit{}); err == nil {
		t.Fatal("query/positive count mismatch accepted")
	}
}
