package index

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/sparrow-search/sparrow/sparse"
)

func TestCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	d := randDoc(r, "doc-1", 50)
	d.Fields["x"] = "ü"
	got, err := decodeDoc(encodeDoc(nil, &d))
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("doc round trip: %v\n got %+v\nwant %+v", err, got, d)
	}
	m := &manifest{Generation: 7, NextSegID: 10, Segments: []segInfo{{ID: 3, NumDocs: 5, BlobLen: 1 << 33, IDsLen: 9, FieldsLen: 4, Deleted: 2, TombCRC: 0xdeadbeef}, {ID: 9}},
		Meta: map[string]string{"a": "1", "b": "x"}}
	if gm, err := decodeManifest(encodeManifest(m)); err != nil || !reflect.DeepEqual(gm, m) {
		t.Fatalf("manifest round trip: %v %+v", err, gm)
	}
	tb := roaring.BitmapOf(0, 5, 99)
	if gt, err := decodeTombstones(encodeTombstones(tb), 100); err != nil || !gt.Equals(tb) {
		t.Fatalf("tombstones round trip: %v", err)
	}
	if _, err := decodeTombstones(encodeTombstones(tb), 99); err == nil {
		t.Fatal("tombstone beyond segment accepted")
	}
	l := newIDList([]string{"b", "a", "c", "aa"}, []uint64{recKey(5, 0), recKey(5, 1), recKey(2, 7), recKey(9, 0)})
	gl, err := decodeIDList(encodeIDList(l))
	if err != nil || !reflect.DeepEqual(gl, l) {
		t.Fatalf("id list round trip: %v", err)
	}
	for i, id := range []string{"b", "a", "c", "aa"} {
		if doc, ok := gl.find(id); !ok || doc != uint32(i) {
			t.Fatalf("find(%q) = %d %v", id, doc, ok)
		}
	}
	if _, ok := gl.find("ab"); ok {
		t.Fatal("find(ab) succeeded")
	}
	l.bare = roaring.BitmapOf(1, 3)
	if gl, err = decodeIDList(encodeIDList(l)); err != nil || !reflect.DeepEqual(gl, l) || !gl.isBare(3) || gl.isBare(0) {
		t.Fatalf("id list with bare docs round trip: %v", err)
	}
	l.bare = roaring.BitmapOf(4) // beyond the 4 ids
	if _, err := decodeIDList(encodeIDList(l)); err == nil {
		t.Fatal("bare doc beyond the id list accepted")
	}
	if _, err := decodeIDList(encodeIDList(newIDList([]string{"a", "a"}, []uint64{1, 2}))); err == nil {
		t.Fatal("duplicate ids accepted")
	}
	recs := []uint64{recKey(3, 1), recKey(1, 9), recKey(3, 0)}
	if got, err := decodeRecList(encodeRecList(recs)); err != nil || !reflect.DeepEqual(got, []uint64{recKey(1, 9), recKey(3, 0), recKey(3, 1)}) {
		t.Fatalf("record list round trip: %v %v", got, err)
	}
	fi := fieldIndex{fieldKey("lang", "en"): roaring.BitmapOf(1, 2), fieldKey("lang", "de"): roaring.BitmapOf(0)}
	gf, err := decodeFieldIndex(encodeFieldIndex(fi), 3)
	if err != nil || len(gf) != 2 || !gf[fieldKey("lang", "en")].Equals(fi[fieldKey("lang", "en")]) {
		t.Fatalf("field index round trip: %v", err)
	}
	// Every decoder rejects a flipped byte (checksums) or truncation.
	for name, enc := range map[string][]byte{
		"manifest": encodeManifest(m), "tombstones": encodeTombstones(tb),
		"ids": encodeIDList(l), "fields": encodeFieldIndex(fi), "recs": encodeRecList(recs),
	} {
		for i := range enc {
			bad := append([]byte(nil), enc...)
			bad[i] ^= 0x40
			if decodeAny(name, bad) == nil {
				t.Fatalf("%s: flipped byte %d accepted", name, i)
			}
			if decodeAny(name, enc[:i]) == nil {
				t.Fatalf("%s: truncation to %d bytes accepted", name, i)
			}
		}
	}
	rec := encodeDoc(nil, &d)
	for i := range rec {
		if _, err := decodeDoc(rec[:i]); err == nil {
			t.Fatalf("doc record truncated to %d bytes accepted", i)
		}
		bad := append([]byte(nil), rec...)
		bad[i] ^= 0x01
		if _, err := decodeDoc(bad); err == nil {
			t.Fatalf("doc record with byte %d flipped accepted", i)
		}
	}
	// Formats 1 (no checksum) and 2 (no words, no length) are still read:
	// d has neither, which format 3 writes as two zero bytes.
	if len(d.Words) != 0 || d.Length != 0 || !bytes.HasSuffix(rec[:len(rec)-4], []byte{0, 0}) {
		t.Fatal("the legacy cases need a document without words and length")
	}
	body := rec[1 : len(rec)-4-2]
	v1 := append([]byte{docRecordV1}, body...)
	if got, err := decodeDoc(v1); err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("format-1 record: %v", err)
	}
	if got, err := decodeDoc(withCRC(append([]byte{docRecordV2}, body...))); err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("format-2 record: %v", err)
	}
	dw := d
	dw.Words = []sparse.Term{{Text: "flow", Weight: 1.5}, {Text: "flow rate", Weight: 0.25}}
	dw.Length = 42
	if got, err := decodeDoc(encodeDoc(nil, &dw)); err != nil || !reflect.DeepEqual(got, dw) {
		t.Fatalf("record with words: %+v, %v", got, err)
	}
	// A format-1 manifest (no digests, no meta) is read as legacy.
	old := []byte(manifestMagic + "\x01")
	for _, v := range []uint64{4, 6, 1, 5, 2, 0, 0, 0} { // gen, next, 1 segment {5, 2 docs, 0, 0, 0}
		old = binary.AppendUvarint(old, v)
	}
	if gm, err := decodeManifest(withCRC(old)); err != nil || !gm.legacy || gm.Generation != 4 || len(gm.Segments) != 1 || gm.Segments[0].NumDocs != 2 {
		t.Fatalf("format-1 manifest: %v %+v", err, gm)
	}
}

func decodeAny(name string, b []byte) error {
	var err error
	switch name {
	case "manifest":
		_, err = decodeManifest(b)
	case "tombstones":
		_, err = decodeTombstones(b, 1000)
	case "ids":
		_, err = decodeIDList(b)
	case "fields":
		_, err = decodeFieldIndex(b, 1000)
	case "recs":
		_, err = decodeRecList(b)
	}
	return err
}

func FuzzDecodeDoc(f *testing.F) {
	r := rand.New(rand.NewPCG(43, 44))
	for i := range 4 {
		d := randDoc(r, "seed", i*7)
		f.Add(encodeDoc(nil, &d))
	}
	f.Add(encodeDoc(nil, &Document{ID: "x", Vector: sparse.Vector{IDs: []int32{0}, Weights: []float32{0}}}))
	f.Add([]byte{docRecordVersion, 1, 'a', 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Also with a valid checksum, so the parser behind it is explored.
		for _, in := range [][]byte{b, withCRC(b)} {
			d, err := decodeDoc(in)
			if err != nil {
				continue
			}
			// What decodes is valid and re-encodes to something equivalent.
			if err := validateDoc(&d); err != nil {
				t.Fatalf("decoded invalid doc: %v", err)
			}
			d2, err := decodeDoc(encodeDoc(nil, &d))
			if err != nil || !reflect.DeepEqual(d, d2) {
				t.Fatalf("re-encode: %v", err)
			}
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add(encodeManifest(&manifest{NextSegID: 1}))
	f.Add(encodeManifest(&manifest{Generation: 3, NextSegID: 5, Segments: []segInfo{{ID: 1, NumDocs: 10, BlobLen: 100, IDsLen: 20, FieldsLen: 8}, {ID: 4, NumDocs: 1}}}))
	f.Add([]byte("SPMF\x01"))
	f.Add(encodeManifest(&manifest{NextSegID: 3, Segments: []segInfo{{ID: 2, NumDocs: 4, Deleted: 1, TombCRC: 7}}, Meta: map[string]string{"k": "v"}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Also with a valid checksum, so the parser behind it is explored.
		for _, in := range [][]byte{b, withCRC(b)} {
			m, err := decodeManifest(in)
			if err != nil {
				continue
			}
			m2, err := decodeManifest(encodeManifest(m))
			m.legacy = false // re-encoded in the current format
			if err != nil || !reflect.DeepEqual(m, m2) {
				t.Fatalf("re-encode: %v", err)
			}
		}
	})
}

func FuzzDecodeTombstones(f *testing.F) {
	f.Add(encodeTombstones(roaring.BitmapOf(1, 2, 3)), uint32(10))
	f.Add(encodeTombstones(roaring.New()), uint32(0))
	big := roaring.New()
	big.AddRange(0, 70000)
	f.Add(encodeTombstones(big), uint32(70000))
	f.Add(withCRC([]byte{0x3b, 0x30, 0, 0, 1, 0, 0, 0}), uint32(5))
	f.Fuzz(func(t *testing.T, b []byte, n uint32) {
		for _, in := range [][]byte{b, withCRC(b)} {
			bm, err := decodeTombstones(in, n)
			if err != nil {
				continue
			}
			useBitmap(t, bm, n)
		}
	})
}

func FuzzDecodeIDList(f *testing.F) {
	f.Add(encodeIDList(newIDList([]string{"b", "a", "c"}, []uint64{recKey(1, 0), recKey(1, 1), recKey(0, 3)})))
	f.Add(encodeIDList(newIDList(nil, nil)))
	bare := newIDList([]string{"x", "y"}, []uint64{recKey(2, 0), recKey(2, 1)})
	bare.bare = roaring.BitmapOf(1)
	f.Add(encodeIDList(bare))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, withCRC(b)} {
			l, err := decodeIDList(in)
			if err != nil {
				continue
			}
			if len(l.recs) != l.len() {
				t.Fatalf("%d record keys for %d ids", len(l.recs), l.len())
			}
			for i := 0; i < l.len(); i++ {
				if doc, ok := l.find(l.id(uint32(i))); !ok || doc != uint32(i) {
					t.Fatalf("find(id %d) = %d, %v", i, doc, ok)
				}
			}
		}
	})
}

func FuzzDecodeFieldIndex(f *testing.F) {
	f.Add(encodeFieldIndex(fieldIndex{fieldKey("a", "b"): roaring.BitmapOf(1, 7)}), uint32(8))
	f.Add(encodeFieldIndex(fieldIndex{}), uint32(0))
	f.Fuzz(func(t *testing.T, b []byte, n uint32) {
		for _, in := range [][]byte{b, withCRC(b)} {
			fi, err := decodeFieldIndex(in, n)
			if err != nil {
				continue
			}
			for _, bm := range fi {
				useBitmap(t, bm, n)
			}
		}
	})
}

func FuzzDecodeRecList(f *testing.F) {
	f.Add(encodeRecList([]uint64{recKey(1, 2), recKey(1, 3), recKey(4, 0)}))
	f.Add(encodeRecList(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, withCRC(b)} {
			recs, err := decodeRecList(in)
			if err != nil {
				continue
			}
			for i := 1; i < len(recs); i++ {
				if recs[i] <= recs[i-1] {
					t.Fatalf("not ascending: %v", recs)
				}
			}
		}
	})
}

// useBitmap runs what the index does with a decoded bitmap (and a little
// more): an accepted bitmap must hold docs below n and never panic.
func useBitmap(t *testing.T, bm *roaring.Bitmap, n uint32) {
	t.Helper()
	docs := bm.ToArray()
	if uint64(len(docs)) != bm.GetCardinality() {
		t.Fatalf("%d docs listed, cardinality %d", len(docs), bm.GetCardinality())
	}
	for i, d := range docs {
		if d >= n || (i > 0 && d <= docs[i-1]) || !bm.Contains(d) {
			t.Fatalf("doc %d (of %d) accepted at %d: %v", d, n, i, docs)
		}
	}
	if len(docs) > 0 && (bm.Minimum() != docs[0] || bm.Maximum() != docs[len(docs)-1]) {
		t.Fatalf("min/max %d/%d, docs %v", bm.Minimum(), bm.Maximum(), docs)
	}
	other := roaring.BitmapOf(0, n/2, n-1)
	_ = roaring.AndNot(bm, other).GetCardinality() + roaring.Or(bm, other).GetCardinality() + roaring.And(bm, other).GetCardinality()
	c := bm.Clone()
	c.RunOptimize()
	if !c.Equals(roaring.BitmapOf(docs...)) {
		t.Fatal("clone differs")
	}
}

// A run container with no runs parses in roaring, whose Maximum then
// panics: the decoders refuse it (found by FuzzDecodeTombstones).
func TestDecodeBitmapEmptyRunContainer(t *testing.T) {
	// cookie 12347 (runs) with 1 container, its run flag set, key 0,
	// cardinality-1 0, then 0 runs.
	raw := []byte{0x3b, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}
	if _, err := decodeTombstones(withCRC(raw), 10); err == nil || !strings.Contains(err.Error(), "corrupt bitmap") {
		t.Fatalf("empty run container: %v", err)
	}
	if _, err := decodeTombstones(encodeTombstones(roaring.BitmapOf(1, 9)), 10); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeTombstones(encodeTombstones(roaring.BitmapOf(1, 10)), 10); err == nil || !strings.Contains(err.Error(), "doc 10 beyond 10") {
		t.Fatalf("doc beyond the segment: %v", err)
	}
}
