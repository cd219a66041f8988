//go:build goexperiment.simd

package scoring

import (
	"math/bits"
	"slices"

	"simd/archsimd"
)

// SIMD reports whether the SIMD kernels are compiled in (GOEXPERIMENT=simd).
const SIMD = true

// avx512: the AVX-512 kernels run (the planner's choices depend on it
// too); without AVX-512 this build runs the portable code.
var avx512 = archsimd.X86.AVX512()

// Every kernel ends its vector code with VZEROUPPER
// (archsimd.ClearAVXUpperBits): on Intel cores, SSE instructions (Go's
// memmove and float code) that run while the upper halves of the vector
// registers are dirty each pay a false dependency and a blend (the 1M light
// mix ran 33% slower in this build than in the portable one without it;
// docs/BENCHMARKS.md, round 14). Zen 4 does not pay it.

// addScaledU8 does dst[i] += w*src[i], 16 lanes at a time on AVX-512.
func addScaledU8(dst []int32, src []uint8, w int32) {
	dst = dst[:len(src)]
	i := 0
	if avx512 {
		wv := archsimd.BroadcastInt32x16(w)
		for ; i+16 <= len(src); i += 16 {
			x := archsimd.LoadUint8x16Slice(src[i : i+16]).ExtendToUint32().AsInt32x16()
			d := archsimd.LoadInt32x16Slice(dst[i : i+16])
			d.Add(x.Mul(wv)).StoreSlice(dst[i : i+16])
		}
		archsimd.ClearAVXUpperBits()
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
	if avx512 {
		tv := archsimd.BroadcastInt32x16(thr)
		for ; i+16 <= len(a); i += 16 {
			m := archsimd.LoadInt32x16Slice(a[i : i+16]).GreaterEqual(tv).ToBits()
			if m != 0 {
				archsimd.ClearAVXUpperBits() // fn is scalar code
			}
			for m != 0 {
				j := bits.TrailingZeros16(m)
				fn(i+j, a[i+j])
				m &= m - 1
			}
		}
		archsimd.ClearAVXUpperBits()
	}
	for ; i < len(a); i++ {
		if a[i] >= thr {
			fn(i, a[i])
		}
	}
}

// histAbove counts each a[i] >= lo into hist[min((a[i]-lo)>>shift, 255)],
// without a callback per doc.
func histAbove(a []int32, lo int32, shift uint, hist *[256]int32) {
	i := 0
	if avx512 {
		tv := archsimd.BroadcastInt32x16(lo)
		for ; i+16 <= len(a); i += 16 {
			m := archsimd.LoadInt32x16Slice(a[i : i+16]).GreaterEqual(tv).ToBits()
			for m != 0 {
				j := bits.TrailingZeros16(m)
				hist[min((a[i+j]-lo)>>shift, 255)]++
				m &= m - 1
			}
		}
		archsimd.ClearAVXUpperBits()
	}
	for ; i < len(a); i++ {
		if v := a[i]; v >= lo {
			hist[min((v-lo)>>shift, 255)]++
		}
	}
}

// candIota holds the lane numbers 0..15.
var candIota = [16]uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// growCands makes room for n candidates plus one 16-lane store past them.
func growCands(out []uint32, scores []int32, n int) ([]uint32, []int32) {
	if cap(out)-len(out) < n+16 {
		out = slices.Grow(out, n+16)
	}
	if cap(scores)-len(scores) < n+16 {
		scores = slices.Grow(scores, n+16)
	}
	return out, scores
}

// denseCandidates appends to out (and their scores to scores) the
// offsets of the accumulators that reach lo (>= 1), in ascending order, and
// clears every accumulator, 16 at a time: for windows where most docs were
// touched. With
// many (unpredictable) candidates expected, the passing lanes are
// compressed into the outputs (VPCOMPRESSD) without a branch per
// candidate; with few, a branch on each 16-lane mask is cheaper.
func denseCandidates(acc []int32, lo int32, out []uint32, scores []int32, many bool) ([]uint32, []int32) {
	if !many {
		return denseCandidatesFew(acc, lo, out, scores)
	}
	out, scores = growCands(out, scores, len(acc))
	n0 := len(out)
	o, sc := out[n0:cap(out)], scores[n0:cap(scores)]
	n := 0
	i := 0
	if avx512 {
		lv := archsimd.BroadcastInt32x16(lo)
		idx := archsimd.LoadUint32x16(&candIota)
		step := archsimd.BroadcastUint32x16(16)
		var zero archsimd.Int32x16
		for ; i+16 <= len(acc); i += 16 {
			a := acc[i : i+16]
			v := archsimd.LoadInt32x16Slice(a)
			m := v.GreaterEqual(lv)
			v.Compress(m).StoreSlice(sc[n : n+16])
			idx.Compress(m).StoreSlice(o[n : n+16])
			n += bits.OnesCount16(m.ToBits())
			zero.StoreSlice(a)
			idx = idx.Add(step)
		}
		archsimd.ClearAVXUpperBits()
	}
	for ; i < len(acc); i++ {
		v := acc[i]
		o[n], sc[n] = uint32(i), v
		if v >= lo {
			n++
		}
		acc[i] = 0
	}
	return out[:n0+n], scores[:n0+n]
}

// candidatesUpTo appends to out (and their scores to scores) the offsets
// of the accumulators that reach lo (>= 1), in ascending order, like
// denseCandidates but without clearing them, and gives up (false) as
// soon as more than limit are found: one pass where counting first and
// then collecting took two.
func candidatesUpTo(acc []int32, lo int32, limit int, out []uint32, scores []int32) ([]uint32, []int32, bool) {
	limit += len(out)
	i := 0
	if avx512 {
		lv := archsimd.BroadcastInt32x16(lo)
		for ; i+64 <= len(acc); i += 64 {
			a := acc[i : i+64]
			v0 := archsimd.LoadInt32x16Slice(a[0:16])
			v1 := archsimd.LoadInt32x16Slice(a[16:32])
			v2 := archsimd.LoadInt32x16Slice(a[32:48])
			v3 := archsimd.LoadInt32x16Slice(a[48:64])
			if v0.Max(v1).Max(v2.Max(v3)).GreaterEqual(lv).ToBits() == 0 {
				continue
			}
			m := uint64(v0.GreaterEqual(lv).ToBits()) | uint64(v1.GreaterEqual(lv).ToBits())<<16 |
				uint64(v2.GreaterEqual(lv).ToBits())<<32 | uint64(v3.GreaterEqual(lv).ToBits())<<48
			for m != 0 {
				j := i + bits.TrailingZeros64(m)
				out = append(out, uint32(j))
				scores = append(scores, acc[j])
				m &= m - 1
			}
			if len(out) > limit {
				archsimd.ClearAVXUpperBits()
				return out, scores, false
			}
		}
		archsimd.ClearAVXUpperBits()
	}
	for ; i < len(acc); i++ {
		if v := acc[i]; v >= lo {
			out = append(out, uint32(i))
			scores = append(scores, v)
		}
	}
	return out, scores, len(out) <= limit
}

// denseCandidatesFew is denseCandidates for few candidates.
func denseCandidatesFew(acc []int32, lo int32, out []uint32, scores []int32) ([]uint32, []int32) {
	i := 0
	if avx512 {
		lv := archsimd.BroadcastInt32x16(lo)
		var zero archsimd.Int32x16
		// 64 accumulators per test: one branch on their maximum, which
		// rarely passes when candidates are few.
		for ; i+64 <= len(acc); i += 64 {
			a := acc[i : i+64]
			v0 := archsimd.LoadInt32x16Slice(a[0:16])
			v1 := archsimd.LoadInt32x16Slice(a[16:32])
			v2 := archsimd.LoadInt32x16Slice(a[32:48])
			v3 := archsimd.LoadInt32x16Slice(a[48:64])
			if v0.Max(v1).Max(v2.Max(v3)).GreaterEqual(lv).ToBits() != 0 {
				m := uint64(v0.GreaterEqual(lv).ToBits()) | uint64(v1.GreaterEqual(lv).ToBits())<<16 |
					uint64(v2.GreaterEqual(lv).ToBits())<<32 | uint64(v3.GreaterEqual(lv).ToBits())<<48
				for m != 0 {
					j := i + bits.TrailingZeros64(m)
					out = append(out, uint32(j))
					scores = append(scores, acc[j])
					m &= m - 1
				}
			}
			zero.StoreSlice(a[0:16])
			zero.StoreSlice(a[16:32])
			zero.StoreSlice(a[32:48])
			zero.StoreSlice(a[48:64])
		}
		archsimd.ClearAVXUpperBits()
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

// rankInBlock is the first i in [lo, m) with docs[i] >= d (docs ascending,
// docs[lo-1] < d, d <= docs[m-1]): on AVX-512 the count of docs[:m] below d,
// 16 compares per instruction and no dependence on lo, so consecutive
// candidates' searches overlap where a binary search's halvings chain.
// DenseMaxScore's merges (SciFact, SIMD build: planner 22.2 -> 20.8 µs;
// docs/BENCHMARKS.md, round 18). The cursors' probes keep lowerBound: the
// same there (1M heavy within 1%), and it starts from the cursor.
func rankInBlock(docs *blockBuf, lo, m int, d uint32) int {
	if !avx512 {
		return lowerBound(docs, lo, m, d)
	}
	dv := archsimd.BroadcastUint32x16(d)
	n := 0
	i := 0
	for ; i+16 <= m; i += 16 {
		n += bits.OnesCount16(archsimd.LoadUint32x16Slice(docs[i : i+16]).Less(dv).ToBits())
	}
	if i < m {
		n += bits.OnesCount16(archsimd.LoadUint32x16Slice(docs[i:i+16]).Less(dv).ToBits() & (1<<(m-i) - 1))
	}
	archsimd.ClearAVXUpperBits()
	return n
}
