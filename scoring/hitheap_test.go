package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sparrow-search/sparrow/internal/topk"
)

// hitHeap keeps and orders exactly what the generic topk.Heap does under
// worse, ties on scores included; below bufferFromK push by push, above it
// with an admission bound that never passes the reference's.
func TestHitHeapMatchesTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{0, 1, 2, 3, 10, bufferFromK - 1, bufferFromK, 100, 1000} {
		// Distinct score values: many ties .. few; negative: some scores
		// not positive.
		for _, scores := range []int{3, 50, 1 << 20, -1000} {
			for _, views := range []int{1, 3} {
				t.Run(fmt.Sprintf("k=%d/scores=%d/views=%d", k, scores, views), func(t *testing.T) {
					var h hitHeap
					h.reset(k)
					ref := topk.New(k, worse)
					var bound Hit
					bounded := false
					for i := range 5000 {
						x := Hit{View: r.IntN(views), Doc: uint32(r.IntN(4000))}
						if scores > 0 {
							x.Score = float32(1 + r.IntN(scores))
						} else {
							x.Score = float32(r.IntN(-scores) - 10)
						}
						kept, refKept := h.push(x), ref.Push(x)
						if !h.buffered() && (kept != refKept || h.worst() != ref.Worst()) {
							t.Fatalf("push %d %+v: kept %v worst %+v, reference %v %+v", i, x, kept, h.worst(), refKept, ref.Worst())
						}
						if h.full() != ref.Full() {
							t.Fatalf("push %d: full %v, reference %v", i, h.full(), ref.Full())
						}
						if h.full() && worse(ref.Worst(), h.worst()) {
							t.Fatalf("push %d: bound %+v above the reference's %+v", i, h.worst(), ref.Worst())
						}
						if h.full() { // the strategies prune by it: it never falls
							if bounded && worse(h.worst(), bound) {
								t.Fatalf("push %d: bound %+v fell from %+v", i, h.worst(), bound)
							}
							bound, bounded = h.worst(), true
						}
						if i%997 == 0 || i == 4999 {
							if got, want := h.sorted(), ref.Sorted(); !slices.Equal(got, want) {
								t.Fatalf("after %d pushes: sorted %v, reference %v", i+1, got, want)
							}
						}
					}
					h.reset(k) // reuse keeps nothing
					if len(h.sorted()) != 0 || h.full() != (k == 0 && !h.buffered()) {
						t.Fatal("reset kept hits")
					}
				})
			}
		}
	}
}

// selectBest puts the k best first and the k-th best at k-1, on inputs a
// quickselect can stumble on (sorted, reversed, all equal, few values).
func TestSelectBest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	inputs := map[string]func(i, n int) Hit{
		"random":     func(i, n int) Hit { return Hit{Doc: uint32(r.IntN(n)), Score: float32(r.IntN(1000))} },
		"ascending":  func(i, n int) Hit { return Hit{Doc: uint32(i), Score: float32(i)} },
		"descending": func(i, n int) Hit { return Hit{Doc: uint32(i), Score: float32(n - i)} },
		"equal":      func(i, n int) Hit { return Hit{Doc: 7, Score: 1} },
		"two":        func(i, n int) Hit { return Hit{Doc: uint32(i % 2), Score: float32(i % 2)} },
		"organ":      func(i, n int) Hit { return Hit{Doc: uint32(i), Score: float32(min(i, n-i))} },
	}
	for name, gen := range inputs {
		for _, n := range []int{1, 2, 3, 10, 200, 2000} {
			for _, k := range []int{1, 2, n / 2, n - 1, n} {
				if k < 1 || k > n {
					continue
				}
				h := make([]Hit, n)
				for i := range h {
					h[i] = gen(i, n)
				}
				want := slices.Clone(h)
				slices.SortFunc(want, cmpHits)
				selectBest(h, k)
				if h[k-1] != want[k-1] {
					t.Fatalf("%s n=%d k=%d: h[k-1] = %+v, want %+v", name, n, k, h[k-1], want[k-1])
				}
				got := slices.Clone(h[:k])
				slices.SortFunc(got, cmpHits)
				if !slices.Equal(got, want[:k]) {
					t.Fatalf("%s n=%d k=%d: the first k are not the k best", name, n, k)
				}
			}
		}
	}
}

// sortHits orders as cmpHits does, on one view (packed keys) and several.
func TestSortHits(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, views := range []int{1, 2} {
		h := make([]Hit, 3000)
		for i := range h {
			h[i] = Hit{View: r.IntN(views), Doc: uint32(r.IntN(1 << 30)), Score: float32(r.IntN(100)) / 7}
		}
		h[0].Score = 0 // not positive: the general sort
		for _, in := range [][]Hit{h, h[1:], h[1:300], h[1:256], h[1:100]} {
			want := slices.Clone(in)
			slices.SortFunc(want, cmpHits)
			// All of them, then the best of them (a buffer of more than
			// k hits: fewer sorted than given).
			for _, k := range []int{len(in), len(in) - 1, len(in) / 2, 1} {
				src := slices.Clone(in)
				got := make([]Hit, k)
				sortHits(got, src, nil)
				if k == len(in) && !slices.Equal(src, in) {
					t.Fatalf("views %d, %d hits: the source changed", views, len(in))
				}
				if !slices.Equal(got, want[:k]) {
					t.Fatalf("views %d, %d hits, best %d: order differs", views, len(in), k)
				}
			}
		}
	}
}

// radixSort and bucketSort sort as slices.Sort does: radixSort with
// passes skipped or not, bucketSort with buckets of one key, of a few
// (insertion) and of many (a band of keys far from the rest: radixSort
// within the bucket).
func TestRadixAndBucketSort(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	gens := map[string]func() uint64{
		"random":    func() uint64 { return r.Uint64() },
		"low bytes": func() uint64 { return 1<<40 | uint64(r.IntN(1<<12)) },
		"constant":  func() uint64 { return 42 },
		"hits":      func() uint64 { return uint64(^math.Float32bits(float32(r.IntN(50))/3))<<32 | uint64(r.IntN(20000)) },
		"one score": func() uint64 { return uint64(^math.Float32bits(7.5))<<32 | uint64(r.IntN(1<<20)) },
		"outlier": func() uint64 {
			if r.IntN(100) == 0 {
				return math.MaxUint64 - uint64(r.IntN(10))
			}
			return 1<<40 | uint64(r.IntN(1<<16))
		},
	}
	sorts := map[string]func(a, b []uint64) []uint64{
		"radix":  radixSort,
		"bucket": func(a, b []uint64) []uint64 { return bucketSort(a, b, len(a)) },
	}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 17, 255, 256, 1000, 3000, 10000} {
			a := make([]uint64, n)
			for i := range a {
				a[i] = gen()
			}
			want := slices.Clone(a)
			slices.Sort(want)
			for sname, sort := range sorts {
				if got := sort(slices.Clone(a), make([]uint64, n)); !slices.Equal(got, want) {
					t.Fatalf("%s, %s, %d keys: not sorted", sname, name, n)
				}
			}
			// The k least only: those first and sorted, every key kept.
			for _, k := range []int{1, n / 3, n - 1} {
				got := bucketSort(slices.Clone(a), make([]uint64, n), k)
				if !slices.Equal(got[:k], want[:k]) {
					t.Fatalf("bucket, %s, %d keys: the %d least are not first, sorted", name, n, k)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("bucket, %s, %d keys, k = %d: keys lost", name, n, k)
				}
			}
		}
	}
}
