package scoring

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// TestCursorNextGEQ checks NextGEQ and probe against a search of the
// term's postings: targets near (the next doc, a few docs on) and far
// (other blocks), at block starts and ends, past the end.
func TestCursorNextGEQ(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for _, bs := range []int{16, 128} {
		t.Run(fmt.Sprintf("block%d", bs), func(t *testing.T) { checkNextGEQ(t, r, bs) })
	}
}

// checkNextGEQ is TestCursorNextGEQ for blocks of bs postings.
func checkNextGEQ(t *testing.T, r *rand.Rand, bs int) {
	b := segment.NewBuilder(segment.Options{BlockSize: bs})
	var docs []uint32
	var imps []int32
	for d := range 6000 {
		v := sparse.Vector{IDs: []int32{1}, Weights: []float32{1}}
		if r.IntN(3) == 0 {
			v = sparse.Vector{IDs: []int32{1, 7}, Weights: []float32{1, float32(1 + r.IntN(200))}}
			docs = append(docs, uint32(d))
		}
		b.Add(v)
	}
	seg, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	l := seg.Layout()
	ti, ok := l.Lookup(7)
	if !ok {
		t.Fatal("term 7 missing")
	}
	// The reference: every posting's score, read by a fresh cursor's
	// Next.
	c := new(postingCursor)
	c.reset(l, qterm{t: uint32(ti), w: 3})
	for c.Doc() != NoMore {
		imps = append(imps, c.Score())
		c.Next()
	}
	if len(imps) != len(docs) {
		t.Fatalf("block size %d: Next read %d postings, want %d", bs, len(imps), len(docs))
	}
	at := func(d uint32) (uint32, int32) {
		i := sort.Search(len(docs), func(i int) bool { return docs[i] >= d })
		if i == len(docs) {
			return NoMore, 0
		}
		return docs[i], imps[i]
	}
	for trial := range 300 {
		c.reset(l, qterm{t: uint32(ti), w: 3})
		d := uint32(0)
		for d < 6100 {
			switch r.IntN(4) {
			case 0:
				d++
			case 1:
				d += uint32(r.IntN(12))
			case 2:
				d += uint32(r.IntN(400))
			default:
				if j := r.IntN(len(docs)); docs[j] >= d {
					d = docs[j] + uint32(r.IntN(2)) // a posting or the doc after it
				}
			}
			c.NextGEQ(d)
			wantDoc, wantScore := at(d)
			if c.Doc() != wantDoc || (wantDoc != NoMore && c.Score() != wantScore) {
				t.Fatalf("block size %d, trial %d: NextGEQ(%d) at %d, want %d", bs, trial, d, c.Doc(), wantDoc)
			}
		}
	}
	// probe: candidates of one window, ascending.
	for trial := range 100 {
		c.reset(l, qterm{t: uint32(ti), w: 3})
		var cand []uint32
		for off := uint32(r.IntN(20)); off < 6000; off += uint32(1 + r.IntN(300)) {
			cand = append(cand, off)
		}
		scores := make([]int32, len(cand))
		c.probe(0, cand, scores)
		for ci, off := range cand {
			var want int32
			if d, s := at(off); d == off {
				want = s
			}
			if scores[ci] != want {
				t.Fatalf("block size %d, trial %d: probe(%d) added %d, want %d", bs, trial, off, scores[ci], want)
			}
		}
	}
}
