//go:build !goexperiment.simd

package scoring

// addScaledU8 does dst[i] += w*src[i] (portable fallback).
func addScaledU8(dst []int32, src []uint8, w int32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += w * int32(v)
	}
}

// maxInt32 returns the largest element (0 for none).
func maxInt32(a []int32) int32 {
	var m int32
	for _, v := range a {
		m = max(m, v)
	}
	return m
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

// windowCandidates appends to out (and their scores to scores) the
// offsets of marked docs whose score is at least lo, in ascending order,
// and clears the accumulators and marks.
func windowCandidates(acc []int32, seen []uint64, lo int32, out []uint16, scores []int32) ([]uint16, []int32) {
	return windowCandidatesScalar(acc, seen, lo, out, scores)
}

// denseCandidates is windowCandidates without marks, for windows where most
// docs were touched: every accumulator is compared (acc > 0 marks a touched
// doc, and lo >= 1) and the whole window is cleared.
// many is a SIMD-build hint, unused here.
func denseCandidates(acc []int32, lo int32, out []uint16, scores []int32, _ bool) ([]uint16, []int32) {
	for i, v := range acc {
		if v >= lo {
			out = append(out, uint16(i))
			scores = append(scores, v)
		}
		acc[i] = 0
	}
	return out, scores
}
