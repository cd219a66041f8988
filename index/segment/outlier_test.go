package segment

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sparrow-search/sparrow/sparse"
)

// Issue 13's scenario at the segment level: a document with one absurd
// weight merged into a clean segment leaves every clean document's
// impacts, and the scale, exactly as they were (so their ranking and the
// pruning bounds are unchanged); the outlier clamps to impact 255. With
// the old max/255 scale every clean weight would have rounded to 1.
func TestOutlierDoesNotFlatten(t *testing.T) {
	t.Parallel()
	// 1,000 documents: every one is compared through Vector, which walks
	// every term's postings (3,000 took 15 s under -race).
	vs := randomVectors(rand.New(rand.NewPCG(13, 6)), 1000, 200, 30)
	clean := build(t, vs, Options{})
	for _, w := range []float32{sparse.MaxWeight, 3e38} {
		outlier := sparse.Vector{IDs: []int32{0, 7}, Weights: []float32{w, 1}}
		merged := build(t, append(slices.Clone(vs), outlier), Options{})
		if merged.Scale() != clean.Scale() {
			t.Fatalf("outlier %g: scale %g, clean %g", w, merged.Scale(), clean.Scale())
		}
		for d := range uint32(len(vs)) {
			a, b := clean.Vector(d), merged.Vector(d)
			if !slices.Equal(a.IDs, b.IDs) || !slices.Equal(a.Weights, b.Weights) {
				t.Fatalf("outlier %g: doc %d changed: %v -> %v", w, d, a, b)
			}
		}
		o := merged.Vector(uint32(len(vs)))
		if len(o.IDs) != 2 || o.Weights[0] != 255*merged.Scale() {
			t.Fatalf("outlier %g stored as %v", w, o)
		}
	}
}
