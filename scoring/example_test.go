package scoring_test

import (
	"fmt"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

// buildExample makes a three-document segment over term ids 1-3.
func buildExample() *segment.Segment {
	b := segment.NewBuilder(segment.Options{})
	b.Add(sparse.Vector{IDs: []int32{1, 2}, Weights: []float32{1.0, 0.5}}) // doc 0
	b.Add(sparse.Vector{IDs: []int32{2, 3}, Weights: []float32{2.0, 1.0}}) // doc 1
	b.Add(sparse.Vector{IDs: []int32{1}, Weights: []float32{0.25}})        // doc 2
	seg, err := b.Build()
	if err != nil {
		panic(err)
	}
	return seg
}

func ExampleSearch() {
	views := []segment.View{{Segment: buildExample()}}
	// Score(q, d) = sum over the query's terms of query weight x doc
	// weight (doc weights quantised to 8 bits per segment).
	q := sparse.Vector{IDs: []int32{1, 2}, Weights: []float32{2, 1}}
	hits, err := scoring.Search(views, q, scoring.Options{K: 2})
	if err != nil {
		panic(err)
	}
	for _, h := range hits {
		fmt.Printf("view %d doc %d score %.1f\n", h.View, h.Doc, h.Score)
	}
	// Output:
	// view 0 doc 0 score 2.5
	// view 0 doc 1 score 2.0
}

// A Searcher runs one configured algorithm and keeps its scratch space
// between queries (one per goroutine).
func ExampleNewSearcher() {
	views := []segment.View{{Segment: buildExample()}}
	s := scoring.NewSearcher(&scoring.WMaxScore{WindowBits: 10})
	hits, err := s.Search(views, sparse.Vector{IDs: []int32{3}, Weights: []float32{1}}, 10, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(hits), hits[0].Doc)
	// Output: 1 1
}

func ExampleAlgorithms() {
	fmt.Println(scoring.Algorithms())
	// Output: [bmm bmp bmw densemaxscore exhaustive filtered maxscore planner sparse taat wmaxscore]
}
