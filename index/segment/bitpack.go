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

//go:generate go run gen_unpack.go

// unpackDeltasScalar decodes n gaps of width w from src into ascending docs
// without SIMD. src must extend at least 8 bytes past the packed bits
// (Layout.Data is padded). Eight w-bit values are exactly w bytes, so whole
// groups of eight go to the generated unpacker for w (unpack_width.go:
// constant shifts, masks and load offsets); the running doc id is the only
// serial dependency, one add per value. The last n%8 values load one each.
// The call through unpackGroups[w] is an indirect branch on the data that
// mispredicts when consecutive blocks change width: the likely reason why
// exhaustive's dense accumulation got ~10% slower with it while the other
// algorithms gained (docs/BENCHMARKS.md, issue 12).
func unpackDeltasScalar(src []byte, n int, w uint, base uint32, docs []uint32) {
	docs = docs[:n]
	if w == 0 {
		for i := range docs {
			docs[i] = base + uint32(i)
		}
		return
	}
	src = src[:(n*int(w)+7)/8+8]
	g := n &^ 7
	acc := base - 1 // doc i is the previous doc + 1 + gap i
	if g > 0 {
		acc = unpackGroups[w](src, docs[:g], acc)
	}
	mask := uint64(1)<<w - 1
	bit := uint(g) * w
	for i := g; i < n; i++ {
		acc += uint32(binary.LittleEndian.Uint64(src[bit>>3:])>>(bit&7)&mask) + 1
		docs[i] = acc
		bit += w
	}
}

// addDeltas is unpackDeltasScalar fused with a window's accumulation:
// for the len(imps) gaps of width w in src it adds wt*imps[j] to acc at doc
// j's offset, o being the offset of the doc before the first (the previous
// doc minus the window's first doc, wrapping). Every doc must lie in the
// window (2^16 docs from its first). Whole groups of eight go to the
// generated adder for w (no doc buffer, no bounds check). Both builds use
// it: on the 1M benchmark's long mix it beat the AVX-512 unpacker into a
// buffer followed by the adds (SIMD build, planner 943 -> 858 us).
func addDeltas(src []byte, imps []uint8, w uint, o uint32, wt int32, acc *[WindowDocs]int32) {
	n := len(imps)
	if w == 0 {
		for j, m := range imps {
			acc[uint16(o+1+uint32(j))] += wt * int32(m)
		}
		return
	}
	src = src[:(n*int(w)+7)/8+8]
	g := n &^ 7
	if g > 0 {
		o = addGroups[w](src, imps[:g], o, wt, acc)
	}
	mask := uint64(1)<<w - 1
	bit := uint(g) * w
	for j := g; j < n; j++ {
		o += uint32(binary.LittleEndian.Uint64(src[bit>>3:])>>(bit&7)&mask) + 1
		acc[uint16(o)] += wt * int32(imps[j])
		bit += w
	}
}
