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

// unpackDeltas decodes n gaps of width w from src into ascending docs.
// src must extend at least 8 bytes past the packed bits (Layout.Data is padded).
func unpackDeltas(src []byte, n int, w uint, base uint32, docs []uint32) {
	docs = docs[:n]
	if w == 0 {
		for i := range docs {
			docs[i] = base + uint32(i)
		}
		return
	}
	mask := uint64(1)<<w - 1
	prev := base
	bit := uint(0)
	for i := range docs {
		word := binary.LittleEndian.Uint64(src[bit>>3:])
		g := uint32(word >> (bit & 7) & mask)
		prev += g
		docs[i] = prev
		prev++
		bit += w
	}
}
