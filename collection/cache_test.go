package collection

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"weak"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

func TestBoundedClearsWhenFull(t *testing.T) {
	t.Parallel()
	c := newBounded[string, int](10)
	c.put("a", 1, 4)
	c.put("b", 2, 4)
	c.put("a", 3, 4) // present: kept as it was, not counted twice
	if v, _ := c.get("a"); v != 1 || c.used != 8 {
		t.Fatalf("a = %d, used %d; want 1, 8", v, c.used)
	}
	c.put("c", 4, 4) // 12 > 10: everything goes, then c
	if _, ok := c.get("a"); ok || len(c.m) != 1 || c.used != 4 {
		t.Fatalf("after overflow: %v, used %d; want only c, used 4", c.m, c.used)
	}
	c.put("big", 5, 11) // costs more than the whole cache: not kept
	if _, ok := c.get("big"); ok {
		t.Fatal("an entry larger than the cache was kept")
	}
	var off *bounded[string, int] = newBounded[string, int](0)
	off.put("a", 1, 1)
	if _, ok := off.get("a"); ok || off != nil {
		t.Fatal("a cache of size 0 is not off")
	}
}

// cacheCorpus is a collection whose queries rank differently after each
// write below.
func cacheCorpus(t *testing.T, opts Options) *Collection {
	t.Helper()
	opts.InMemory, opts.Logger, opts.Models = true, quiet, testModels
	c, err := Create("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var docs []Document
	for i := range 40 {
		docs = append(docs, Document{ID: fmt.Sprintf("d%02d", i), Title: fmt.Sprintf("T%d", i),
			Text:   fmt.Sprintf("birds migrate south in winter %d times, flocks of geese and %s", i, []string{"swans", "cranes", "storks", "ducks"}[i%4]),
			Fields: map[string]string{"n": fmt.Sprint(i % 3)}})
	}
	if err := c.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return c
}

// A repeated query is answered from the result cache, and any write makes
// the next search rank afresh: an upsert that outranks every hit, a delete,
// a compaction.
func TestResultCacheFollowsWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cacheCorpus(t, Options{})
	q := Query{Text: "geese cranes migrate", K: 5}
	first := mustSearch(t, c, q)
	if len(c.results.m) != 1 {
		t.Fatalf("result cache has %d entries after one query, want 1", len(c.results.m))
	}
	// The entry is what a repeat reads: replaced by a ranking of one hit,
	// the repeat returns that hit.
	var key resultKey
	for k := range c.results.m {
		key = k
	}
	c.results.m[key] = []scoring.Hit{engineHit(t, c, first.Hits[0].Hit)}
	if again := mustSearch(t, c, q); len(again.Hits) != 1 || again.Hits[0].ID != first.Hits[0].ID {
		t.Fatalf("the repeat did not read the cache: %v", ranked(again))
	}
	if lookups, hits := c.ResultCacheStats(); lookups != 2 || hits != 1 {
		t.Fatalf("cache stats: %d lookups, %d hits; want 2, 1", lookups, hits)
	}
	writes := []struct {
		name  string
		write func() error
		check func(*Result) error
	}{
		{"upsert", func() error {
			return c.Upsert(ctx, []Document{{ID: "new", Text: "geese cranes migrate geese cranes migrate"}})
		}, func(r *Result) error {
			if r.Hits[0].ID != "new" {
				return fmt.Errorf("top hit %s, want the upserted doc", r.Hits[0].ID)
			}
			return nil
		}},
		{"delete", func() error {
			_, err := c.Delete(ctx, "new")
			return err
		}, func(r *Result) error {
			for _, h := range r.Hits {
				if h.ID == "new" {
					return fmt.Errorf("deleted doc still a hit")
				}
			}
			return nil
		}},
		{"compact", c.sparse.Compact, func(*Result) error { return nil }},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			before := mustSearch(t, c, q) // cached for this snapshot
			if err := w.write(); err != nil {
				t.Fatal(err)
			}
			got := mustSearch(t, c, q)
			if err := w.check(got); err != nil {
				t.Fatal(err)
			}
			off := uncached(t, c, q)
			if !reflect.DeepEqual(ranked(got), ranked(off)) {
				t.Fatalf("after %s: cached path %v, engine %v (before %v)", w.name, ranked(got), ranked(off), ranked(before))
			}
		})
	}
}

// uncached answers q bypassing the result cache.
func uncached(t *testing.T, c *Collection, q Query) *Result {
	t.Helper()
	saved := c.results
	c.results = nil
	defer func() { c.results = saved }()
	return mustSearch(t, c, q)
}

// ranked lists a result's ids with their scores.
func ranked(r *Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, fmt.Sprintf("%s:%.4f", h.ID, h.Score))
	}
	return out
}

// engineHit maps a hit back to the engine's (view, doc).
func engineHit(t *testing.T, c *Collection, h sparse.Hit) scoring.Hit {
	t.Helper()
	v, doc, ok := c.sparse.Snapshot().Lookup(h.ID)
	if !ok {
		t.Fatalf("hit %s not in the snapshot", h.ID)
	}
	return scoring.Hit{View: v, Doc: doc, Score: float32(h.Score)}
}

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
	c.put(newDocKey(seg, 0), cachedDoc{title: "t"}, 1)
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

// Every kind of query answers the same with the result cache as without,
// the first time (filling it) and the second (reading it); only text
// queries without a filter take entries.
func TestResultCacheAnswersAsTheEngine(t *testing.T) {
	t.Parallel()
	c := cacheCorpus(t, Options{})
	hybrid := &HybridOptions{Candidates: 7}
	queries := []struct {
		name   string
		q      Query
		cached bool
	}{
		{"sparse", Query{Text: "storks winter", K: 3}, true},
		{"sparse k=20", Query{Text: "storks winter", K: 20}, true},
		{"hybrid", Query{Text: "ducks south", K: 4, Mode: ModeHybrid}, true},
		{"hybrid candidates", Query{Text: "ducks south", K: 4, Mode: ModeHybrid, Hybrid: hybrid}, true},
		{"explain", Query{Text: "swans flocks", K: 3, Explain: true}, true},
		{"hybrid explain", Query{Text: "swans flocks", K: 3, Mode: ModeHybrid, Explain: true}, true},
		{"snippets", Query{Text: "geese", K: 2, Snippets: true}, true},
		{"ids only", Query{Text: "cranes", K: 2, IDsOnly: true}, true},
		{"unknown words", Query{Text: "zzqx", K: 2}, false},
		{"bm25", Query{Text: "geese winter", K: 3, Mode: ModeBM25}, false},
		{"filter", Query{Text: "geese", K: 3, Filter: Filter{Fields: map[string]string{"n": "1"}}}, false},
		{"tokens", Query{Tokens: map[string]float64{"geese": 1}, K: 3}, false},
	}
	for _, tc := range queries {
		t.Run(tc.name, func(t *testing.T) {
			before := len(c.results.m)
			want := uncached(t, c, tc.q)
			for pass := range 2 {
				got := mustSearch(t, c, tc.q)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("pass %d: %+v, want %+v", pass, got, want)
				}
			}
			if grew := len(c.results.m) > before; grew != tc.cached {
				t.Fatalf("took a cache entry: %v, want %v", grew, tc.cached)
			}
		})
	}
}

// The cache holds its snapshots weakly: a write retires the snapshot, and
// the cache must not keep its views (postings and all) alive.
func TestResultCacheDoesNotRetainSnapshots(t *testing.T) {
	t.Parallel()
	c := cacheCorpus(t, Options{})
	mustSearch(t, c, Query{Text: "geese", K: 3})
	old := weak.Make(c.sparse.Snapshot())
	if err := c.Upsert(context.Background(), []Document{{ID: "x", Text: "geese"}}); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if old.Value() != nil {
		t.Fatal("a retired snapshot is still reachable")
	}
	if len(c.results.m) != 1 {
		t.Fatalf("cache has %d entries, want 1 (unreachable, not read again)", len(c.results.m))
	}
}

// Searches racing writes (run with -race): once the writes are done, the
// cache answers as the engine does.
func TestResultCacheUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	c := cacheCorpus(t, Options{ResultCache: 2 << 10}) // small: clears often
	ctx := context.Background()
	texts := []string{"geese", "cranes winter", "storks south", "ducks flocks"}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := range 200 {
				if _, err := c.Search(ctx, Query{Text: texts[(g+i)%len(texts)], K: 3 + i%3}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 20 {
		doc := Document{ID: fmt.Sprintf("w%d", i%5), Text: fmt.Sprintf("%s %s", texts[i%4], texts[(i+1)%4])}
		if err := c.Upsert(ctx, []Document{doc}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for _, text := range texts {
		for k := 3; k < 6; k++ {
			q := Query{Text: text, K: k}
			if got, want := mustSearch(t, c, q), uncached(t, c, q); !reflect.DeepEqual(got, want) {
				t.Fatalf("%q k=%d: %v, engine %v", text, k, ranked(got), ranked(want))
			}
		}
	}
}

// Every field of Query is accounted for by the result cache: in its key,
// a reason not to cache, or without effect on the sparse ranking. A field
// added to Query fails this test until it is placed here (and, if it
// changes the ranking, in resultKey or lookupTop).
func TestResultKeyCoversQuery(t *testing.T) {
	t.Parallel()
	role := map[string]string{
		"Text":     "key",
		"K":        "key (the sparse depth)",
		"Mode":     "key (bm25 is not cached; hybrid's depth)",
		"Hybrid":   "key (Candidates sets hybrid's depth; the rest fuses after the ranking)",
		"Tokens":   "not cached",
		"Filter":   "not cached",
		"Explain":  "no effect on the ranking",
		"IDsOnly":  "no effect on the ranking",
		"Snippets": "no effect on the ranking",
	}
	typ := reflect.TypeFor[Query]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		if _, ok := role[name]; !ok {
			t.Errorf("Query.%s: its place in the result cache is not decided", name)
		}
		delete(role, name)
	}
	for name := range role {
		t.Errorf("Query.%s is gone: update this test", name)
	}
}
