package scoring

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sparrow-search/sparrow/index/segment"
)

// A segment built without BMP structures (the default) answers every other algorithm
// exactly like one built with them; bmp reports a clear error.
func TestWithoutBMP(t *testing.T) {
	t.Parallel()
	spec := corpusSpec{docs: 3000, vocab: 300, maxLen: 40, zipf: 1.05, levels: 4, opts: segment.Options{Scale: 0.01, BMP: true}}
	with := buildCorpus(t, rand.New(rand.NewPCG(5, 5)), spec)
	spec.opts.BMP = false
	without := buildCorpus(t, rand.New(rand.NewPCG(5, 5)), spec)
	if without.HasBMP() || !with.HasBMP() {
		t.Fatal("HasBMP does not follow Options.BMP")
	}
	r := rand.New(rand.NewPCG(6, 6))
	for qi := 0; qi < 30; qi++ {
		q := randQuery(r, spec.vocab)
		for _, k := range []int{1, 10, 100} {
			want, err := Search([]segment.View{{Segment: with}}, q, Options{K: k, Algorithm: "exhaustive"})
			if err != nil {
				t.Fatal(err)
			}
			for _, alg := range Algorithms() {
				got, err := Search([]segment.View{{Segment: without}}, q, Options{K: k, Algorithm: alg})
				if alg == "bmp" {
					if len(want) > 0 && (err == nil || !strings.Contains(err.Error(), "Options.BMP")) {
						t.Fatalf("bmp on a segment without BMP: err %v", err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("query %d k=%d %s: got %v want %v", qi, k, alg, head(got), head(want))
				}
			}
		}
	}
}
