package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

// commonTerm is in every test document, so the query {commonTerm: 1} with a
// large K lists exactly the visible documents.
const commonTerm = 1

// testScale fixes the impact quantisation step, so that segments built at
// different times (and merged ones) score identically.
const testScale = 3.0 / 255

func testOptions() Options {
	o := DefaultOptions()
	o.InMemory = true
	o.DisableAutoCompaction = true
	o.Segment.Scale = testScale
	return o
}

func openMem(t testing.TB) *Index {
	t.Helper()
	ix, err := Open("", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// randVector has commonTerm plus about nnz random terms with weights in (0, 3].
func randVector(r *rand.Rand, nnz int) sparse.Vector {
	set := map[int32]bool{commonTerm: true}
	for len(set) < nnz+1 {
		set[int32(2+r.IntN(VocabSize-2))] = true
	}
	var v sparse.Vector
	for id := range set {
		v.IDs = append(v.IDs, id)
	}
	slices.Sort(v.IDs)
	for range v.IDs {
		v.Weights = append(v.Weights, float32(0.01+2.99*r.Float64()))
	}
	return v
}

func randDoc(r *rand.Rand, id string, nnz int) Document {
	return Document{
		ID:     id,
		Title:  "title " + id,
		Text:   fmt.Sprintf("text of %s %d", id, r.IntN(1000)),
		Fields: map[string]string{"lang": []string{"en", "de", "fr"}[r.IntN(3)]},
		Vector: randVector(r, nnz),
	}
}

// visible lists the ids a snapshot can find, via a full search.
func visible(t testing.TB, s *Snapshot) []string {
	t.Helper()
	ids, err := visibleIDs(s)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func visibleIDs(s *Snapshot) ([]string, error) {
	res, err := searchSnap(s, sparse.Vector{IDs: []int32{commonTerm}, Weights: []float32{1}},
		scoring.Options{K: 1 << 30, Algorithm: "exhaustive"})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res))
	for i, r := range res {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	return ids, nil
}

func apply(t testing.TB, ix *Index, docs []Document, deletes ...string) {
	t.Helper()
	var b Batch
	for _, d := range docs {
		b.Upsert(d)
	}
	for _, id := range deletes {
		b.Delete(id)
	}
	if err := ix.Apply(&b); err != nil {
		t.Fatal(err)
	}
}

func vecEqual(a, b sparse.Vector) bool {
	return slices.Equal(a.IDs, b.IDs) && slices.Equal(a.Weights, b.Weights)
}

// result is a search hit with its external id.
type result struct {
	ID    string
	Score float32
	View  int
	Doc   uint32
}

// searchSnap runs scoring.Search over s's views (the index itself knows no
// query algorithm) after the checks a caller owes it, and maps hits to ids.
func searchSnap(s *Snapshot, q sparse.Vector, opts scoring.Options) ([]result, error) {
	if err := validateVector(q); err != nil {
		return nil, fmt.Errorf("index: query: %w", err)
	}
	if opts.Filter != nil && len(opts.Filter) != len(s.Views()) {
		return nil, fmt.Errorf("index: %d filters for %d views", len(opts.Filter), len(s.Views()))
	}
	hits, err := scoring.Search(s.Views(), q, opts)
	if err != nil {
		return nil, err
	}
	out := make([]result, len(hits))
	for i, h := range hits {
		id, err := s.ID(h.View, h.Doc)
		if err != nil {
			return nil, err
		}
		out[i] = result{ID: id, Score: h.Score, View: h.View, Doc: h.Doc}
	}
	return out, nil
}
