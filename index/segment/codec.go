package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Serialized form (little endian):
//
//	magic "SPRWSEG\x00" | version u32 | NumDocs u64 | NumTerms u64 | Postings u64 |
//	Scale f32 | BlockSize u32 | RangeBits u32 | Flags u32 (version >= 2; bit 0: has BMP) |
//	arrays, each: element count u64 then elements (Layout field order:
//	Terms (version >= 3), TermCount, ...) |
//	CRC-32C of everything before it, u32
//
// Version 1 had no Flags word and always carried the BMP structures; Decode
// still reads it. Without BMP (Options.BMP false) the BMP arrays are empty.
// Versions 1 and 2 had no Terms: their tables were dense by term id (local
// term = id), which Decode keeps (Terms = 0..NumTerms-1).
const (
	magic   = "SPRWSEG\x00"
	version = 3

	flagBMP = 1
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary serialises the segment (versioned and checksummed).
func (s *Segment) MarshalBinary() ([]byte, error) {
	l := &s.l
	n := 64 + len(l.Data) + len(l.FwdDoc)*2 + len(l.UBMax) + 4*(len(l.Terms)+len(l.BlkLast)+len(l.TermCount)+len(l.TermBlk)+len(l.UBBlk)+len(l.FwdTerm)+len(l.FwdEntRel)) +
		8*(len(l.BlkOff)+len(l.UBOff)+len(l.UBBlkOff)+len(l.FwdPair)+len(l.FwdEnt)) + len(l.BlkMax) + len(l.TermMax) + 20*8
	b := make([]byte, 0, n)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, uint64(l.NumDocs))
	b = binary.LittleEndian.AppendUint64(b, uint64(l.NumTerms))
	b = binary.LittleEndian.AppendUint64(b, uint64(l.Postings))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(l.Scale))
	b = binary.LittleEndian.AppendUint32(b, uint32(l.BlockSize))
	b = binary.LittleEndian.AppendUint32(b, uint32(l.RangeBits))
	var flags uint32
	if l.HasBMP {
		flags |= flagBMP
	}
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = put32(b, l.Terms)
	b = put32(b, l.TermCount)
	b = put8(b, l.TermMax)
	b = put32(b, l.TermBlk)
	b = put32(b, l.BlkLast)
	b = put8(b, l.BlkMax)
	b = put64(b, l.BlkOff)
	b = put8(b, l.Data[:len(l.Data)-8])
	b = put64(b, l.UBOff)
	b = put8(b, l.UBMax)
	b = put64(b, l.UBBlkOff)
	b = put32(b, l.UBBlk)
	b = put64(b, l.FwdPair)
	b = put32(b, l.FwdTerm)
	b = put32(b, l.FwdEntRel)
	b = put64(b, l.FwdEnt)
	b = put8(b, l.FwdDoc)
	b = put8(b, l.FwdImp)
	return appendCRC(b), nil
}

// appendCRC appends the CRC-32C of b (the segment trailer).
func appendCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func put8(b []byte, v []uint8) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
	return append(b, v...)
}

func put32(b []byte, v []uint32) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return b
}

func put64(b []byte, v []uint64) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	return b
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("segment: corrupt: "+format, a...)
	}
}

func (r *reader) u32() uint32 {
	if len(r.b) < 4 {
		r.fail("truncated header")
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) u64() uint64 {
	if len(r.b) < 8 {
		r.fail("truncated header")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) count(name string, size int) int {
	n := r.u64()
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.b)/size) {
		r.fail("%s: %d elements but %d bytes left", name, n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *reader) a8(name string) []uint8 {
	n := r.count(name, 1)
	if r.err != nil {
		return nil
	}
	v := make([]uint8, n)
	copy(v, r.b)
	r.b = r.b[n:]
	return v
}

func (r *reader) a32(name string) []uint32 {
	n := r.count(name, 4)
	if r.err != nil {
		return nil
	}
	v := make([]uint32, n)
	for i := range v {
		v[i] = binary.LittleEndian.Uint32(r.b[4*i:])
	}
	r.b = r.b[4*n:]
	return v
}

func (r *reader) a64(name string) []uint64 {
	n := r.count(name, 8)
	if r.err != nil {
		return nil
	}
	v := make([]uint64, n)
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(r.b[8*i:])
	}
	r.b = r.b[8*n:]
	return v
}

// Decode parses and fully validates a serialised segment, so that searching
// a decoded segment cannot index out of range.
func Decode(data []byte) (*Segment, error) {
	if len(data) < len(magic)+4+4 {
		return nil, errors.New("segment: corrupt: too short")
	}
	if string(data[:len(magic)]) != magic {
		return nil, errors.New("segment: corrupt: bad magic (not a Sparrow segment)")
	}
	body := data[:len(data)-4]
	if got, want := crc32.Checksum(body, crcTable), binary.LittleEndian.Uint32(data[len(data)-4:]); got != want {
		return nil, fmt.Errorf("segment: corrupt: checksum mismatch (%08x != %08x)", got, want)
	}
	r := &reader{b: body[len(magic):]}
	v := r.u32()
	if v < 1 || v > version {
		return nil, fmt.Errorf("segment: unsupported version %d (this build reads 1 to %d)", v, version)
	}
	var l Layout
	nd, nt, np := r.u64(), r.u64(), r.u64()
	l.Scale = math.Float32frombits(r.u32())
	bs, rbits := r.u32(), r.u32()
	flags := uint32(flagBMP)
	if v >= 2 {
		flags = r.u32()
	}
	if r.err != nil {
		return nil, r.err
	}
	if flags&^flagBMP != 0 {
		return nil, fmt.Errorf("segment: corrupt: unknown flags %#x", flags)
	}
	l.HasBMP = flags&flagBMP != 0
	if nd > MaxDocs || nt > math.MaxUint32 || np > 1<<40 {
		return nil, fmt.Errorf("segment: corrupt: implausible sizes docs=%d terms=%d postings=%d", nd, nt, np)
	}
	if bs == 0 || bs > MaxBlockSize || rbits == 0 || rbits > 8 {
		return nil, fmt.Errorf("segment: corrupt: block size %d / range bits %d out of range", bs, rbits)
	}
	if !(l.Scale > 0) || math.IsInf(float64(l.Scale), 0) {
		return nil, fmt.Errorf("segment: corrupt: scale %v", l.Scale)
	}
	l.NumDocs, l.NumTerms, l.Postings, l.BlockSize, l.RangeBits = int(nd), int(nt), int64(np), int(bs), int(rbits)
	if v >= 3 {
		l.Terms = r.a32("Terms")
	}
	l.TermCount = r.a32("TermCount")
	l.TermMax = r.a8("TermMax")
	l.TermBlk = r.a32("TermBlk")
	l.BlkLast = r.a32("BlkLast")
	l.BlkMax = r.a8("BlkMax")
	l.BlkOff = r.a64("BlkOff")
	data8 := r.a8("Data")
	l.UBOff = r.a64("UBOff")
	l.UBMax = r.a8("UBMax")
	l.UBBlkOff = r.a64("UBBlkOff")
	l.UBBlk = r.a32("UBBlk")
	l.FwdPair = r.a64("FwdPair")
	l.FwdTerm = r.a32("FwdTerm")
	l.FwdEntRel = r.a32("FwdEntRel")
	l.FwdEnt = r.a64("FwdEnt")
	l.FwdDoc = r.a8("FwdDoc")
	l.FwdImp = r.a8("FwdImp")
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("segment: corrupt: %d trailing bytes", len(r.b))
	}
	l.Data = append(data8, make([]byte, 8)...)
	if v < 3 && len(l.TermCount) == l.NumTerms {
		l.Terms = make([]uint32, l.NumTerms)
		for t := range l.Terms {
			l.Terms[t] = uint32(t)
		}
	}
	if err := l.validate(v >= 3); err != nil {
		return nil, err
	}
	l.buildDir()
	l.deriveDense()
	return &Segment{l: l}, nil
}

func monotone(name string, v []uint64, n int, limit uint64) error {
	if len(v) != n {
		return fmt.Errorf("segment: corrupt: %s has %d entries, want %d", name, len(v), n)
	}
	if n > 0 && v[0] != 0 {
		return fmt.Errorf("segment: corrupt: %s does not start at 0", name)
	}
	for i := 1; i < n; i++ {
		if v[i] < v[i-1] {
			return fmt.Errorf("segment: corrupt: %s decreases at %d", name, i)
		}
	}
	if n > 0 && v[n-1] != limit {
		return fmt.Errorf("segment: corrupt: %s ends at %d, want %d", name, v[n-1], limit)
	}
	return nil
}

// validate checks a decoded layout; compact (version >= 3) layouts hold
// only terms with postings.
func (l *Layout) validate(compact bool) error {
	if err := l.validateTables(compact); err != nil {
		return err
	}
	if err := l.validatePostings(); err != nil {
		return err
	}
	return l.validateBMP()
}

// validateTables checks the term and block tables' sizes and order.
func (l *Layout) validateTables(compact bool) error {
	nt := l.NumTerms
	if len(l.Terms) != nt || len(l.TermCount) != nt || len(l.TermMax) != nt || len(l.TermBlk) != nt+1 {
		return errors.New("segment: corrupt: term table sizes")
	}
	for t, id := range l.Terms {
		if id > math.MaxInt32 || (t > 0 && id <= l.Terms[t-1]) {
			return fmt.Errorf("segment: corrupt: term ids not ascending int32 at %d", t)
		}
		if compact && l.TermCount[t] == 0 {
			return fmt.Errorf("segment: corrupt: term %d has no postings", id)
		}
	}
	nblk := len(l.BlkLast)
	if len(l.BlkMax) != nblk || len(l.BlkOff) != nblk+1 {
		return errors.New("segment: corrupt: block table sizes")
	}
	if err := monotone("BlkOff", l.BlkOff, nblk+1, uint64(len(l.Data)-8)); err != nil {
		return err
	}
	tb := make([]uint64, nt+1)
	for i, v := range l.TermBlk {
		tb[i] = uint64(v)
	}
	if err := monotone("TermBlk", tb, nt+1, uint64(nblk)); err != nil {
		return err
	}
	return nil
}

// validatePostings decodes every block, checking doc ranges and the
// block, term and count metadata, and derives TermTop.
func (l *Layout) validatePostings() error {
	nt, nd := l.NumTerms, l.NumDocs
	var docs [MaxBlockSize]uint32
	var imps [MaxBlockSize]uint8
	var total int64
	var hist [256]uint32
	l.TermTop = make([]uint8, nt*len(TopRanks))
	for t := 0; t < nt; t++ {
		clear(hist[:])
		b0, b1 := int(l.TermBlk[t]), int(l.TermBlk[t+1])
		cnt := int64(l.TermCount[t])
		total += cnt
		if want := (cnt + int64(l.BlockSize) - 1) / int64(l.BlockSize); int64(b1-b0) != want {
			return fmt.Errorf("segment: corrupt: term %d has %d blocks for %d postings", t, b1-b0, cnt)
		}
		base := uint32(0)
		var tmax uint8
		for i := b0; i < b1; i++ {
			n := l.TermBlockLen(t, i)
			start, end := l.BlkOff[i], l.BlkOff[i+1]
			if end <= start {
				return fmt.Errorf("segment: corrupt: empty block %d", i)
			}
			w := int(l.Data[start])
			if w > 32 || end-start != uint64(1+(n*w+7)/8+n) {
				return fmt.Errorf("segment: corrupt: block %d width %d length %d for %d postings", i, w, end-start, n)
			}
			// Gaps can overflow: check against the doc count in 64 bits.
			bit := uint64(0)
			prev := uint64(base)
			src := l.Data[start+1:]
			for k := 0; k < n; k++ {
				word := binary.LittleEndian.Uint64(src[bit>>3:])
				prev += (word >> (bit & 7)) & (1<<uint(w) - 1)
				if prev >= uint64(nd) {
					return fmt.Errorf("segment: corrupt: block %d doc %d out of range", i, prev)
				}
				prev++
				bit += uint64(w)
			}
			l.DecodeBlock(i, n, base, docs[:], imps[:])
			var m uint8
			for _, q := range imps[:n] {
				m = max(m, q)
				hist[q]++
			}
			if docs[n-1] != l.BlkLast[i] || m != l.BlkMax[i] {
				return fmt.Errorf("segment: corrupt: block %d metadata mismatch", i)
			}
			tmax = max(tmax, m)
			base = docs[n-1] + 1
		}
		if tmax != l.TermMax[t] {
			return fmt.Errorf("segment: corrupt: term %d max mismatch", t)
		}
		topImpacts(&hist, l.TermTop[t*len(TopRanks):(t+1)*len(TopRanks)])
	}
	if total != l.Postings {
		return fmt.Errorf("segment: corrupt: %d postings counted, header says %d", total, l.Postings)
	}
	return nil
}

// validateBMP checks the block-max pruning arrays (absent unless HasBMP).
func (l *Layout) validateBMP() error {
	nt, nd := l.NumTerms, l.NumDocs
	if !l.HasBMP {
		if len(l.UBOff)+len(l.UBMax)+len(l.UBBlkOff)+len(l.UBBlk)+len(l.FwdPair)+len(l.FwdTerm)+
			len(l.FwdEntRel)+len(l.FwdEnt)+len(l.FwdDoc)+len(l.FwdImp) != 0 {
			return errors.New("segment: corrupt: BMP arrays present but flag unset")
		}
		return nil
	}
	nr := (nd + 1<<uint(l.RangeBits) - 1) >> uint(l.RangeBits)
	if err := monotone("FwdEnt", l.FwdEnt, nr+1, uint64(l.Postings)); err != nil {
		return err
	}
	if len(l.FwdDoc) != int(l.Postings) || len(l.FwdImp) != int(l.Postings) {
		return errors.New("segment: corrupt: forward entry sizes")
	}
	if err := monotone("FwdPair", l.FwdPair, nr+1, uint64(len(l.FwdTerm))); err != nil {
		return err
	}
	if len(l.FwdEntRel) != len(l.FwdTerm) {
		return errors.New("segment: corrupt: forward pair sizes")
	}
	rmask := 1<<uint(l.RangeBits) - 1
	for r := 0; r < nr; r++ {
		p0, p1 := l.FwdPair[r], l.FwdPair[r+1]
		span := l.FwdEnt[r+1] - l.FwdEnt[r]
		limit := min(rmask+1, nd-r<<uint(l.RangeBits))
		for j := p0; j < p1; j++ {
			if l.FwdTerm[j] >= uint32(nt) || (j > p0 && l.FwdTerm[j] <= l.FwdTerm[j-1]) {
				return fmt.Errorf("segment: corrupt: range %d terms", r)
			}
			e0 := uint64(l.FwdEntRel[j])
			e1 := span
			if j+1 < p1 {
				e1 = uint64(l.FwdEntRel[j+1])
			}
			if (j == p0 && e0 != 0) || e1 <= e0 || e1 > span {
				return fmt.Errorf("segment: corrupt: range %d entry offsets", r)
			}
			for e := l.FwdEnt[r] + e0; e < l.FwdEnt[r]+e1; e++ {
				if int(l.FwdDoc[e]) >= limit || (e > l.FwdEnt[r]+e0 && l.FwdDoc[e] <= l.FwdDoc[e-1]) {
					return fmt.Errorf("segment: corrupt: range %d doc offsets", r)
				}
			}
		}
		if p0 == p1 && span != 0 {
			return fmt.Errorf("segment: corrupt: range %d entries without terms", r)
		}
	}
	if err := monotone("UBOff", l.UBOff, nt+1, uint64(len(l.UBMax))); err != nil {
		return err
	}
	if err := monotone("UBBlkOff", l.UBBlkOff, nt+1, uint64(len(l.UBBlk))); err != nil {
		return err
	}
	for t := 0; t < nt; t++ {
		nm := l.UBOff[t+1] - l.UBOff[t]
		nb := l.UBBlkOff[t+1] - l.UBBlkOff[t]
		switch {
		case nb == 0 && nm == 0:
		case nb == 0:
			if nm != uint64(nr) {
				return fmt.Errorf("segment: corrupt: term %d dense maxima length %d, want %d", t, nm, nr)
			}
		default:
			if nb != nm {
				return fmt.Errorf("segment: corrupt: term %d sparse maxima", t)
			}
			blk := l.UBBlk[l.UBBlkOff[t]:l.UBBlkOff[t+1]]
			for i, r := range blk {
				if r >= uint32(nr) || (i > 0 && r <= blk[i-1]) {
					return fmt.Errorf("segment: corrupt: term %d sparse range ids", t)
				}
			}
		}
	}
	return nil
}
