package segment

import (
	"encoding/binary"
	"math/bits"
)

// packDeltas appends the gaps of docs (strictly ascending, first relative to
// base) bitpacked with the smallest common width, preceded by that width.
func packDeltas(dst []byte, docs []uint32, base uint32) []byte {
	var maxGap uint32
	prev := base
	for _, d := range docs {
		g := d - prev
		if g > maxGap {
			maxGap = g
		}
		prev = d + 1
	}
	w := uint(bits.Len32(maxGap))
	dst = append(dst, byte(w))
	if w == 0 {
		return dst
	}
	var acc uint64
	var nacc uint
	prev = base
	for _, d := range docs {
		acc |= uint64(d-prev) << nacc
		nacc += w
		prev = d + 1
		for nacc >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			nacc -= 8
		}
	}
	if nacc > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}

// unpackDeltasScalar decodes n gaps of width w from src into ascending docs.
// src must extend at least 8 bytes past the packed bits (Layout.Data is padded).
// Doc i is base + i + (sum of gaps 0..i), so the only serial dependency is
// one add per value. Eight w-bit values are exactly w bytes: widths up to
// 8 (the long, dense lists that dominate heavy queries) take them from one
// 64-bit load, widths up to 16 (medium lists) four from each of two;
// wider ones load each value, four per step.
func unpackDeltasScalar(src []byte, n int, w uint, base uint32, docs []uint32) {
	docs = docs[:n]
	if w == 0 {
		for i := range docs {
			docs[i] = base + uint32(i)
		}
		return
	}
	mask := uint64(1)<<w - 1
	need := (n*int(w)+7)/8 + 8
	src = src[:need]
	var sum uint32
	i := 0
	if w <= 8 {
		for off := 0; i+8 <= n; i += 8 {
			v := binary.LittleEndian.Uint64(src[off:])
			off += int(w)
			d := docs[i : i+8 : i+8]
			x := base + uint32(i)
			sum += uint32(v & mask)
			d[0] = x + sum
			sum += uint32(v >> w & mask)
			d[1] = x + 1 + sum
			sum += uint32(v >> (2 * w) & mask)
			d[2] = x + 2 + sum
			sum += uint32(v >> (3 * w) & mask)
			d[3] = x + 3 + sum
			sum += uint32(v >> (4 * w) & mask)
			d[4] = x + 4 + sum
			sum += uint32(v >> (5 * w) & mask)
			d[5] = x + 5 + sum
			sum += uint32(v >> (6 * w) & mask)
			d[6] = x + 6 + sum
			sum += uint32(v >> (7 * w) & mask)
			d[7] = x + 7 + sum
		}
	}
	if w > 8 && w <= 16 {
		// Four values (4w <= 64 bits) from each of two loads; the second
		// half starts 4w bits in.
		h := 4 * w
		for off := 0; i+8 <= n; i += 8 {
			lo := binary.LittleEndian.Uint64(src[off:])
			hi := binary.LittleEndian.Uint64(src[off+int(h>>3):]) >> (h & 7)
			off += int(w)
			d := docs[i : i+8 : i+8]
			x := base + uint32(i)
			sum += uint32(lo & mask)
			d[0] = x + sum
			sum += uint32(lo >> w & mask)
			d[1] = x + 1 + sum
			sum += uint32(lo >> (2 * w) & mask)
			d[2] = x + 2 + sum
			sum += uint32(lo >> (3 * w) & mask)
			d[3] = x + 3 + sum
			sum += uint32(hi & mask)
			d[4] = x + 4 + sum
			sum += uint32(hi >> w & mask)
			d[5] = x + 5 + sum
			sum += uint32(hi >> (2 * w) & mask)
			d[6] = x + 6 + sum
			sum += uint32(hi >> (3 * w) & mask)
			d[7] = x + 7 + sum
		}
	}
	bit := uint(i) * w
	for ; i+4 <= n; i += 4 {
		b0, b1, b2, b3 := bit, bit+w, bit+2*w, bit+3*w
		g0 := uint32(binary.LittleEndian.Uint64(src[b0>>3:]) >> (b0 & 7) & mask)
		g1 := uint32(binary.LittleEndian.Uint64(src[b1>>3:]) >> (b1 & 7) & mask)
		g2 := uint32(binary.LittleEndian.Uint64(src[b2>>3:]) >> (b2 & 7) & mask)
		g3 := uint32(binary.LittleEndian.Uint64(src[b3>>3:]) >> (b3 & 7) & mask)
		bit += 4 * w
		d := docs[i : i+4 : i+4]
		x := base + uint32(i)
		sum += g0
		d[0] = x + sum
		sum += g1
		d[1] = x + 1 + sum
		sum += g2
		d[2] = x + 2 + sum
		sum += g3
		d[3] = x + 3 + sum
	}
	for ; i < n; i++ {
		sum += uint32(binary.LittleEndian.Uint64(src[bit>>3:]) >> (bit & 7) & mask)
		docs[i] = base + uint32(i) + sum
		bit += w
	}
}
