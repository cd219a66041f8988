package scoring

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
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
