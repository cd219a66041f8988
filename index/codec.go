package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/sparrow-search/sparrow/sparse"
)

// On-disk records owned by this package. Every decoder validates lengths and
// invariants and returns an error (never panics) on bad input, and every
// record carries a CRC-32C trailer, so a flipped bit is an error, never a
// changed weight or a changed id (document records of format 1, written
// before the trailer existed, are still read; Verify lists them). Badger's
// own checksums (value log entries, table blocks) are verified too (see
// Options.badger).

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const (
	docRecordV1      = 1 // no checksum (read only)
	docRecordV2      = 2 // v1 + CRC-32C trailer (read only)
	docRecordVersion = 3 // v2 + word terms and length
	manifestMagic    = "SPMF"
	manifestV1       = 1 // no tombstone digests, no meta (read only)
	manifestV2       = 2 // no words blob lengths (read only)
	manifestVersion  = 3
)

// errShort is returned when a record ends early.
var errShort = errors.New("truncated record")

// reader is a bounds-checked cursor over a record.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

// length reads a uvarint that must fit in the remaining bytes times per.
func (r *reader) length(per int) int {
	v := r.uvarint()
	if r.err == nil && v > uint64(len(r.b)/per) {
		r.err = fmt.Errorf("length %d exceeds the %d bytes left", v, len(r.b))
		return 0
	}
	return int(v)
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = errShort
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string { return string(r.bytes(r.length(1))) }

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendStrMap appends a count and the key/value pairs in key order (so
// records are deterministic).
func appendStrMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = appendStr(b, k)
		b = appendStr(b, m[k])
	}
	return b
}

// withCRC appends the CRC-32C of b.
func withCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// checkCRC strips and verifies the trailer.
func checkCRC(b []byte, what string) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%s: %d bytes, too short for a checksum", what, len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%s: checksum mismatch (corrupt)", what)
	}
	return body, nil
}

// encodeDoc serialises a stored document (fields sorted, so deterministic)
// with its checksum.
func encodeDoc(dst []byte, d *Document) []byte {
	start := len(dst)
	b := append(dst, docRecordVersion)
	b = appendStr(b, d.ID)
	b = appendStr(b, d.Title)
	b = appendStr(b, d.Text)
	b = appendStrMap(b, d.Fields)
	v := d.Vector
	b = binary.AppendUvarint(b, uint64(len(v.IDs)))
	prev := int32(-1)
	for _, id := range v.IDs {
		b = binary.AppendUvarint(b, uint64(id-prev-1))
		prev = id
	}
	for _, w := range v.Weights {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w))
	}
	b = binary.AppendUvarint(b, uint64(len(d.Words)))
	for _, w := range d.Words {
		b = appendStr(b, w.Text)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w.Weight))
	}
	b = binary.AppendUvarint(b, uint64(d.Length))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// decodeDoc parses a document record, verifies its checksum and checks
// every invariant Apply enforces, so a corrupt record cannot poison a
// rebuilt segment.
func decodeDoc(data []byte) (Document, error) {
	var d Document
	if len(data) == 0 {
		return d, errors.New("document record: empty")
	}
	version := data[0]
	switch version {
	case docRecordVersion, docRecordV2:
		body, err := checkCRC(data, "document record")
		if err != nil {
			return d, err
		}
		data = body
	case docRecordV1:
	default:
		return d, fmt.Errorf("document record: unknown version %d", data[0])
	}
	r := &reader{b: data[1:]}
	d.ID = r.str()
	d.Title = r.str()
	d.Text = r.str()
	nf := r.length(2)
	if nf > 0 {
		d.Fields = make(map[string]string, nf)
		for i := 0; i < nf && r.err == nil; i++ {
			k := r.str()
			d.Fields[k] = r.str()
		}
		if r.err == nil && len(d.Fields) != nf {
			return d, errors.New("document record: duplicate field name")
		}
	}
	n := r.length(5)
	if r.err == nil && n > 0 {
		d.Vector.IDs = make([]int32, n)
		d.Vector.Weights = make([]float32, n)
		prev := int64(-1)
		for i := 0; i < n && r.err == nil; i++ {
			id := prev + 1 + int64(r.uvarint())
			if id >= VocabSize || id < 0 {
				r.err = fmt.Errorf("token id %d outside [0, %d)", id, VocabSize)
				break
			}
			d.Vector.IDs[i] = int32(id)
			prev = id
		}
		if w := r.bytes(4 * n); r.err == nil {
			for i := range d.Vector.Weights {
				d.Vector.Weights[i] = math.Float32frombits(binary.LittleEndian.Uint32(w[4*i:]))
			}
		}
	}
	if version >= docRecordVersion {
		nw := r.length(5)
		if r.err == nil && nw > 0 {
			d.Words = make([]sparse.Term, nw)
			for i := 0; i < nw && r.err == nil; i++ {
				d.Words[i].Text = r.str()
				if w := r.bytes(4); r.err == nil {
					d.Words[i].Weight = math.Float32frombits(binary.LittleEndian.Uint32(w))
				}
			}
		}
		if l := r.uvarint(); l > math.MaxUint32 {
			r.err = fmt.Errorf("length %d out of range", l)
		} else {
			d.Length = uint32(l)
		}
	}
	if r.err != nil {
		return Document{}, fmt.Errorf("document record: %w", r.err)
	}
	if len(r.b) != 0 {
		return Document{}, fmt.Errorf("document record: %d trailing bytes", len(r.b))
	}
	if err := validateDoc(&d); err != nil {
		return Document{}, fmt.Errorf("document record: %w", err)
	}
	return d, nil
}

// segInfo is one live segment in the manifest. Blob lengths let the loader
// know how many chunks to expect.
type segInfo struct {
	ID        uint64
	NumDocs   uint32
	BlobLen   uint64 // segment.MarshalBinary bytes
	IDsLen    uint64 // external-id list
	FieldsLen uint64 // field index
	// Deleted and TombCRC pin the segment's tombstone record (its
	// cardinality and the CRC trailer of the stored value; both 0 when it
	// has none), so a stale or lost tombstone key is detected rather than
	// resurrecting deleted documents. Unknown (legacy) when !digests.
	Deleted uint32
	TombCRC uint32
	// WordsLen is the length of the segment's words blob (document lengths
	// and the texts of its word term ids); 0 for a segment written before
	// word terms, which has none.
	WordsLen uint64
}

// manifest is the commit point: the list of live segments and the meta
// keys. It is rewritten (one small key) in the same transaction that makes
// a batch visible.
type manifest struct {
	Generation uint64
	NextSegID  uint64
	Segments   []segInfo
	// Meta holds Index.SetMeta's keys: inside the manifest they are
	// checksummed and always consistent with the documents they describe.
	Meta map[string]string
	// legacy: read from a format-1 manifest, which has no tombstone
	// digests and keeps meta under separate keys.
	legacy bool
}

func encodeManifest(m *manifest) []byte {
	b := append([]byte(manifestMagic), manifestVersion)
	b = binary.AppendUvarint(b, m.Generation)
	b = binary.AppendUvarint(b, m.NextSegID)
	b = binary.AppendUvarint(b, uint64(len(m.Segments)))
	for _, s := range m.Segments {
		b = binary.AppendUvarint(b, s.ID)
		b = binary.AppendUvarint(b, uint64(s.NumDocs))
		b = binary.AppendUvarint(b, s.BlobLen)
		b = binary.AppendUvarint(b, s.IDsLen)
		b = binary.AppendUvarint(b, s.FieldsLen)
		b = binary.AppendUvarint(b, uint64(s.Deleted))
		b = binary.LittleEndian.AppendUint32(b, s.TombCRC)
		b = binary.AppendUvarint(b, s.WordsLen)
	}
	return withCRC(appendStrMap(b, m.Meta))
}

func decodeManifest(data []byte) (*manifest, error) {
	body, err := checkCRC(data, "manifest")
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(body, []byte(manifestMagic)) || len(body) < len(manifestMagic)+1 {
		return nil, errors.New("manifest: bad magic")
	}
	v := body[len(manifestMagic)]
	if v != manifestVersion && v != manifestV2 && v != manifestV1 {
		return nil, fmt.Errorf("manifest: unknown version %d", v)
	}
	r := &reader{b: body[len(manifestMagic)+1:]}
	m := &manifest{Generation: r.uvarint(), NextSegID: r.uvarint(), legacy: v == manifestV1}
	n := r.length(5)
	seen := map[uint64]bool{}
	for i := 0; i < n && r.err == nil; i++ {
		s := segInfo{ID: r.uvarint()}
		nd := r.uvarint()
		s.BlobLen, s.IDsLen, s.FieldsLen = r.uvarint(), r.uvarint(), r.uvarint()
		var del uint64
		if !m.legacy {
			del = r.uvarint()
			if crc := r.bytes(4); crc != nil {
				s.TombCRC = binary.LittleEndian.Uint32(crc)
			}
		}
		if v >= manifestVersion {
			s.WordsLen = r.uvarint()
		}
		if r.err != nil {
			break
		}
		switch {
		case nd > math.MaxUint32:
			r.err = fmt.Errorf("segment %d: %d docs", s.ID, nd)
		case del > nd:
			r.err = fmt.Errorf("segment %d: %d of %d docs deleted", s.ID, del, nd)
		case s.ID >= m.NextSegID:
			r.err = fmt.Errorf("segment id %d not below next id %d", s.ID, m.NextSegID)
		case seen[s.ID]:
			r.err = fmt.Errorf("segment %d listed twice", s.ID)
		}
		seen[s.ID] = true
		s.NumDocs, s.Deleted = uint32(nd), uint32(del)
		m.Segments = append(m.Segments, s)
	}
	if !m.legacy && r.err == nil {
		nm := r.length(2)
		for i := 0; i < nm && r.err == nil; i++ {
			if m.Meta == nil {
				m.Meta = make(map[string]string, nm)
			}
			k, v := r.str(), r.str()
			if r.err == nil && (k == "" || m.Meta[k] != "" || v == "") {
				r.err = fmt.Errorf("meta key %q empty, repeated or without value", k)
			}
			m.Meta[k] = v
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("manifest: %w", r.err)
	}
	return m, nil
}

// unmarshalBitmap parses roaring's portable format holding docs below n,
// turning any panic of the library on hostile input into an error. The
// library accepts bytes that it panics on later (a run container with no
// runs: Maximum panics), so every value is then read once, in order
// (checkBitmap); the library's own Validate is quadratic in a container's
// runs, which hostile bytes choose.
func unmarshalBitmap(data []byte, n uint64) (bm *roaring.Bitmap, err error) {
	defer func() {
		if r := recover(); r != nil {
			bm, err = nil, fmt.Errorf("corrupt bitmap: %v", r)
		}
	}()
	bm = roaring.New()
	if err := bm.UnmarshalBinary(data); err != nil {
		return nil, err
	}
	if err := checkBitmap(bm, n); err != nil {
		return nil, err
	}
	return bm, nil
}

// checkBitmap checks that bm's docs are below n, strictly ascending, as
// many as its cardinality says, and that none of its containers is empty:
// linear in the docs, which are at most n.
func checkBitmap(bm *roaring.Bitmap, n uint64) error {
	card := bm.GetCardinality()
	if card > n {
		return fmt.Errorf("corrupt bitmap: %d docs, more than %d", card, n)
	}
	var (
		buf        [256]uint32
		seen, keys uint64
		next       uint64 // the least doc allowed next
		key        = int64(-1)
	)
	for it := bm.ManyIterator(); ; {
		m := it.NextMany(buf[:])
		if m == 0 {
			break
		}
		if seen += uint64(m); seen > card {
			return fmt.Errorf("corrupt bitmap: more docs than its %d", card)
		}
		for _, v := range buf[:m] {
			switch d := uint64(v); {
			case d < next:
				return fmt.Errorf("corrupt bitmap: doc %d after %d", d, next-1)
			case d >= n:
				return fmt.Errorf("doc %d beyond %d", d, n)
			default:
				next = d + 1
			}
			if k := int64(v >> 16); k != key {
				key = k
				keys++
			}
		}
	}
	if seen != card {
		return fmt.Errorf("corrupt bitmap: %d docs of its %d", seen, card)
	}
	if c := bm.Stats().Containers; c != keys {
		return fmt.Errorf("corrupt bitmap: %d empty containers", c-keys)
	}
	return nil
}

func marshalBitmap(bm *roaring.Bitmap) []byte {
	bm.RunOptimize()
	b, err := bm.ToBytes()
	if err != nil { // only fails on writer errors; a bytes.Buffer has none
		panic(err)
	}
	return b
}

// encodeTombstones stores the deleted local docs of one segment.
func encodeTombstones(bm *roaring.Bitmap) []byte { return withCRC(marshalBitmap(bm)) }

// trailerCRC is the CRC-32C trailer of a record made by withCRC.
func trailerCRC(rec []byte) uint32 {
	if len(rec) < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(rec[len(rec)-4:])
}

// decodeTombstones parses a tombstone set of a segment with numDocs docs.
func decodeTombstones(data []byte, numDocs uint32) (*roaring.Bitmap, error) {
	body, err := checkCRC(data, "tombstones")
	if err != nil {
		return nil, err
	}
	bm, err := unmarshalBitmap(body, uint64(numDocs))
	if err != nil {
		return nil, fmt.Errorf("tombstones (segment of %d docs): %w", numDocs, err)
	}
	return bm, nil
}

// idList holds a segment's external ids: ids[i] is local doc i; sorted is
// the permutation of local docs in id order (for binary search); recs[i] is
// the key of local doc i's document record (see recKey). bare lists the
// local docs whose record has neither a title nor fields, so that a hit on
// one needs no record read (nil: not known, for a list written before
// it existed).
type idList struct {
	data   string   // all ids concatenated
	offs   []uint32 // len n+1
	sorted []uint32
	recs   []uint64
	bare   *roaring.Bitmap
}

// idListBare marks the optional bare-docs section after the record keys.
const idListBare = 'B'

// isBare reports whether local doc has neither a title nor fields (false
// when not known).
func (l *idList) isBare(doc uint32) bool { return l.bare != nil && l.bare.Contains(doc) }

func (l *idList) len() int { return len(l.offs) - 1 }

func (l *idList) id(doc uint32) string { return l.data[l.offs[doc]:l.offs[doc+1]] }

// find returns the local doc with this id.
func (l *idList) find(id string) (uint32, bool) {
	i := sort.Search(len(l.sorted), func(i int) bool { return l.id(l.sorted[i]) >= id })
	if i < len(l.sorted) && l.id(l.sorted[i]) == id {
		return l.sorted[i], true
	}
	return 0, false
}

func newIDList(ids []string, recs []uint64) *idList {
	var sb strings.Builder
	l := &idList{offs: make([]uint32, 1, len(ids)+1), sorted: make([]uint32, len(ids)), recs: recs}
	for i, id := range ids {
		sb.WriteString(id)
		l.offs = append(l.offs, uint32(sb.Len()))
		l.sorted[i] = uint32(i)
	}
	l.data = sb.String()
	slices.SortFunc(l.sorted, func(a, b uint32) int { return strings.Compare(l.id(a), l.id(b)) })
	return l
}

func encodeIDList(l *idList) []byte {
	n := l.len()
	b := make([]byte, 0, len(l.data)+6*n+16)
	b = binary.AppendUvarint(b, uint64(n))
	for i := 0; i < n; i++ {
		b = appendStr(b, l.id(uint32(i)))
	}
	for _, p := range l.sorted {
		b = binary.LittleEndian.AppendUint32(b, p)
	}
	prev := int64(0)
	for _, r := range l.recs { // mostly consecutive: zig-zag deltas are ~1 byte
		b = binary.AppendVarint(b, int64(r)-prev)
		prev = int64(r)
	}
	if l.bare != nil {
		bm := marshalBitmap(l.bare)
		b = append(b, idListBare)
		b = binary.AppendUvarint(b, uint64(len(bm)))
		b = append(b, bm...)
	}
	return withCRC(b)
}

// decodeBare parses an id list's bare-docs set of a segment of n docs.
func decodeBare(data []byte, n int) (*roaring.Bitmap, error) {
	if data == nil {
		return nil, errShort
	}
	bm, err := unmarshalBitmap(data, uint64(max(n, 0)))
	if err != nil {
		return nil, fmt.Errorf("bare docs (%d ids): %w", n, err)
	}
	return bm, nil
}

// decodeIDList parses and validates an id list: ids valid and unique, the
// permutation complete and in id order.
func decodeIDList(data []byte) (*idList, error) {
	body, err := checkCRC(data, "id list")
	if err != nil {
		return nil, err
	}
	r := &reader{b: body}
	n := r.length(5)
	if r.err != nil {
		return nil, fmt.Errorf("id list: %w", r.err)
	}
	var sb strings.Builder
	l := &idList{offs: make([]uint32, 1, n+1), sorted: make([]uint32, n)}
	for i := 0; i < n && r.err == nil; i++ {
		id := r.bytes(r.length(1))
		if r.err == nil && (len(id) == 0 || !utf8.Valid(id)) {
			r.err = fmt.Errorf("id %d is empty or not UTF-8", i)
		}
		sb.Write(id)
		if sb.Len() > maxSegIDBytes {
			r.err = errors.New("ids too long in total")
		}
		l.offs = append(l.offs, uint32(sb.Len()))
	}
	perm := r.bytes(4 * n)
	if r.err == nil {
		l.recs = make([]uint64, n)
		prev := int64(0)
		for i := range l.recs {
			d, k := binary.Varint(r.b)
			if k <= 0 {
				r.err = errShort
				break
			}
			r.b = r.b[k:]
			prev += d
			l.recs[i] = uint64(prev)
		}
	}
	if r.err == nil && len(r.b) > 0 && r.b[0] == idListBare {
		r.b = r.b[1:]
		l.bare, r.err = decodeBare(r.bytes(r.length(1)), n)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("id list: %w", r.err)
	}
	l.data = sb.String()
	seen := make([]bool, n)
	for i := range l.sorted {
		p := binary.LittleEndian.Uint32(perm[4*i:])
		if p >= uint32(n) || seen[p] {
			return nil, fmt.Errorf("id list: bad permutation entry %d", p)
		}
		seen[p] = true
		l.sorted[i] = p
		if i > 0 && l.id(l.sorted[i-1]) >= l.id(p) {
			return nil, fmt.Errorf("id list: ids not unique and sorted at %q", l.id(p))
		}
	}
	return l, nil
}

// encodeRecList stores record keys (sorted) dropped by a compaction.
func encodeRecList(recs []uint64) []byte {
	slices.Sort(recs)
	b := binary.AppendUvarint(nil, uint64(len(recs)))
	prev := uint64(0)
	for _, r := range recs {
		b = binary.AppendUvarint(b, r-prev)
		prev = r
	}
	return withCRC(b)
}

func decodeRecList(data []byte) ([]uint64, error) {
	body, err := checkCRC(data, "record list")
	if err != nil {
		return nil, err
	}
	r := &reader{b: body}
	n := r.length(1)
	recs := make([]uint64, 0, n)
	prev := uint64(0)
	for i := 0; i < n && r.err == nil; i++ {
		d := r.uvarint()
		if (i > 0 && d == 0) || prev+d < prev {
			r.err = fmt.Errorf("keys not ascending at %d", i)
		}
		prev += d
		recs = append(recs, prev)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("record list: %w", r.err)
	}
	return recs, nil
}

// fieldIndex maps "name\x00value" to the local docs having that field value.
type fieldIndex map[string]*roaring.Bitmap

func fieldKey(name, value string) string { return name + "\x00" + value }

func encodeFieldIndex(fi fieldIndex) []byte {
	keys := make([]string, 0, len(fi))
	for k := range fi {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := binary.AppendUvarint(nil, uint64(len(keys)))
	for _, k := range keys {
		b = appendStr(b, k)
		bm := marshalBitmap(fi[k])
		b = binary.AppendUvarint(b, uint64(len(bm)))
		b = append(b, bm...)
	}
	return withCRC(b)
}

func decodeFieldIndex(data []byte, numDocs uint32) (fieldIndex, error) {
	body, err := checkCRC(data, "field index")
	if err != nil {
		return nil, err
	}
	r := &reader{b: body}
	n := r.length(2)
	fi := make(fieldIndex, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		raw := r.bytes(r.length(1))
		if r.err != nil {
			break
		}
		bm, err := unmarshalBitmap(raw, uint64(numDocs))
		switch {
		case err != nil:
			r.err = fmt.Errorf("key %q (segment of %d docs): %w", k, numDocs, err)
		case fi[k] != nil:
			r.err = fmt.Errorf("key %q twice", k)
		}
		fi[k] = bm
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("field index: %w", r.err)
	}
	return fi, nil
}
