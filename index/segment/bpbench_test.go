package segment

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkReorderBP(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	vs, _ := topicalVectors(r, 100000, 200)
	seg := build(b, vs, Options{})
	var g DocTerms
	seg.AppendDocTerms(&g, nil)
	for b.Loop() {
		ReorderBP(&g, BPOptions{Workers: 1})
	}
}
