package scoring

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/sparrow-search/sparrow/index/segment"
)

// allowedBits matches Contains on Live AND Filter and allocates nothing per
// query once a Live set has been seen.
// Not parallel: AllocsPerRun needs the process to itself.
func TestAllowedBits(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	l := &segment.Layout{NumDocs: 70000}
	live := randBitmap(r, l.NumDocs, 0.9)
	filter := randBitmap(r, l.NumDocs, 0.2)
	var buf []uint64
	for _, c := range []struct{ live, filter bool }{{true, false}, {false, true}, {true, true}} {
		var lv, fl *roaring.Bitmap
		if c.live {
			lv = live
		}
		if c.filter {
			fl = filter
		}
		got := allowedBits(l, lv, fl, &buf)
		for d := 0; d < l.NumDocs; d++ {
			want := (!c.live || live.Contains(uint32(d))) && (!c.filter || filter.Contains(uint32(d)))
			if (got[d>>6]&(1<<(d&63)) != 0) != want {
				t.Fatalf("%+v: doc %d allowed %v", c, d, !want)
			}
		}
		if a := testing.AllocsPerRun(20, func() { allowedBits(l, lv, fl, &buf) }); a != 0 {
			t.Errorf("%+v: %v allocations per query", c, a)
		}
	}
}
