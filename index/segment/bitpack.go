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
// one add per value; the loop is unrolled by four.
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
	bit := uint(0)
	i := 0
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
