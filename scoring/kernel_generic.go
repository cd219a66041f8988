//go:build !goexperiment.simd

package scoring

// avx512: this build runs no AVX-512 kernels (the planner's choices
// depend on it).
const avx512 = false

// addScaledU8 does dst[i] += w*src[i] (portable fallback), eight at a
// time through fixed-length slices (no bounds check or loop test per
// element: twice as fast as the plain loop over SciFact-size tables).
func addScaledU8(dst []int32, src []uint8, w int32) {
	dst = dst[:len(src)]
	i := 0
	for ; i+8 <= len(src); i += 8 {
		s, d := src[i:i+8:i+8], dst[i:i+8:i+8]
		d[0] += w * int32(s[0])
		d[1] += w * int32(s[1])
		d[2] += w * int32(s[2])
		d[3] += w * int32(s[3])
		d[4] += w * int32(s[4])
		d[5] += w * int32(s[5])
		d[6] += w * int32(s[6])
		d[7] += w * int32(s[7])
	}
	for ; i < len(src); i++ {
		dst[i] += w * int32(src[i])
	}
}

// scanAbove calls fn(i, a[i]) for each a[i] >= thr, in order, for a[i] >= 0
// and thr >= 1 (as every kernel here: scores and thresholds). fn may raise
// the threshold; callers re-check.
func scanAbove(a []int32, thr int32, fn func(int, int32)) {
	i := 0
	for ; i+8 <= len(a); i += 8 {
		c := (*[8]int32)(a[i : i+8])
		if below8(c, thr) {
			continue
		}
		for j, v := range c {
			if v >= thr {
				fn(i+j, v)
			}
		}
	}
	for ; i < len(a); i++ {
		if a[i] >= thr {
			fn(i, a[i])
		}
	}
}

// histAbove counts each a[i] >= lo into hist[min((a[i]-lo)>>shift, 255)],
// without a callback per doc (the portable build's scanAbove with a
// closure showed in DenseMaxScore's threshold raises).
func histAbove(a []int32, lo int32, shift uint, hist *[256]int32) {
	i := 0
	for ; i+8 <= len(a); i += 8 {
		c := (*[8]int32)(a[i : i+8])
		if below8(c, lo) {
			continue
		}
		for _, v := range c {
			if v >= lo {
				hist[min((v-lo)>>shift, 255)]++
			}
		}
	}
	for ; i < len(a); i++ {
		if v := a[i]; v >= lo {
			hist[min((v-lo)>>shift, 255)]++
		}
	}
}

// below8 reports whether every c[i] < lo, for accumulators c[i] >= 0 and
// a bound lo >= 1 (every caller's: scores are sums of positive terms,
// thresholds at least 1): each c[i]-lo is then negative exactly when c[i]
// < lo and cannot overflow, so the AND of the eight differences keeps its
// sign bit only when all are below. Eight independent subtractions where
// a maximum was a serial chain of compares (the portable build's scans
// over windows of 2^16 accumulators: 1M long mix, max8 was 11% of the
// time; docs/BENCHMARKS.md, round 14). The portable kernels test eight
// accumulators at a time and look closer only at the groups that reach
// the bound (few, where pruning works).
func below8(c *[8]int32, lo int32) bool {
	return (c[0]-lo)&(c[1]-lo)&(c[2]-lo)&(c[3]-lo)&(c[4]-lo)&(c[5]-lo)&(c[6]-lo)&(c[7]-lo) < 0
}

// SIMD reports whether the SIMD kernels are compiled in (GOEXPERIMENT=simd).
const SIMD = false

// denseCandidates appends to out (and their scores to scores) the
// offsets of the accumulators that reach lo (>= 1), in ascending order, and
// clears every accumulator: for windows where most docs were touched.
// many is a SIMD-build hint, unused here.
func denseCandidates(acc []int32, lo int32, out []uint32, scores []int32, _ bool) ([]uint32, []int32) {
	i := 0
	for ; i+8 <= len(acc); i += 8 {
		c := (*[8]int32)(acc[i : i+8])
		if !below8(c, lo) {
			for j, v := range c {
				if v >= lo {
					out = append(out, uint32(i+j))
					scores = append(scores, v)
				}
			}
		}
		*c = [8]int32{} // cleared while in cache: no second pass
	}
	for ; i < len(acc); i++ {
		if v := acc[i]; v >= lo {
			out = append(out, uint32(i))
			scores = append(scores, v)
		}
		acc[i] = 0
	}
	return out, scores
}

// candidatesUpTo appends to out (and their scores to scores) the offsets
// of the accumulators that reach lo (>= 1), in ascending order, like
// denseCandidates but without clearing them, and gives up (false) as
// soon as more than limit are found: one pass where counting first and
// then collecting took two.
func candidatesUpTo(acc []int32, lo int32, limit int, out []uint32, scores []int32) ([]uint32, []int32, bool) {
	limit += len(out)
	i := 0
	for ; i+8 <= len(acc); i += 8 {
		c := (*[8]int32)(acc[i : i+8])
		if below8(c, lo) {
			continue
		}
		for j, v := range c {
			if v >= lo {
				out = append(out, uint32(i+j))
				scores = append(scores, v)
			}
		}
		if len(out) > limit {
			return out, scores, false
		}
	}
	for ; i < len(acc); i++ {
		if v := acc[i]; v >= lo {
			out = append(out, uint32(i))
			scores = append(scores, v)
		}
	}
	return out, scores, len(out) <= limit
}

// rankInBlock is the first i in [lo, m) with docs[i] >= d (docs ascending,
// docs[lo-1] < d, d <= docs[m-1]).
func rankInBlock(docs *blockBuf, lo, m int, d uint32) int { return lowerBound(docs, lo, m, d) }
