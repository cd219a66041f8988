package main

import (
	"testing"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// A query that matches no document is reported, not a panic.
func TestDiagnoseNoHits(t *testing.T) {
	b := segment.NewBuilder(segment.Options{})
	b.Add(sparse.Vector{IDs: []int32{1}, Weights: []float32{1}})
	seg, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	diagnose(seg, []sparse.Vector{{IDs: []int32{7}, Weights: []float32{1}}}, 1)
}
