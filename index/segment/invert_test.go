package segment

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestStagedInversion: the staged writer lays out the same bytes whatever
// its stage size (1 drains every posting: postings reach their terms one
// at a time, in arrival order), with a fixed scale (postings staged as they
// are added) or scale 0 (staged in Build), WordPiece-size ids and word ids
// (the hash) alike; and it drains once per full stage, not per posting.
func TestStagedInversion(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 11))
	vs := randomVectors(r, 600, 400, 50)
	for i := range vs { // word ids above the table: the hash's slots
		if i%3 == 0 {
			v := &vs[i]
			v.IDs = append(v.IDs, lowIDs+int32(r.IntN(50)), 1<<30+int32(i%7))
			v.Weights = append(v.Weights, 0.5, 2)
			if v.IDs[len(v.IDs)-2] >= v.IDs[len(v.IDs)-1] {
				v.IDs, v.Weights = v.IDs[:len(v.IDs)-1], v.Weights[:len(v.Weights)-1]
			}
		}
	}
	for _, o := range []Options{{Scale: 0.01}, {}} {
		var want []byte
		var postings int64
		for _, stage := range []int{1, 2, 5, 64, 1000, 0} {
			t.Run(fmt.Sprintf("scale %v stage %d", o.Scale, stage), func(t *testing.T) {
				var b *Builder
				got, n := buildTweaked(t, vs, o, func(x *Builder) { b = x; b.inv.stageCap = stage })
				if stage == 1 {
					want, postings = got, n
					if postings < 10000 {
						t.Fatalf("only %d postings", postings)
					}
				} else if !bytes.Equal(got, want) {
					t.Fatalf("stage %d: %d bytes differ from stage 1's %d", stage, len(got), len(want))
				}
				limit := int64(b.inv.stageLimit())
				if wantDrains := (postings + limit - 1) / limit; int64(b.inv.drains) != wantDrains {
					t.Fatalf("%d drains for %d postings at stage %d, want %d", b.inv.drains, postings, limit, wantDrains)
				}
			})
		}
	}
}

// TestStagedAppendRuns: a run longer than a block fills and flushes
// blocks in order, and counts every posting.
func TestStagedAppendRuns(t *testing.T) {
	t.Parallel()
	var tl termList
	docs := make([]uint32, 300)
	imps := make([]uint8, 300)
	for i := range docs {
		docs[i], imps[i] = uint32(2*i), uint8(i%255+1)
	}
	tl.append(docs[:5], imps[:5], 128)
	tl.append(docs[5:], imps[5:], 128)
	if tl.count != 300 || len(tl.last) != 2 || tl.last[0] != docs[127] || tl.last[1] != docs[255] || len(tl.docs) != 44 {
		t.Fatalf("count %d, blocks %v, pending %d", tl.count, tl.last, len(tl.docs))
	}
}
