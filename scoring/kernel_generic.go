//go:build !goexperiment.simd

package scoring

// addScaledU8 does dst[i] += w*src[i] (portable fallback).
func addScaledU8(dst []int32, src []uint8, w int32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += w * int32(v)
	}
}

// scanAbove calls fn(i, a[i]) for each a[i] >= thr, in order. fn may raise
// the threshold; callers re-check.
func scanAbove(a []int32, thr int32, fn func(int, int32)) {
	for i, v := range a {
		if v >= thr {
			fn(i, v)
		}
	}
}

// SIMD reports whether the SIMD kernels are compiled in (GOEXPERIMENT=simd).
const SIMD = false

// denseCandidates appends to out (and their scores to scores) the
// offsets of the accumulators that reach lo (>= 1), in ascending order, and
// clears every accumulator: for windows where most docs were touched.
// many is a SIMD-build hint, unused here.
func denseCandidates(acc []int32, lo int32, out []uint32, scores []int32, _ bool) ([]uint32, []int32) {
	for i, v := range acc {
		if v >= lo {
			out = append(out, uint32(i))
			scores = append(scores, v)
		}
		acc[i] = 0
	}
	return out, scores
}
