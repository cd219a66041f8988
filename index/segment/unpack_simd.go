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

func init() {
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

// unpackDeltas decodes n gaps of width w from src into ascending docs:
// eight values at a time with one byte permutation and one variable shift
// (AVX-512 VBMI), then a scalar prefix sum.
func unpackDeltas(src []byte, n int, w uint, base uint32, docs []uint32) {
	if !vbmi || w == 0 || n < 8 {
		unpackDeltasScalar(src, n, w, base, docs)
		return
	}
	t := &unpackTables[w]
	perm := archsimd.LoadUint8x64(&t.perm)
	shift := archsimd.LoadUint64x8(&t.shift)
	mask := archsimd.BroadcastUint64x8(uint64(1)<<w - 1)
	docs = docs[:n]
	var g [8]uint32
	var sum uint32
	off := 0
	i := 0
	for ; i+8 <= n; i += 8 {
		var chunk archsimd.Uint8x64
		if off+64 <= len(src) {
			chunk = archsimd.LoadUint8x64Slice(src[off : off+64])
		} else {
			chunk = archsimd.LoadUint8x64SlicePart(src[off:])
		}
		chunk.Permute(perm).AsUint64x8().ShiftRight(shift).And(mask).TruncateToUint32().Store(&g)
		off += int(w) // 8 values of w bits are w bytes
		d := docs[i : i+8 : i+8]
		x := base + uint32(i)
		sum += g[0]
		d[0] = x + sum
		sum += g[1]
		d[1] = x + 1 + sum
		sum += g[2]
		d[2] = x + 2 + sum
		sum += g[3]
		d[3] = x + 3 + sum
		sum += g[4]
		d[4] = x + 4 + sum
		sum += g[5]
		d[5] = x + 5 + sum
		sum += g[6]
		d[6] = x + 6 + sum
		sum += g[7]
		d[7] = x + 7 + sum
	}
	if i < n {
		// The tail starts on a byte boundary (i is a multiple of 8).
		unpackDeltasScalar(src[off:], n-i, w, base+uint32(i)+sum, docs[i:])
	}
}
