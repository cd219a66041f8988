package scoring

import (
	"math/rand/v2"
	"slices"
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

func TestMaxAndScan(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{0, 1, 16, 31, 64, 257} {
		a := make([]int32, n)
		var want int32
		for i := range a {
			a[i] = int32(r.IntN(100))
			want = max(want, a[i])
		}
		if got := maxInt32(a); got != want {
			t.Fatalf("n=%d: max %d want %d", n, got, want)
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

func TestWindowCandidates(t *testing.T) {
	t.Parallel()
	t.Run("kernel", func(t *testing.T) { t.Parallel(); checkWindowCandidates(t, windowCandidates) })
	t.Run("scalar", func(t *testing.T) { t.Parallel(); checkWindowCandidates(t, windowCandidatesScalar) })
}

func checkWindowCandidates(t *testing.T, windowCandidates func([]int32, []uint64, int32, []uint16, []int32) ([]uint16, []int32)) {
	r := rand.New(rand.NewPCG(7, 7))
	const W = 1 << windowBits
	acc := make([]int32, W)
	seen := make([]uint64, W/64)
	for trial := 0; trial < 20; trial++ {
		density := r.Float64()
		for i := 0; i < W; i++ {
			if r.Float64() < density {
				acc[i] = 1 + int32(r.IntN(100))
				seen[i>>6] |= 1 << (i & 63)
			}
		}
		lo := int32(1 + r.IntN(100))
		var wantOff []uint16
		var wantSc []int32
		for i := 0; i < W; i++ {
			if seen[i>>6]&(1<<(i&63)) != 0 && acc[i] >= lo {
				wantOff = append(wantOff, uint16(i))
				wantSc = append(wantSc, acc[i])
			}
		}
		off, sc := windowCandidates(acc, seen, lo, nil, nil)
		if !slices.Equal(off, wantOff) || !slices.Equal(sc, wantSc) {
			t.Fatalf("trial %d: %d candidates, want %d", trial, len(off), len(wantOff))
		}
		for i := range acc {
			if acc[i] != 0 {
				t.Fatalf("acc[%d] not cleared", i)
			}
		}
		for i := range seen {
			if seen[i] != 0 {
				t.Fatalf("seen[%d] not cleared", i)
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
		out := make([]uint16, pre, pre+r.IntN(20))
		scores := make([]int32, pre, pre+r.IntN(20))
		wantOff, wantSc := slices.Clone(out), slices.Clone(scores)
		for i, v := range acc {
			if v >= lo {
				wantOff = append(wantOff, uint16(i))
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
