package scoring

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
)

// admission answers as the bitmap's Contains before and after its dense
// copy, for array, bitmap and run containers, ids past the view, and
// reuse of the copy's buffer; the copy is made once the budget is spent,
// and never for a bitmap reaching far past the view or made of bitmap
// containers alone.
func TestAdmission(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 300_000
	bitmaps := map[string]*roaring.Bitmap{
		"empty":    roaring.New(),
		"sparse":   randBitmap(r, n, 0.001),
		"dense":    randBitmap(r, n, 0.6), // bitmap containers
		"runs":     roaring.BitmapOf(),
		"past":     randBitmap(r, n, 0.01),
		"far past": randBitmap(r, n, 0.01),
	}
	bitmaps["runs"].AddRange(1000, 200_000)
	bitmaps["runs"].RunOptimize()
	bitmaps["past"].Add(n + 5)
	bitmaps["far past"].Add(1 << 30)
	// Bitmap and array containers in one bitmap: copied.
	bitmaps["mixed"] = randBitmap(r, n, 0.001)
	bitmaps["mixed"].Or(randBitmap(r, 1<<16, 0.6))
	var a admission // one value for every case: the buffer is reused
	for _, name := range []string{"runs", "dense", "sparse", "empty", "mixed", "past", "far past"} {
		bm := bitmaps[name]
		t.Run(name, func(t *testing.T) {
			a.reset(bm, n)
			budget := -1
			for i := range 4 * n {
				doc := uint32(r.IntN(n + 100))
				if i == 0 {
					// The budget is counted at the first test.
					if got, want := a.contains(doc), bm.Contains(doc); got != want {
						t.Fatalf("doc %d: got %v, want %v", doc, got, want)
					}
					budget = a.probes + 1
					continue
				}
				if got, want := a.contains(doc), bm.Contains(doc); got != want {
					t.Fatalf("test %d (copied: %v), doc %d: got %v, want %v", i, a.ready, doc, got, want)
				}
				if i == budget && !a.ready {
					t.Fatalf("no copy after %d tests (budget %d)", i+1, budget)
				}
			}
			for _, doc := range []uint32{n + 5, 1 << 30, n - 1, 0} {
				if got, want := a.contains(doc), bm.Contains(doc); got != want {
					t.Fatalf("doc %d: got %v, want %v", doc, got, want)
				}
			}
			// Bitmap containers alone ("dense") are never copied.
			if wantCopy := name != "far past" && name != "empty" && name != "dense"; a.ready != wantCopy {
				t.Fatalf("copied %v, want %v (budget %d)", a.ready, wantCopy, budget)
			}
		})
	}
}

// A filtered search returns the unfiltered ranking's admitted docs,
// whether offer's membership tests went to the filter or to its dense
// copy (the property tests' corpora are too small for most copies, and
// there the reference shares the collector).
func TestFilterMatchesPostFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	seg := buildCorpus(t, r, corpusSpec{docs: 30_000, vocab: 30, maxLen: 8, zipf: 1.05})
	views := []segment.View{{Segment: seg}}
	for _, density := range []float64{0.001, 0.05, 0.5} {
		filter := randBitmap(r, seg.NumDocs(), density)
		for qi := range 5 {
			q := randQuery(r, 30)
			all, err := NewSearcher(new(Exhaustive)).Search(views, q, seg.NumDocs(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []Hit
			for _, h := range all {
				if filter.Contains(h.Doc) && len(want) < 10 {
					want = append(want, h)
				}
			}
			for _, alg := range []Algorithm{new(Exhaustive), new(Planner), new(Filtered)} {
				got, err := NewSearcher(alg).Search(views, q, 10, []*roaring.Bitmap{filter})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("density %v query %d %s: got %v, want %v", density, qi, alg.Name(), got, want)
				}
			}
		}
	}
}
