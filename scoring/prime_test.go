package scoring

import (
	"math/rand/v2"
	"testing"

	"github.com/sparrow-search/sparrow/index/segment"
)

// The primed floor is a lower bound of the exhaustive k-th score, and it
// engages (is positive) on queries with a term of >= k postings.
func TestPrimeFloor(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	for _, spec := range []corpusSpec{
		{docs: 3000, vocab: 200, maxLen: 30, zipf: 1.1},
		{docs: 3000, vocab: 12, maxLen: 4, levels: 1}, // all impacts equal: the floor is tied
	} {
		seg := buildCorpus(t, r, spec)
		l := seg.Layout()
		views := []segment.View{{Segment: seg}}
		engaged := 0
		for qi := 0; qi < 50; qi++ {
			q := randQuery(r, spec.vocab)
			for _, k := range []int{1, 10, 100, 1000} {
				want, err := Search(views, q, Options{K: k, Algorithm: "exhaustive"})
				if err != nil {
					t.Fatal(err)
				}
				qt, qs, _ := quantiseQuery(q, nil)
				c := newCollector()
				c.reset(k)
				c.prime(l, c.setView(0, nil, nil, l, qt, qs))
				floor := c.floor
				if floor == 0 {
					continue
				}
				engaged++
				if len(want) < k || want[k-1].Score < floor {
					t.Fatalf("query %d k=%d: floor %v above the k-th score (%d hits)", qi, k, floor, len(want))
				}
			}
		}
		if engaged == 0 {
			t.Fatal("the floor never engaged")
		}
	}
}
