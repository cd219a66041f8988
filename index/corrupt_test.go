package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// diskOptions is an on-disk configuration for corruption tests.
func diskOptions() Options {
	o := DefaultOptions()
	o.Segment.Scale = testScale
	o.DisableAutoCompaction = true
	o.Logger = nopLogger{}
	o.MemTableSize = 1 << 20
	o.MinFreeBytes = -1
	return o
}

// bigDoc has a text long enough for Badger's value log and a unique marker.
func bigDoc(r *rand.Rand, id string) Document {
	d := randDoc(r, id, 40)
	d.Text = fmt.Sprintf("<<%s>> %s", id, strings.Repeat("lorem ipsum ", 200))
	return d
}

func buildDisk(t *testing.T, dir string, batches ...[]Document) map[string]Document {
	t.Helper()
	ix, err := Open(dir, diskOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Document{}
	for _, b := range batches {
		apply(t, ix, b)
		for _, d := range b {
			want[d.ID] = d
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

// flipIn flips one byte at offset delta from the first occurrence of marker
// in the store's files; it reports the file.
func flipIn(t *testing.T, dir string, marker []byte, delta int) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if i := bytes.Index(b, marker); i >= 0 {
			b[i+delta] ^= 0x01
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Base(f)
		}
	}
	t.Fatalf("marker %q not found in %s", marker, dir)
	return ""
}

// TestCorruptRecordIsAnError: a flipped byte in a stored document (its
// text, or one of its weights) is an error matching ErrCorrupt on every
// read, never a panic and never altered data (issue 13 items 4-5).
func TestCorruptRecordIsAnError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delta int // from the document's text marker
	}{
		{"text", 5},
		{"weight", len("<<d7>> ") + 200*len("lorem ipsum ") + 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := rand.New(rand.NewPCG(1, 2))
			var docs []Document
			for i := range 2000 { // a blob segment: not rebuilt from records on open
				docs = append(docs, bigDoc(r, fmt.Sprintf("d%d", i)))
			}
			want := buildDisk(t, dir, docs)
			file := flipIn(t, dir, []byte("<<d7>>"), tc.delta)
			ix, err := Open(dir, diskOptions())
			if err != nil {
				t.Fatalf("open after a flip in %s: %v", file, err)
			}
			defer ix.Close()
			for range 3 {
				_, _, err := ix.Get("d7")
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `"d7"`) {
					t.Fatalf("Get of the damaged record: %v, want ErrCorrupt naming d7", err)
				}
			}
			if got, ok, err := ix.Get("d8"); err != nil || !ok || !reflect.DeepEqual(got, want["d8"]) {
				t.Fatalf("neighbour d8: ok=%v err=%v", ok, err)
			}
		})
	}
}

// TestCorruptRecordOfSmallSegment: small segments are rebuilt from their
// records on open, so a damaged record must fail the open (naming it)
// rather than change scores.
func TestCorruptRecordOfSmallSegment(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	buildDisk(t, dir, []Document{bigDoc(r, "a1"), bigDoc(r, "a2")})
	flipIn(t, dir, []byte("<<a2>>"), len("<<a2>> ")+200*len("lorem ipsum ")+40)
	_, err := Open(dir, diskOptions())
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `"a2"`) {
		t.Fatalf("open: %v, want ErrCorrupt naming a2", err)
	}
	rep, err := Verify(dir, diskOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].String(), `"a2"`) {
		t.Fatalf("Verify problems: %v, want one naming a2", rep.Problems)
	}
}

// rawUpdate changes the store's keys behind the index's back.
func rawUpdate(t *testing.T, dir string, fn func(txn *badger.Txn) error) {
	t.Helper()
	db, err := badger.Open(diskOptions().badger(dir, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func rawGet(t *testing.T, dir string, key []byte) []byte {
	t.Helper()
	db, err := badger.Open(diskOptions().badger(dir, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	if err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestStaleTombstonesDetected: an older version of a tombstone key (as a
// damaged log or table can bring back) would resurrect deleted documents;
// the manifest's digest makes it an error.
func TestStaleTombstonesDetected(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	ix, err := Open(dir, diskOptions())
	if err != nil {
		t.Fatal(err)
	}
	apply(t, ix, []Document{randDoc(r, "a", 3), randDoc(r, "b", 3), randDoc(r, "c", 3)})
	apply(t, ix, nil, "a")
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	old := rawGet(t, dir, tombKey(1))
	ix, err = Open(dir, diskOptions())
	if err != nil {
		t.Fatal(err)
	}
	apply(t, ix, nil, "b")
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	rawUpdate(t, dir, func(txn *badger.Txn) error { return txn.Set(tombKey(1), old) })
	if _, err := Open(dir, diskOptions()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "tombstones") {
		t.Fatalf("open with stale tombstones: %v, want ErrCorrupt about tombstones", err)
	}
}

// TestLostCommitsDetected: a store that comes back at an older commit than
// one acknowledged (Badger dropped the tail of its log) fails to open.
func TestLostCommitsDetected(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 8))
	buildDisk(t, dir, []Document{randDoc(r, "a", 3)}, []Document{randDoc(r, "b", 3)})
	gen, ok, err := readCommitMark(dir)
	if err != nil || !ok || gen != 2 {
		t.Fatalf("commit mark: %d %v %v, want 2", gen, ok, err)
	}
	if err := os.WriteFile(filepath.Join(dir, commitMarkFile), encodeCommitMark(gen+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, diskOptions()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "commit 3 was acknowledged") {
		t.Fatalf("open: %v, want ErrCorrupt about lost commits", err)
	}
}

// TestVerify: a clean store verifies clean; damage of every structure is
// listed, all of it, not just the first.
func TestVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(9, 10))
	var big []Document
	for i := range 1200 {
		big = append(big, randDoc(r, fmt.Sprintf("b%d", i), 8))
	}
	ix, err := Open(dir, diskOptions())
	if err != nil {
		t.Fatal(err)
	}
	apply(t, ix, big)
	apply(t, ix, []Document{randDoc(r, "s1", 3), randDoc(r, "s2", 3)}, "b3")
	if err := ix.SetMeta("k", "v"); err != nil {
		t.Fatal(err)
	}
	rep, err := ix.Verify()
	if err != nil || !rep.OK() || rep.Docs != 1201 || rep.Records != 1202 || rep.Segments != 2 {
		t.Fatalf("Verify of the open index: %v %+v", err, rep)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err = Verify(dir, diskOptions())
	if err != nil || !rep.OK() || rep.Docs != 1201 {
		t.Fatalf("Verify of a clean store: %v %+v", err, rep)
	}
	// Damage a record (re-encoded without fixing its checksum), the blob
	// of segment 1, the field index of segment 2 and add a stray key.
	rec := rawGet(t, dir, docKey(recKey(2, 1)))
	rec[len(rec)-5] ^= 1
	chunk := rawGet(t, dir, segKey(1, kindBlob, 0))
	chunk[100] ^= 1
	fields := rawGet(t, dir, segKey(2, kindFields, 0))
	rawUpdate(t, dir, func(txn *badger.Txn) error {
		for _, e := range []kv{
			{docKey(recKey(2, 1)), rec}, {segKey(1, kindBlob, 0), chunk},
			{segKey(2, kindFields, 0), fields[:len(fields)-1]}, {[]byte("?junk"), []byte("x")},
		} {
			if err := txn.Set(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	})
	rep, err = Verify(dir, diskOptions())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		if !errors.Is(p.Err, ErrCorrupt) {
			t.Errorf("problem %v does not match ErrCorrupt", p)
		}
		got = append(got, p.Where)
	}
	want := []string{"segment 1 blob", "segment 2 field index", `document "s2" (segment 2 doc 1, record 2/1)`, "keys"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	if _, err := Open(dir, diskOptions()); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open of the damaged store: %v, want ErrCorrupt", err)
	}
}

// TestFormat1Store: a store written before checksummed records (format-1
// manifest, meta under its own keys, records without a trailer) opens, and
// its next commit moves the meta keys into the manifest.
func TestFormat1Store(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(11, 12))
	d := randDoc(r, "old", 5)
	buildDisk(t, dir, []Document{d})
	raw := rawGet(t, dir, manifestKey)
	man, err := decodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	v1 := []byte(manifestMagic + "\x01")
	for _, v := range []uint64{man.Generation, man.NextSegID, uint64(len(man.Segments))} {
		v1 = binary.AppendUvarint(v1, v)
	}
	for _, s := range man.Segments {
		for _, v := range []uint64{s.ID, uint64(s.NumDocs), s.BlobLen, s.IDsLen, s.FieldsLen} {
			v1 = binary.AppendUvarint(v1, v)
		}
	}
	rec := encodeDoc(nil, &d)
	// format 1 is format 3 without the words and length (two zero bytes
	// for d, which has neither) and without the checksum
	rec = append([]byte{docRecordV1}, rec[1:len(rec)-4-2]...)
	rawUpdate(t, dir, func(txn *badger.Txn) error {
		for _, e := range []kv{{manifestKey, withCRC(v1)}, {metaKey("source"), []byte("corpus.jsonl")}, {docKey(recKey(1, 0)), rec}} {
			if err := txn.Set(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	})
	os.Remove(filepath.Join(dir, commitMarkFile))
	ix, err := Open(dir, diskOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := ix.Get("old"); err != nil || !ok || !reflect.DeepEqual(got, d) {
		t.Fatalf("format-1 record: ok=%v err=%v", ok, err)
	}
	if v, _ := ix.Meta("source"); v != "corpus.jsonl" {
		t.Fatalf("format-1 meta: %q", v)
	}
	if err := ix.SetMeta("other", "x"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if m, err := decodeManifest(rawGet(t, dir, manifestKey)); err != nil || m.legacy || m.Meta["source"] != "corpus.jsonl" || m.Meta["other"] != "x" {
		t.Fatalf("manifest after the first commit: %v %+v", err, m)
	}
	db, err := badger.Open(diskOptions().badger(dir, true))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(txn *badger.Txn) error { _, err := txn.Get(metaKey("source")); return err }); !errors.Is(err, badger.ErrKeyNotFound) {
		t.Fatalf("format-1 meta key after migration: %v", err)
	}
	db.Close()
	rep, err := Verify(dir, diskOptions())
	if err != nil || !rep.OK() || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "format 1") {
		t.Fatalf("Verify: %v %+v", err, rep)
	}
}
