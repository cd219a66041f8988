package segment

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/sparrow-search/sparrow/internal/cputime"
)

// Every width and length round-trips through packDeltas/unpackDeltas (the
// SIMD unpacker under GOEXPERIMENT=simd, the scalar one otherwise).
func TestPackUnpackAllWidths(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 8))
	for w := 0; w <= 32; w++ {
		for _, n := range []int{1, 7, 8, 9, 16, 63, 64, 127, 128, 200, 256} {
			base := uint32(r.IntN(1000))
			docs := make([]uint32, n)
			prev := base
			for i := range docs {
				var g uint32
				if w > 0 {
					g = uint32(r.Uint64() & (1<<uint(w) - 1))
					if i == 0 {
						g |= 1 << uint(w-1) // force the width
					}
				}
				if uint64(prev)+uint64(g) >= 1<<32-1 {
					g = 0
				}
				docs[i] = prev + g
				prev = docs[i] + 1
			}
			buf := packDeltas(nil, docs, base)
			buf = append(buf, make([]byte, 8)...)
			got := make([]uint32, n)
			unpackDeltas(buf[1:], n, uint(buf[0]), base, got)
			if !slices.Equal(got, docs) {
				t.Fatalf("w=%d n=%d: mismatch", w, n)
			}
		}
	}
}

// BenchmarkUnpack decodes 128-posting blocks of each width class (the
// build's unpacker: scalar in the portable build).
func BenchmarkUnpack(b *testing.B) {
	for _, w := range []int{3, 6, 8, 12, 20} {
		b.Run(fmt.Sprint("w=", w), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, uint64(w)))
			docs := make([]uint32, 128)
			prev := uint32(0)
			for i := range docs {
				docs[i] = prev + uint32(r.Uint64()&(1<<uint(w)-1))
				prev = docs[i] + 1
			}
			buf := append(packDeltas(nil, docs, 0), make([]byte, 8)...)
			got := make([]uint32, 128)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := cputime.Thread()
			for b.Loop() {
				unpackDeltas(buf[1:], 128, uint(buf[0]), 0, got)
			}
			b.ReportMetric(float64((cputime.Thread()-t0).Nanoseconds())/float64(b.N*128), "cpu-ns/value")
		})
	}
}
