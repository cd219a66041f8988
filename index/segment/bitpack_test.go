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

// unpackDeltasRef is the plain definition the unpackers must match: gap i
// is bits [i*w, i*w+w) of src, doc i is the previous doc + 1 + gap i.
func unpackDeltasRef(src []byte, n int, w uint, base uint32, docs []uint32) {
	prev := base - 1
	for i := 0; i < n; i++ {
		var g uint32
		for b := uint(0); b < w; b++ {
			bit := uint(i)*w + b
			g |= uint32(src[bit>>3]>>(bit&7)&1) << b
		}
		prev += g + 1
		docs[i] = prev
	}
}

// The portable unpacker and the build's unpackDeltas match the reference on
// random bits (not only on packDeltas output) for every width 0..32 and
// every block length 1..128, with nonzero bases and wrapping sums.
func TestUnpackMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(12, 12))
	src := make([]byte, MaxBlockSize*4+8)
	want := make([]uint32, MaxBlockSize)
	got := make([]uint32, MaxBlockSize)
	for w := uint(0); w <= 32; w++ {
		for n := 1; n <= MaxBlockSize; n++ {
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			packed := src[:(n*int(w)+7)/8+8]
			base := r.Uint32() >> (r.IntN(4) * 8)
			unpackDeltasRef(packed, n, w, base, want)
			for name, f := range map[string]func([]byte, int, uint, uint32, []uint32){
				"scalar": unpackDeltasScalar, "build": unpackDeltas,
			} {
				clear(got)
				f(packed, n, w, base, got)
				if !slices.Equal(got[:n], want[:n]) {
					t.Fatalf("%s w=%d n=%d base=%d: got %v, want %v", name, w, n, base, got[:n], want[:n])
				}
				if slices.ContainsFunc(got[n:], func(d uint32) bool { return d != 0 }) {
					t.Fatalf("%s w=%d n=%d: wrote past n", name, w, n)
				}
			}
		}
	}
}

// The fused window adder adds what the
// reference unpacker decodes, for every width 0..32 (the first gap of a
// block, from the previous block, may need any) and block length 1..256,
// with windows starting at and before the first doc, and wrapping sums.
func TestAddDeltasMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 13))
	imps := make([]uint8, MaxBlockSize)
	docs := make([]uint32, MaxBlockSize)
	gaps := make([]uint32, MaxBlockSize)
	want, got := new([1 << 16]int32), new([1 << 16]int32)
	for w := uint(0); w <= 32; w++ {
		for n := 1; n <= MaxBlockSize; n++ {
			// The first gap has width w, the others at most min(w, 8) bits,
			// so that the block fits a window of 2^16 docs.
			for i := range gaps[:n] {
				if b := min(w, 8); b > 0 {
					gaps[i] = r.Uint32() >> (32 - b)
				}
			}
			if w > 0 {
				gaps[0] = 1<<(w-1) | r.Uint32()>>(33-w)
			}
			packed := packWidth(gaps[:n], w)
			base := r.Uint32()
			unpackDeltasRef(packed, n, w, base, docs)
			w0 := docs[0] - uint32(r.IntN(int(1<<16-(docs[n-1]-docs[0]))))
			wt := int32(1 + r.IntN(1<<16))
			for i := range imps[:n] {
				imps[i] = byte(r.Uint32())
			}
			clear(want[:])
			for j, d := range docs[:n] {
				want[d-w0] += wt * int32(imps[j])
			}
			clear(got[:])
			addDeltas(packed, imps[:n], w, base-1-w0, wt, got)
			if *got != *want {
				t.Fatalf("w=%d n=%d base=%d w0=%d: sums differ", w, n, base, w0)
			}
		}
	}
}

// packWidth packs gaps w bits each, LSB first, with 8 bytes of padding.
func packWidth(gaps []uint32, w uint) []byte {
	out := make([]byte, (len(gaps)*int(w)+7)/8+8)
	for i, g := range gaps {
		for b := uint(0); b < w; b++ {
			if g>>b&1 != 0 {
				bit := uint(i)*w + b
				out[bit>>3] |= 1 << (bit & 7)
			}
		}
	}
	return out
}

// BenchmarkUnpack decodes 128-posting blocks of each width class (the
// build's unpacker: scalar in the portable build).
func BenchmarkUnpack(b *testing.B) {
	for _, w := range []int{1, 2, 3, 4, 6, 8, 12, 16, 20, 28} {
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

// BenchmarkDecodeDocs decodes every block of a Zipf-vocabulary segment, so
// block widths and lengths are mixed as in a query's lists.
func BenchmarkDecodeDocs(b *testing.B) {
	r := rand.New(rand.NewPCG(12, 1))
	l := build(b, randomVectors(r, 50000, 5000, 100), Options{}).Layout()
	var docs [MaxBlockSize]uint32
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := cputime.Thread()
	for b.Loop() {
		for t := 0; t < l.NumTerms; t++ {
			base := uint32(0)
			for i := int(l.TermBlk[t]); i < int(l.TermBlk[t+1]); i++ {
				n := l.TermBlockLen(t, i)
				l.DecodeDocs(i, n, base, docs[:])
				base = docs[n-1] + 1
			}
		}
	}
	b.ReportMetric(float64((cputime.Thread()-t0).Nanoseconds())/float64(b.N)/float64(l.Postings), "cpu-ns/posting")
}
