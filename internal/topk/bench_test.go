package topk

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkPush pushes a stream of ascending doc ids with random scores,
// as a query algorithm does (ns per pushed item).
func BenchmarkPush(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	items := make([]item, 1<<16)
	for i := range items {
		items[i] = item{score: float64(r.IntN(1000)), id: i}
	}
	for _, k := range []int{10, 1000} {
		b.Run(fmt.Sprint("k=", k), func(b *testing.B) {
			h := New(k, worseItem)
			for b.Loop() {
				h.Reset(k)
				for _, x := range items {
					h.Push(x)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/item")
		})
	}
}
