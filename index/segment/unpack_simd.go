//go:build goexperiment.simd

package segment

import "simd/archsimd"

// vbmi gates the AVX-512 VBMI unpacker (VPERMB).
var vbmi = archsimd.X86.AVX512() && archsimd.X86.AVX512VBMI()

// maxW16 is the widest gap the vector unpacker decodes: a w-bit value
// starts at bit 0..7 of its first byte, so its 4-byte window holds it
// while w <= 25. Wider gaps (segments of more than 2^25 docs) go to the
// scalar unpacker.
const maxW16 = 25

// unpackTables[w] (w <= maxW16) holds, for 16 consecutive w-bit values
// (exactly 2w bytes), the byte permutation that puts value j's 4-byte
// window in 32-bit lane j, and each lane's bit shift.
var unpackTables [maxW16 + 1]struct {
	perm  [64]uint8
	shift [16]uint32
}

// Lane tables for the in-register prefix sum: prefShift[k] (k = 1, 2, 4,
// 8) moves lane i-k to lane i (zeros below) when used with
// ConcatPermute(zero, x).
var (
	prefShift [9][16]uint32
	prefIota  = [16]uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	prefLast  = [16]uint32{15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15}
)

func init() {
	for w := 1; w <= maxW16; w++ {
		t := &unpackTables[w]
		for j := 0; j < 16; j++ {
			bit := j * w
			for b := 0; b < 4; b++ {
				t.perm[j*4+b] = uint8(bit/8 + b)
			}
			t.shift[j] = uint32(bit % 8)
		}
	}
	for k := 1; k < 16; k *= 2 {
		for i := k; i < 16; i++ {
			prefShift[k][i] = uint32(16 + i - k)
		}
	}
}

// unpackDeltas decodes n gaps of width w from src into ascending docs
// with AVX-512 VBMI, sixteen values at a time in 32-bit lanes: one byte
// permutation, one variable shift and a mask, then a four-step
// in-register prefix sum, so the only serial dependency between groups
// is one vector add of the running total (a 128-doc block: 30-34 ns
// against 60 for the earlier eight 64-bit lanes on round 13's Zen 4,
// in BenchmarkUnpack). Fewer than sixteen values left, and gaps wider
// than maxW16, go to the scalar unpacker.
func unpackDeltas(src []byte, n int, w uint, base uint32, docs []uint32) {
	if !vbmi || w == 0 || w > maxW16 || n < 16 {
		unpackDeltasScalar(src, n, w, base, docs)
		return
	}
	t := &unpackTables[w]
	perm := archsimd.LoadUint8x64(&t.perm)
	shift := archsimd.LoadUint32x16(&t.shift)
	mask := archsimd.BroadcastUint32x16(uint32(1)<<w - 1)
	s1 := archsimd.LoadUint32x16(&prefShift[1])
	s2 := archsimd.LoadUint32x16(&prefShift[2])
	s4 := archsimd.LoadUint32x16(&prefShift[4])
	s8 := archsimd.LoadUint32x16(&prefShift[8])
	last := archsimd.LoadUint32x16(&prefLast)
	step := archsimd.BroadcastUint32x16(16)
	var zero archsimd.Uint32x16
	// run[j] = base + i + j + (sum of the gaps before this group).
	run := archsimd.BroadcastUint32x16(base).Add(archsimd.LoadUint32x16(&prefIota))
	docs = docs[:n]
	off := 0
	i := 0
	for ; i+16 <= n; i += 16 {
		var chunk archsimd.Uint8x64
		if off+64 <= len(src) {
			chunk = archsimd.LoadUint8x64Slice(src[off : off+64])
		} else {
			chunk = archsimd.LoadUint8x64SlicePart(src[off:])
		}
		g := chunk.Permute(perm).AsUint32x16().ShiftRight(shift).And(mask)
		off += 2 * int(w) // 16 values of w bits are 2w bytes
		p := g.Add(zero.ConcatPermute(g, s1))
		p = p.Add(zero.ConcatPermute(p, s2))
		p = p.Add(zero.ConcatPermute(p, s4))
		p = p.Add(zero.ConcatPermute(p, s8))
		p.Add(run).StoreSlice(docs[i : i+16])
		run = run.Add(p.Permute(last)).Add(step)
	}
	next := run.GetLo().GetLo().GetElem(0)
	// VZEROUPPER before scalar code, as every kernel (why: scoring's
	// kernel_simd.go).
	archsimd.ClearAVXUpperBits()
	if i < n {
		// The tail starts on a byte boundary (i is a multiple of 16); lane
		// 0 of run is its base. (Not a masked StoreSlicePart: its 64-byte
		// pointer may reach past docs' allocation, which -race's checkptr
		// rejects.)
		unpackDeltasScalar(src[off:], n-i, w, next, docs[i:])
	}
}
