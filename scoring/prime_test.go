package scoring

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// The primed floor is a lower bound of the exhaustive k-th score, and it
// engages (is positive) on queries with a term of >= k postings: with
// every doc visible, and with the query's own best docs hidden (deleted,
// or left out by a filter that also names docs past the view), which is
// where a floor that ignored them would be too high.
func TestPrimeFloor(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	for _, spec := range []corpusSpec{
		{docs: 3000, vocab: 200, maxLen: 30, zipf: 1.1},
		{docs: 3000, vocab: 12, maxLen: 4, levels: 1}, // all impacts equal: the floor is tied
	} {
		seg := buildCorpus(t, r, spec)
		l := seg.Layout()
		n := seg.NumDocs()
		for _, hide := range []struct {
			name         string
			docs         int // the query's best docs hidden
			live, filter bool
		}{
			{"visible", 0, false, false},
			{"deleted", 40, true, false},
			{"filtered", 60, false, true},
			{"both", 30, true, true},
			{"too many", 1000, true, false}, // k + 1000 > the largest rank, 1000
		} {
			engaged := 0
			for qi := 0; qi < 50; qi++ {
				q := randQuery(r, spec.vocab)
				full, err := Search([]segment.View{{Segment: seg}}, q, Options{K: hide.docs + 1, Algorithm: "exhaustive"})
				if err != nil {
					t.Fatal(err)
				}
				var live, filter *roaring.Bitmap
				if hide.live {
					live = roaring.New()
					live.AddRange(0, uint64(n))
				}
				if hide.filter {
					filter = roaring.New()
					filter.AddRange(0, uint64(n)+5)
				}
				for i, h := range full[:min(hide.docs, len(full))] {
					if hide.filter && (!hide.live || i%2 == 0) {
						filter.Remove(h.Doc)
					} else {
						live.Remove(h.Doc)
					}
				}
				for d := uint32(0); live != nil && live.GetCardinality() > uint64(n-hide.docs); d++ {
					live.Remove(d) // fewer hits than docs to hide: more docs
				}
				views := []segment.View{{Segment: seg, Live: live}}
				var filters []*roaring.Bitmap
				if filter != nil {
					filters = []*roaring.Bitmap{filter}
				}
				for _, k := range []int{1, 10, 100, 1000} {
					want, err := Search(views, q, Options{K: k, Algorithm: "exhaustive", Filter: filters})
					if err != nil {
						t.Fatal(err)
					}
					qt, qs, _ := quantiseQuery(q, nil)
					c := newCollector()
					c.reset(k)
					c.prime(l, c.setView(0, live, filter, l, qt, qs), hiddenDocs(live, filter, n))
					floor := c.floor
					if floor == 0 {
						continue
					}
					engaged++
					if len(want) < k || want[k-1].Score < floor {
						t.Fatalf("%s: query %d k=%d: floor %v above the k-th score (%d hits)", hide.name, qi, k, floor, len(want))
					}
				}
			}
			if (engaged == 0) != (hide.name == "too many") {
				t.Fatalf("%s: the floor engaged %d times", hide.name, engaged)
			}
		}
	}
}

// hiddenDocs counts the docs a live set and a filter leave out of a view,
// up to its last doc.
func TestHiddenDocs(t *testing.T) {
	live := roaring.BitmapOf(0, 1, 2, 5, 9, 12) // 12 is past the view
	filter := roaring.BitmapOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 100)
	for _, c := range []struct {
		live, filter *roaring.Bitmap
		n, want      int
	}{
		{nil, nil, 10, 0},
		{live, nil, 10, 5},
		{nil, filter, 10, 1},
		{live, filter, 10, 6},
		{live, filter, 0, 0},
		{roaring.New(), nil, 3, 3},
	} {
		if got := hiddenDocs(c.live, c.filter, c.n); got != c.want {
			t.Errorf("hiddenDocs(%v, %v, %d) = %d, want %d", c.live, c.filter, c.n, got, c.want)
		}
	}
}

// DenseMaxScore's threshold raise, which counts the partial scores of
// every doc, stays exact when the query's own best docs are deleted or
// left out by a filter that admits most of the view (the raise then counts
// k + hidden docs), and under a selective filter with deleted docs (k +
// deleted, read through the filter).
func TestDenseRaiseHiddenDocs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 3))
	spec := corpusSpec{docs: 4000, vocab: 300, maxLen: 40, zipf: 1.1, common: 12}
	seg := buildCorpus(t, r, spec)
	n := seg.NumDocs()
	dense := NewSearcher(&DenseMaxScore{eager: true})
	ref := NewSearcher(new(Exhaustive))
	for qi := 0; qi < 30; qi++ {
		q := randQuery(r, spec.vocab)
		w := map[int32]float32{}
		for i, id := range q.IDs {
			w[id] = q.Weights[i]
		}
		for id := range int32(6) { // common terms: the raise engages
			if _, ok := w[id]; !ok {
				w[id] = float32(1 + r.IntN(3))
			}
		}
		q = sparse.Vector{}
		for _, id := range slices.Sorted(maps.Keys(w)) {
			q.IDs, q.Weights = append(q.IDs, id), append(q.Weights, w[id])
		}
		for _, k := range []int{1, 10, 100} {
			best, err := ref.Search([]segment.View{{Segment: seg}}, q, 3*k, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, mode := range []string{"deleted", "filtered", "both", "selective"} {
				live, filter := roaring.New(), roaring.New()
				live.AddRange(0, uint64(n))
				if mode == "selective" {
					for d := 0; d < n; d += 10 {
						filter.Add(uint32(d))
					}
				} else {
					filter.AddRange(0, uint64(n))
				}
				for i, h := range best[:2*k] {
					switch {
					case mode == "deleted", mode == "selective", mode == "both" && i%2 == 0:
						live.Remove(h.Doc)
					default:
						filter.Remove(h.Doc)
					}
					if mode == "selective" {
						filter.Add(h.Doc) // admitted, but deleted
					}
				}
				views := []segment.View{{Segment: seg, Live: live}}
				filters := []*roaring.Bitmap{filter}
				sameAsReference(t, dense, ref, views, q, k, filters, fmt.Sprintf("%s: query %d", mode, qi))
			}
		}
	}
}
