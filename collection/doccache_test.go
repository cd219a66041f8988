package collection

import (
	"runtime"
	"testing"
	"weak"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// The cache must not keep a segment alive: compaction retires segments, and
// their postings would otherwise stay in memory until the cache is cleared.
func TestDocCacheDoesNotRetainSegments(t *testing.T) {
	t.Parallel()
	b := segment.NewBuilder(segment.Options{})
	b.Add(sparse.Vector{IDs: []int32{1}, Weights: []float32{1}})
	seg, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	c := newDocCache(10)
	c.put(newDocKey(seg, 0), cachedDoc{title: "t"})
	if d, ok := c.get(newDocKey(seg, 0)); !ok || d.title != "t" {
		t.Fatalf("cache miss for a live segment: %+v %v", d, ok)
	}
	wp := weak.Make(seg)
	seg = nil
	runtime.GC()
	if wp.Value() != nil {
		t.Fatal("the doc cache keeps a segment alive")
	}
	if len(c.m) != 1 {
		t.Fatalf("cache has %d entries, want 1", len(c.m))
	}
}
