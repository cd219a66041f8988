package segment

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/sparrow-search/sparrow/sparse"
)

// topicalVectors draws docs from a few topics (disjoint term ranges), in
// random topic order.
func topicalVectors(r *rand.Rand, n, topics int) ([]sparse.Vector, []int) {
	var vs []sparse.Vector
	var topic []int
	for range n {
		t := r.IntN(topics)
		set := map[int32]bool{}
		for len(set) < 12 {
			set[int32(t*50+r.IntN(50))] = true
		}
		set[int32(topics*50+r.IntN(20))] = true // background
		var v sparse.Vector
		for id := range set {
			v.IDs = append(v.IDs, id)
		}
		slices.Sort(v.IDs)
		for range v.IDs {
			v.Weights = append(v.Weights, 0.5+r.Float32())
		}
		vs = append(vs, v)
		topic = append(topic, t)
	}
	return vs, topic
}

// BP returns a permutation; on a topical corpus it groups the topics
// (few topic changes along the order) and shrinks the inverted index; it
// is deterministic; live sets select the documents.
func TestReorderBP(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	vs, topic := topicalVectors(r, 4000, 8)
	seg := build(t, vs, Options{})
	var g DocTerms
	locals := seg.AppendDocTerms(&g, nil)
	if len(locals) != len(vs) || g.NumDocs() != len(vs) {
		t.Fatalf("%d locals, %d docs", len(locals), g.NumDocs())
	}
	order := ReorderBP(&g, BPOptions{MinDocs: 16})
	if !slices.Equal(slices.Sorted(slices.Values(order)), locals) {
		t.Fatal("not a permutation")
	}
	changes := func(ord []uint32) int {
		n := 0
		for i := 1; i < len(ord); i++ {
			if topic[ord[i]] != topic[ord[i-1]] {
				n++
			}
		}
		return n
	}
	if before, after := changes(locals), changes(order); after*10 > before {
		t.Errorf("topic changes along the order: %d before, %d after BP", before, after)
	}
	// BP's objective: the log-gap cost of the posting lists drops.
	reordered := make([]sparse.Vector, len(vs))
	for i, d := range order {
		reordered[i] = vs[d]
	}
	if a, b := logGapCost(vs), logGapCost(reordered); b >= a*0.8 {
		t.Errorf("log-gap cost %.0f bits before, %.0f after BP", a, b)
	}
	if again := ReorderBP(&g, BPOptions{MinDocs: 16, Workers: 1}); !slices.Equal(again, order) {
		t.Error("BP is not deterministic across worker counts")
	}
	live := roaring.New()
	live.AddRange(100, 200)
	var g2 DocTerms
	if l := seg.AppendDocTerms(&g2, live); len(l) != 100 || l[0] != 100 || g2.NumDocs() != 100 {
		t.Fatalf("live docs: %d (%v...)", len(l), l[:1])
	}
}

// logGapCost sums log2(gap+1) over every term's postings.
func logGapCost(vs []sparse.Vector) float64 {
	last := map[int32]int{}
	var bits float64
	for d, v := range vs {
		for _, t := range v.IDs {
			p, ok := last[t]
			if !ok {
				p = -1
			}
			bits += math.Log2(float64(d - p))
			last[t] = d
		}
	}
	return bits
}
