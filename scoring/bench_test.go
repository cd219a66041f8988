package scoring

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sparrow-search/sparrow/index/segment"
	"github.com/sparrow-search/sparrow/sparse"
)

// BenchmarkSearch runs every algorithm on a small Zipf corpus (go test
// -bench . ./scoring/). The full harness with peer statistics is ./bench.
func BenchmarkSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	spec := corpusSpec{docs: 50000, vocab: 5000, maxLen: 150, zipf: 1.05}
	seg := buildCorpus(b, r, spec)
	views := []segment.View{{Segment: seg}}
	var qs []sparse.Vector
	for range 100 {
		qs = append(qs, randQuery(r, spec.vocab))
	}
	for _, k := range []int{10, 100} {
		for _, alg := range Algorithms() {
			b.Run(fmt.Sprintf("k=%d/%s", k, alg), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := Search(views, qs[i%len(qs)], Options{K: k, Algorithm: alg}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
