package collection

import (
	"context"
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

// A hit on a document without title and fields shows nothing and reads no
// record (the index knows it is bare): it takes no cache entry either.
func TestBareHitsSkipRecords(t *testing.T) {
	t.Parallel()
	c, err := Create("", Options{InMemory: true, Logger: quiet, Models: testModels})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	docs := []Document{
		{ID: "bare", Text: "birds migrate south in winter"},
		{ID: "titled", Title: "Migration", Text: "birds migrate south in autumn"},
		{ID: "fielded", Text: "birds migrate north in spring", Fields: map[string]string{"lang": "en"}},
	}
	if err := c.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	res := mustSearch(t, c, Query{Text: "birds migrate", K: 10})
	if len(res.Hits) != 3 {
		t.Fatalf("%d hits, want 3", len(res.Hits))
	}
	for _, h := range res.Hits {
		switch {
		case h.ID == "bare" && (h.Title != "" || h.Fields != nil),
			h.ID == "titled" && h.Title != "Migration",
			h.ID == "fielded" && h.Fields["lang"] != "en":
			t.Errorf("hit %s: title %q fields %v", h.ID, h.Title, h.Fields)
		}
	}
	if n := len(c.docs.m); n != 2 {
		t.Fatalf("doc cache has %d entries, want 2 (the bare hit reads nothing)", n)
	}
}
