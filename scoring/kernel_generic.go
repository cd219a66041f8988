//go:build !goexperiment.simd

package scoring

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

// scanAbove calls fn(i, a[i]) for each a[i] >= thr, in order. fn may raise
// the threshold; callers re-check.
func scanAbove(a []int32, thr int32, fn func(int, int32)) {
	i := 0
	for ; i+8 <= len(a); i += 8 {
		c := a[i : i+8 : i+8]
		if max8(c) < thr {
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
		c := a[i : i+8 : i+8]
		if max8(c) < lo {
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

// max8 is the largest of c[:8], without branches: the portable kernels
// test eight accumulators at a time and look closer only at groups that
// reach their bound (few, where pruning works).
func max8(c []int32) int32 {
	c = c[:8]
	return max(max(max(c[0], c[1]), max(c[2], c[3])), max(max(c[4], c[5]), max(c[6], c[7])))
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
		c := acc[i : i+8 : i+8]
		if max8(c) < lo {
			continue
		}
		for j, v := range c {
			if v >= lo {
				out = append(out, uint32(i+j))
				scores = append(scores, v)
			}
		}
	}
	for ; i < len(acc); i++ {
		if v := acc[i]; v >= lo {
			out = append(out, uint32(i))
			scores = append(scores, v)
		}
	}
	clear(acc)
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
		c := acc[i : i+8 : i+8]
		if max8(c) < lo {
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
