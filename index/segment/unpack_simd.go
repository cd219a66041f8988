//go:build goexperiment.simd

package segment

import "simd/archsimd"

// vbmi gates the AVX-512 VBMI unpacker (VPERMB).
var vbmi = archsimd.X86.AVX512() && archsimd.X86.AVX512VBMI()

// unpackTables[w] holds, for 8 consecutive w-bit values (exactly w bytes),
// the byte permutation that puts value j's 8-byte window in lane j, and
// each lane's bit shift.
var unpackTables [33]struct {
	perm  [64]uint8
	shift [8]uint64
}

// unpack16Tables[w] (w <= maxW16) holds, for 16 consecutive w-bit values
// (exactly 2w bytes), the byte permutation that puts value j's 4-byte
// window in 32-bit lane j, and each lane's bit shift: a value starts at
// bit 0..7 of its window's first byte, so it fits 32 bits while w <= 25.
var unpack16Tables [maxW16 + 1]struct {
	perm  [64]uint8
	shift [16]uint32
}

const maxW16 = 25

func init() {
	for w := 1; w <= maxW16; w++ {
		t := &unpack16Tables[w]
		for j := 0; j < 16; j++ {
			bit := j * w
			for b := 0; b < 4; b++ {
				t.perm[j*4+b] = uint8(bit/8 + b)
			}
			t.shift[j] = uint32(bit % 8)
		}
	}
	for k := 1; k < 16; k *= 2 {
		for i := range 16 {
			if i >= k {
				pref16Shift[k][i] = uint32(16 + i - k)
			}
		}
	}
	for w := 1; w <= 32; w++ {
		t := &unpackTables[w]
		for j := 0; j < 8; j++ {
			bit := j * w
			for b := 0; b < 8; b++ {
				t.perm[j*8+b] = uint8(min(bit/8+b, 63))
			}
			t.shift[j] = uint64(bit % 8)
		}
	}
}

// Lane tables for the in-register prefix sum: prefShiftK moves lane i-k to
// lane i (zeros below) when used with ConcatPermute(zero, x).
var (
	prefIota   = [8]uint64{0, 1, 2, 3, 4, 5, 6, 7}
	prefShift1 = [8]uint64{0, 8, 9, 10, 11, 12, 13, 14}
	prefShift2 = [8]uint64{0, 0, 8, 9, 10, 11, 12, 13}
	prefShift4 = [8]uint64{0, 0, 0, 0, 8, 9, 10, 11}
	prefLast   = [8]uint64{7, 7, 7, 7, 7, 7, 7, 7}

	// The same for 16 lanes of 32 bits: pref16Shift[k] for k = 1, 2, 4, 8.
	pref16Shift [9][16]uint32
	pref16Iota  = [16]uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	pref16Last  = [16]uint32{15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15}
)

// unpackDeltas decodes n gaps of width w from src into ascending docs
// with AVX-512 VBMI: widths up to maxW16 sixteen values at a time in
// 32-bit lanes (unpackLanes16), wider ones eight at a time in 64-bit
// lanes: one byte permutation and one variable shift, then an in-register
// prefix sum (three lane shifts and adds), so the only serial dependency
// between groups of eight is one vector add of the running total.
func unpackDeltas(src []byte, n int, w uint, base uint32, docs []uint32) {
	if !vbmi || w == 0 || n < 8 {
		unpackDeltasScalar(src, n, w, base, docs)
		return
	}
	if w <= maxW16 {
		unpackLanes16(src, n, w, base, docs)
		return
	}
	t := &unpackTables[w]
	perm := archsimd.LoadUint8x64(&t.perm)
	shift := archsimd.LoadUint64x8(&t.shift)
	mask := archsimd.BroadcastUint64x8(uint64(1)<<w - 1)
	s1 := archsimd.LoadUint64x8(&prefShift1)
	s2 := archsimd.LoadUint64x8(&prefShift2)
	s4 := archsimd.LoadUint64x8(&prefShift4)
	last := archsimd.LoadUint64x8(&prefLast)
	step := archsimd.BroadcastUint64x8(8)
	var zero archsimd.Uint64x8
	// run[j] = base + i + j + (sum of the gaps before this group).
	run := archsimd.BroadcastUint64x8(uint64(base)).Add(archsimd.LoadUint64x8(&prefIota))
	docs = docs[:n]
	off := 0
	i := 0
	for ; i+8 <= n; i += 8 {
		var chunk archsimd.Uint8x64
		if off+64 <= len(src) {
			chunk = archsimd.LoadUint8x64Slice(src[off : off+64])
		} else {
			chunk = archsimd.LoadUint8x64SlicePart(src[off:])
		}
		g := chunk.Permute(perm).AsUint64x8().ShiftRight(shift).And(mask)
		off += int(w) // 8 values of w bits are w bytes
		p := g.Add(zero.ConcatPermute(g, s1))
		p = p.Add(zero.ConcatPermute(p, s2))
		p = p.Add(zero.ConcatPermute(p, s4))
		p.Add(run).TruncateToUint32().StoreSlice(docs[i : i+8])
		run = run.Add(p.Permute(last)).Add(step)
	}
	if i < n {
		// The tail starts on a byte boundary (i is a multiple of 8); lane 0
		// of run is its base.
		unpackDeltasScalar(src[off:], n-i, w, uint32(run.GetLo().GetLo().GetElem(0)), docs[i:])
	}
}

// unpackLanes16 is unpackDeltas for w <= maxW16 and n >= 8: sixteen
// values at a time in 32-bit lanes (one byte permutation, one variable
// shift, a four-step prefix sum), twice the values per step of the 64-bit
// lanes (a 128-doc block: 30-34 ns against 60 on this machine's Zen 4, in
// BenchmarkUnpack); fewer than sixteen values left go to the scalar
// unpacker.
func unpackLanes16(src []byte, n int, w uint, base uint32, docs []uint32) {
	t := &unpack16Tables[w]
	perm := archsimd.LoadUint8x64(&t.perm)
	shift := archsimd.LoadUint32x16(&t.shift)
	mask := archsimd.BroadcastUint32x16(uint32(1)<<w - 1)
	s1 := archsimd.LoadUint32x16(&pref16Shift[1])
	s2 := archsimd.LoadUint32x16(&pref16Shift[2])
	s4 := archsimd.LoadUint32x16(&pref16Shift[4])
	s8 := archsimd.LoadUint32x16(&pref16Shift[8])
	last := archsimd.LoadUint32x16(&pref16Last)
	step := archsimd.BroadcastUint32x16(16)
	var zero archsimd.Uint32x16
	// run[j] = base + i + j + (sum of the gaps before this group).
	run := archsimd.BroadcastUint32x16(base).Add(archsimd.LoadUint32x16(&pref16Iota))
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
	if i < n {
		// The tail starts on a byte boundary (i is a multiple of 16); lane
		// 0 of run is its base. (Not a masked StoreSlicePart: its 64-byte
		// pointer may reach past docs' allocation, which -race's checkptr
		// rejects.)
		unpackDeltasScalar(src[off:], n-i, w, run.GetLo().GetLo().GetElem(0), docs[i:])
	}
}
