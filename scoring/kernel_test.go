package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// The kernels are checked against plain loops; the same tests run with and
// without GOEXPERIMENT=simd.

func TestAddScaledU8(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 1, 15, 16, 17, 33, 100, 1000} {
		src := make([]uint8, n)
		dst := make([]int32, n)
		for i := range src {
			src[i] = uint8(r.IntN(256))
			dst[i] = int32(r.IntN(1000))
		}
		want := slices.Clone(dst)
		w := int32(r.IntN(70000))
		for i := range want {
			want[i] += w * int32(src[i])
		}
		addScaledU8(dst, src, w)
		if !slices.Equal(dst, want) {
			t.Fatalf("n=%d: mismatch", n)
		}
	}
}

func TestScanAbove(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{0, 1, 16, 31, 64, 257} {
		a := make([]int32, n)
		for i := range a {
			a[i] = int32(r.IntN(100))
		}
		thr := int32(50)
		var got, exp []int
		scanAbove(a, thr, func(i int, v int32) {
			if v != a[i] {
				t.Fatalf("value mismatch at %d", i)
			}
			got = append(got, i)
		})
		for i, v := range a {
			if v >= thr {
				exp = append(exp, i)
			}
		}
		if !slices.Equal(got, exp) {
			t.Fatalf("n=%d: scan %v want %v", n, got, exp)
		}
	}
}

// The window gives exactly the candidates (score >= lo), ascending, with
// their scores, from its listed docs (extract, which also clears them) and
// from the docs caught crossing lo (crossed), for spans that take the
// radix sort and wider ones.
func TestWindowCandidates(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	for _, span := range []int{1, 64, 1 << windowBits, 1<<16 + 3} {
		var w window
		w.resize(span)
		w0 := uint32(r.IntN(1000))
		for trial := 0; trial < 10; trial++ {
			density := r.Float64()
			lo := int32(1 + r.IntN(100))
			want := map[uint32]bool{}
			for off := range uint32(span) {
				if r.Float64() >= density {
					continue
				}
				for range 1 + r.IntN(3) { // a few postings per doc, crossing at most once
					s := int32(1 + r.IntN(40))
					old := w.acc[off]
					a := old + s
					w.acc[off] = a
					w.touched = append(w.touched, w0+off)
					if a >= lo && old < lo {
						w.cand = append(w.cand, off)
					}
				}
				if w.acc[off] >= lo {
					want[off] = true
				}
			}
			r.Shuffle(len(w.touched), func(i, j int) { w.touched[i], w.touched[j] = w.touched[j], w.touched[i] })
			r.Shuffle(len(w.cand), func(i, j int) { w.cand[i], w.cand[j] = w.cand[j], w.cand[i] })
			check := func(name string, offs []uint32, scores []int32, acc []int32) {
				t.Helper()
				if len(offs) != len(want) || !slices.IsSorted(offs) {
					t.Fatalf("%s span %d trial %d: %d candidates (sorted %v), want %d", name, span, trial, len(offs), slices.IsSorted(offs), len(want))
				}
				for i, off := range offs {
					if !want[off] || scores[i] != acc[off] {
						t.Fatalf("%s span %d: candidate %d score %d, want %d", name, span, off, scores[i], acc[off])
					}
				}
			}
			before := slices.Clone(w.acc)
			offs, scores := w.crossed(nil, nil)
			check("crossed", offs, scores, before)
			offs, scores = w.extract(w0, lo, nil, nil)
			check("extract", offs, scores, before)
			if slices.ContainsFunc(w.acc, func(v int32) bool { return v != 0 }) || len(w.touched)+len(w.cand) != 0 {
				t.Fatalf("span %d trial %d: not clear", span, trial)
			}
		}
	}
}

// denseCandidates appends (after what out already holds) every offset with
// acc >= lo and clears acc, for lengths that are not multiples of 16 too,
// with either kernel (many or few candidates expected).
func TestDenseCandidates(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 8))
	for trial := 0; trial < 50; trial++ {
		acc := make([]int32, 1+r.IntN(1<<windowBits))
		for i := range acc {
			if r.IntN(3) > 0 {
				acc[i] = 1 + int32(r.IntN(100))
			}
		}
		lo := int32(1 + r.IntN(100))
		pre := r.IntN(40)
		out := make([]uint32, pre, pre+r.IntN(20))
		scores := make([]int32, pre, pre+r.IntN(20))
		wantOff, wantSc := slices.Clone(out), slices.Clone(scores)
		for i, v := range acc {
			if v >= lo {
				wantOff = append(wantOff, uint32(i))
				wantSc = append(wantSc, v)
			}
		}
		many := trial%2 == 0
		off, sc := denseCandidates(slices.Clone(acc), lo, slices.Clone(out), slices.Clone(scores), !many)
		off2, sc2 := denseCandidates(acc, lo, out, scores, many)
		if !slices.Equal(off, wantOff) || !slices.Equal(sc, wantSc) || !slices.Equal(off2, wantOff) || !slices.Equal(sc2, wantSc) {
			t.Fatalf("trial %d (len %d): %d / %d candidates, want %d", trial, len(acc), len(off), len(off2), len(wantOff))
		}
		for i := range acc {
			if acc[i] != 0 {
				t.Fatalf("acc[%d] not cleared", i)
			}
		}
	}
}

// candidatesUpTo appends the candidates as denseCandidates does, leaves acc
// as it was, and reports false exactly when there are more than limit
// (what it appended then is unspecified).
func TestCandidatesUpTo(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(10, 10))
	for trial := 0; trial < 200; trial++ {
		acc := make([]int32, 1+r.IntN(6000))
		for i := range acc {
			if r.IntN(3) > 0 {
				acc[i] = 1 + int32(r.IntN(100))
			}
		}
		lo := int32(1 + r.IntN(100))
		pre := r.IntN(8)
		out, scores := make([]uint32, pre), make([]int32, pre)
		wantOff, wantSc := slices.Clone(out), slices.Clone(scores)
		for i, v := range acc {
			if v >= lo {
				wantOff = append(wantOff, uint32(i))
				wantSc = append(wantSc, v)
			}
		}
		n := len(wantOff) - pre
		limit := max(-1, n-2+r.IntN(5)) // around the count: both outcomes
		before := slices.Clone(acc)
		off, sc, ok := candidatesUpTo(acc, lo, limit, out, scores)
		if ok != (n <= limit) {
			t.Fatalf("trial %d: %d candidates, limit %d: ok %v", trial, n, limit, ok)
		}
		if ok && (!slices.Equal(off, wantOff) || !slices.Equal(sc, wantSc)) {
			t.Fatalf("trial %d (len %d): %d candidates, want %d", trial, len(acc), len(off)-pre, n)
		}
		if !slices.Equal(acc, before) {
			t.Fatalf("trial %d: acc changed", trial)
		}
	}
}

// BenchmarkDenseCandidates scans a window of 2^16 accumulators of which
// about one in 500 reaches the bound (the case of pruned windows).
func BenchmarkDenseCandidates(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	src := make([]int32, 1<<windowBits)
	for i := range src {
		if r.IntN(3) > 0 {
			src[i] = 1 + int32(r.IntN(1000))
		}
		if r.IntN(500) == 0 {
			src[i] = 2000
		}
	}
	acc := make([]int32, len(src))
	var out []uint32
	var scores []int32
	b.SetBytes(int64(4 * len(src)))
	for b.Loop() {
		copy(acc, src)
		out, scores = denseCandidates(acc, 1500, out[:0], scores[:0], false)
	}
}

// The scan kernels hold at the edges of their domain (accumulators in [0,
// MaxInt32], bounds in [1, MaxInt32]): values at, just below and just
// above the bound, and the largest ones, in every lane position.
func TestKernelBounds(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 11))
	for _, lo := range []int32{1, 2, 1000, math.MaxInt32 - 1, math.MaxInt32} {
		t.Run(fmt.Sprint(lo), func(t *testing.T) {
			vals := []int32{0, 1, lo - 1, lo, lo + 1, math.MaxInt32 - 1, math.MaxInt32}
			for trial := 0; trial < 40; trial++ {
				var acc []int32
				if trial < 2 {
					// One value at the bound in each of 64 positions, the
					// rest just below it (or 0): a kernel that skips a
					// group must not skip these.
					acc = make([]int32, 64*64)
					for g := range 64 {
						for j := range 64 {
							acc[g*64+j] = max(0, lo-1-int32(trial*j%2))
						}
						acc[g*64+g] = lo
					}
				} else {
					acc = make([]int32, 1+r.IntN(300))
					for i := range acc {
						if v := vals[r.IntN(len(vals))]; v >= 0 {
							acc[i] = v
						}
					}
				}
				var wantOff []uint32
				var wantSc []int32
				var wantHist [256]int32
				for i, v := range acc {
					if v >= lo {
						wantOff = append(wantOff, uint32(i))
						wantSc = append(wantSc, v)
						wantHist[min((v-lo)>>24, 255)]++
					}
				}
				var hist [256]int32
				histAbove(acc, lo, 24, &hist)
				var scanned []uint32
				scanAbove(acc, lo, func(i int, _ int32) { scanned = append(scanned, uint32(i)) })
				off, sc, ok := candidatesUpTo(acc, lo, len(acc), nil, nil)
				if hist != wantHist || !slices.Equal(scanned, wantOff) || !ok || !slices.Equal(off, wantOff) || !slices.Equal(sc, wantSc) {
					t.Fatalf("trial %d: hist, scan or candidatesUpTo differ (%d candidates, want %d)", trial, len(off), len(wantOff))
				}
				for _, many := range []bool{false, true} {
					a := slices.Clone(acc)
					off, sc := denseCandidates(a, lo, nil, nil, many)
					if !slices.Equal(off, wantOff) || !slices.Equal(sc, wantSc) || slices.ContainsFunc(a, func(v int32) bool { return v != 0 }) {
						t.Fatalf("trial %d many=%v: denseCandidates differs or left acc dirty", trial, many)
					}
				}
			}
		})
	}
}

// randomBlock fills docs[:m] with ascending docs, gaps of 1-3, for a random
// length m >= 1, and returns m.
func randomBlock(r *rand.Rand, docs *blockBuf) int {
	m := 1 + r.IntN(len(docs))
	d := uint32(r.IntN(5))
	for i := range m {
		d += uint32(1 + r.IntN(3))
		docs[i] = d
	}
	return m
}

// TestLowerBound checks the branch-free search of NextGEQ and mergeList against
// sort.Search on every sub-range of random sorted blocks.
func TestLowerBound(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var docs blockBuf
	for trial := range 200 {
		m := randomBlock(r, &docs)
		lo := r.IntN(m + 1)
		for _, x := range []uint32{0, docs[0], docs[m-1], docs[m-1] + 1, docs[r.IntN(m)], docs[r.IntN(m)] + 1, 1<<32 - 1} {
			want := lo + sort.Search(m-lo, func(i int) bool { return docs[lo+i] >= x })
			if got := lowerBound(&docs, lo, m, x); got != want {
				t.Fatalf("trial %d: lowerBound(docs[%d:%d], %d) = %d, want %d", trial, lo, m, x, got, want)
			}
		}
	}
}

// TestRankInBlock checks mergeList's search (the vector count in the SIMD
// build) against sort.Search within its contract: docs[lo-1] < d <=
// docs[m-1], with stale docs past m that are below d (a reused buffer).
func TestRankInBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	var docs blockBuf
	for trial := range 2000 {
		m := randomBlock(r, &docs)
		for i := m; i < len(docs); i++ {
			docs[i] = uint32(r.IntN(3)) // stale: must not be counted
		}
		x := docs[r.IntN(m)] + uint32(r.IntN(2))
		if x > docs[m-1] {
			x = docs[m-1]
		}
		want := sort.Search(m, func(i int) bool { return docs[i] >= x })
		lo := r.IntN(want + 1) // docs[lo-1] < x
		if got := rankInBlock(&docs, lo, m, x); got != want {
			t.Fatalf("trial %d: rankInBlock(docs[%d:%d], %d) = %d, want %d", trial, lo, m, x, got, want)
		}
	}
}
