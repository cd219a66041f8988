package scoring

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// Issue 13's scenario end to end: after a document with one absurd weight
// joins a clean segment, the top-10 of the clean documents is unchanged
// (ids and scores) for every query, with the default planner.
func TestOutlierKeepsRanking(t *testing.T) {
	t.Parallel()
	spec := corpusSpec{docs: 4000, vocab: 300, maxLen: 40, zipf: 1.1}
	// The documents drawn once (reading them back from a built segment
	// costs a walk over every posting list per document).
	docs := corpusVectors(rand.New(rand.NewPCG(13, 6)), spec)
	// The same documents plus the outlier, on term 0 (the most common).
	b := segment.NewBuilder(segment.Options{})
	for _, v := range docs {
		b.Add(v)
	}
	b.Add(sparse.Vector{IDs: []int32{0, 5}, Weights: []float32{sparse.MaxWeight, 2}})
	merged, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	b = segment.NewBuilder(segment.Options{})
	for _, v := range docs {
		b.Add(v)
	}
	clean, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	cleanDocs := roaring.New()
	cleanDocs.AddRange(0, uint64(clean.NumDocs()))
	r := rand.New(rand.NewPCG(1, 1))
	for qi := 0; qi < 50; qi++ {
		q := randQuery(r, spec.vocab)
		if qi%2 == 0 && (len(q.IDs) == 0 || q.IDs[0] != 0) {
			q.IDs = append([]int32{0}, q.IDs...) // include the outlier's term
			q.Weights = append([]float32{1}, q.Weights...)
		}
		want, err := Search([]segment.View{{Segment: clean}}, q, Options{K: 10})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Search([]segment.View{{Segment: merged}}, q, Options{K: 10, Filter: []*roaring.Bitmap{cleanDocs}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("query %d: top-10 of the clean documents %v, want %v", qi, head(got), head(want))
		}
	}
}
