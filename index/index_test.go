package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

func TestApplyGetSearch(t *testing.T) {
	ix := openMem(t)
	r := rand.New(rand.NewPCG(1, 2))
	var docs []Document
	for i := range 200 {
		docs = append(docs, randDoc(r, fmt.Sprintf("d%03d", i), 30))
	}
	apply(t, ix, docs[:100])
	apply(t, ix, docs[100:])
	for _, d := range docs {
		got, ok, err := ix.Get(d.ID)
		if err != nil || !ok {
			t.Fatalf("Get(%q) = %v, %v", d.ID, ok, err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Fatalf("Get(%q) = %+v, want %+v", d.ID, got, d)
		}
	}
	if _, ok, err := ix.Get("nope"); ok || err != nil {
		t.Fatalf("Get(nope) = %v, %v", ok, err)
	}
	s := ix.Snapshot()
	if got := visible(t, s); len(got) != 200 || s.NumDocs() != 200 {
		t.Fatalf("visible %d docs, NumDocs %d, want 200", len(got), s.NumDocs())
	}
	// A document's own vector ranks it first.
	for _, d := range docs[:20] {
		res, err := searchSnap(s, d.Vector, scoring.Options{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 0 || res[0].ID != d.ID {
			t.Fatalf("search by %q's vector: %+v", d.ID, res)
		}
		if doc, err := s.Document(res[0].View, res[0].Doc); err != nil || doc.ID != d.ID {
			t.Fatalf("Document(hit) = %q, %v", doc.ID, err)
		}
	}
	st := ix.Stats()
	if st.Docs != 200 || st.Segments != 2 || st.Deleted != 0 || st.Generation != 2 || st.Postings != 200*31 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUpsertDelete(t *testing.T) {
	ix := openMem(t)
	r := rand.New(rand.NewPCG(3, 4))
	a1, b1, c1 := randDoc(r, "a", 10), randDoc(r, "b", 10), randDoc(r, "c", 10)
	apply(t, ix, []Document{a1, b1, c1})
	a2 := randDoc(r, "a", 12)
	a2.Title = "second a"
	apply(t, ix, []Document{a2}, "b", "missing")
	if got, _, _ := ix.Get("a"); got.Title != "second a" || !vecEqual(got.Vector, a2.Vector) {
		t.Fatalf("a not replaced: %+v", got)
	}
	if _, ok, _ := ix.Get("b"); ok {
		t.Fatal("b still present after delete")
	}
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("visible %v, want [a c]", got)
	}
	// Last operation on an id within a batch wins.
	var b Batch
	b.Upsert(randDoc(r, "x", 5))
	b.Delete("x")
	b.Delete("y")
	b.Upsert(randDoc(r, "y", 5))
	b.Upsert(randDoc(r, "c", 5))
	b.Delete("c")
	if err := ix.Apply(&b); err != nil {
		t.Fatal(err)
	}
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, []string{"a", "y"}) {
		t.Fatalf("visible %v, want [a y]", got)
	}
	st := ix.Stats()
	if st.Docs != 2 || st.Deleted != 3 {
		t.Fatalf("stats %+v, want 2 live and 3 deleted (a1, b1, c1)", st)
	}
	// Old snapshots are unaffected by later commits.
	old := ix.Snapshot()
	apply(t, ix, nil, "a", "y")
	if got := visible(t, old); !slices.Equal(got, []string{"a", "y"}) {
		t.Fatalf("old snapshot changed: %v", got)
	}
	if got := visible(t, ix.Snapshot()); len(got) != 0 {
		t.Fatalf("visible %v after deleting all", got)
	}
}

func TestBadInput(t *testing.T) {
	good := Document{ID: "ok", Vector: sparse.Vector{IDs: []int32{1, 5}, Weights: []float32{1, 2}}}
	vec := func(ids []int32, w []float32) Document {
		return Document{ID: "doc7", Vector: sparse.Vector{IDs: ids, Weights: w}}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name string
		doc  Document
		del  string
		want string
	}{
		{"empty id", Document{}, "", "empty document id"},
		{"bad utf8 id", Document{ID: "a\xffb"}, "", "not valid UTF-8"},
		{"long id", Document{ID: strings.Repeat("x", MaxIDBytes+1)}, "", "longer than"},
		{"bad title", Document{ID: "doc7", Title: "\xc3"}, "", `"doc7": title is not valid UTF-8`},
		{"bad text", Document{ID: "doc7", Text: "\xc3"}, "", `"doc7": text is not valid UTF-8`},
		{"bad field", Document{ID: "doc7", Fields: map[string]string{"k": "\xff"}}, "", `field "k"`},
		{"empty field name", Document{ID: "doc7", Fields: map[string]string{"": "v"}}, "", "empty field name"},
		{"length mismatch", vec([]int32{1, 2}, []float32{1}), "", "2 ids but 1 weights"},
		{"not ascending", vec([]int32{5, 3}, []float32{1, 1}), "", "token id 3 not ascending"},
		{"duplicate", vec([]int32{5, 5}, []float32{1, 1}), "", "not ascending"},
		{"negative id", vec([]int32{-1}, []float32{1}), "", "outside [0, 30522)"},
		{"id too big", vec([]int32{30522}, []float32{1}), "", "outside [0, 30522)"},
		{"negative weight", vec([]int32{3}, []float32{-0.5}), "", "negative weight"},
		{"nan weight", vec([]int32{3}, []float32{nan}), "", "not finite"},
		{"inf weight", vec([]int32{3}, []float32{inf}), "", "not finite"},
		{"empty delete id", Document{}, "\x00del", "empty document id"},
	}
	ix := openMem(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b Batch
			b.Upsert(good)
			if c.del != "" {
				b.Delete("")
			} else {
				b.Upsert(c.doc)
			}
			err := ix.Apply(&b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Apply error %v, want it to mention %q", err, c.want)
			}
			if c.doc.ID == "doc7" && !strings.Contains(err.Error(), "doc7") {
				t.Fatalf("error %v does not name the document", err)
			}
			if _, ok, _ := ix.Get("ok"); ok {
				t.Fatal("rejected batch partly applied")
			}
		})
	}
	if st := ix.Stats(); st.Generation != 0 || st.Docs != 0 {
		t.Fatalf("rejected batches changed the index: %+v", st)
	}
	// Zero weights are allowed (stored, not indexed); an empty vector too.
	apply(t, ix, []Document{vec([]int32{2, 3}, []float32{0, 1}), {ID: "empty"}})
	if got, ok, _ := ix.Get("doc7"); !ok || got.Vector.Weights[0] != 0 {
		t.Fatalf("doc with zero weight: %+v %v", got, ok)
	}
	if _, err := searchSnap(ix.Snapshot(), sparse.Vector{IDs: []int32{40000}, Weights: []float32{1}}, scoring.Options{}); err == nil {
		t.Fatal("query with out-of-range token accepted")
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.InMemory = false
	ix, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	var all []Document
	for b := range 5 {
		var docs []Document
		for i := range 50 {
			docs = append(docs, randDoc(r, fmt.Sprintf("b%d-%d", b, i), 20))
		}
		all = append(all, docs...)
		apply(t, ix, docs, fmt.Sprintf("b%d-%d", b/2, 7))
	}
	if err := ix.SetMeta("model", "bm25-tf"); err != nil {
		t.Fatal(err)
	}
	before := visible(t, ix.Snapshot())
	stBefore := ix.Stats()
	q := all[3].Vector
	resBefore, err := searchSnap(ix.Snapshot(), q, scoring.Options{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, before) {
		t.Fatalf("after reopen %d visible, before %d", len(got), len(before))
	}
	resAfter, err := searchSnap(ix.Snapshot(), q, scoring.Options{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(resAfter, resBefore) {
		t.Fatalf("search after reopen %v, before %v", resAfter, resBefore)
	}
	st := ix.Stats()
	st.DiskBytes, stBefore.DiskBytes = 0, 0
	if st != stBefore {
		t.Fatalf("stats after reopen %+v, before %+v", st, stBefore)
	}
	if v, err := ix.Meta("model"); v != "bm25-tf" || err != nil {
		t.Fatalf("Meta = %q, %v", v, err)
	}
	if v, err := ix.Meta("absent"); v != "" || err != nil {
		t.Fatalf("Meta(absent) = %q, %v", v, err)
	}
	deleted := map[string]bool{"b0-7": true, "b1-7": true, "b2-7": true}
	for _, d := range all {
		got, ok, err := ix.Get(d.ID)
		if deleted[d.ID] {
			if ok || err != nil {
				t.Fatalf("deleted %q: Get = %v, %v", d.ID, ok, err)
			}
			continue
		}
		if err != nil || !ok || !reflect.DeepEqual(got, d) {
			t.Fatalf("Get(%q) after reopen = %+v %v %v", d.ID, got, ok, err)
		}
	}
}

func TestFilters(t *testing.T) {
	ix := openMem(t)
	r := rand.New(rand.NewPCG(7, 8))
	var docs []Document
	for i := range 60 {
		docs = append(docs, randDoc(r, fmt.Sprintf("f%02d", i), 10))
	}
	apply(t, ix, docs[:30])
	apply(t, ix, docs[30:], "f01", "f40")
	s := ix.Snapshot()
	q := sparse.Vector{IDs: []int32{commonTerm}, Weights: []float32{1}}
	res, err := searchSnap(s, q, scoring.Options{K: 100, Filter: s.FilterIDs([]string{"f00", "f01", "f35", "f40", "zz"})})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range res {
		got = append(got, h.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"f00", "f35"}) {
		t.Fatalf("FilterIDs search: %v", got)
	}
	res, err = searchSnap(s, q, scoring.Options{K: 100, Filter: s.FilterField("lang", "de")})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, d := range docs {
		if d.Fields["lang"] == "de" && d.ID != "f01" && d.ID != "f40" {
			want++
		}
	}
	if len(res) != want || want == 0 {
		t.Fatalf("FilterField search: %d hits, want %d", len(res), want)
	}
	for _, h := range res {
		if d, _, _ := ix.Get(h.ID); d.Fields["lang"] != "de" {
			t.Fatalf("hit %s has lang %q", h.ID, d.Fields["lang"])
		}
	}
	if _, err := searchSnap(s, q, scoring.Options{Filter: s.FilterIDs(nil)[:1]}); err == nil {
		t.Fatal("filter of wrong length accepted")
	}
}

// TestLargeBatch forces the staged commit path (a batch larger than one
// Badger transaction) and several segments per batch, then reopens.
func TestLargeBatch(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.InMemory = false
	o.MemTableSize = 1 << 20 // transactions hold ~150 KiB
	o.ValueThreshold = 1 << 16
	o.MaxSegmentDocs = 700
	o.MinBlobDocs = 650 // 700, 700 with blobs; the last 600 rebuilt from records
	ix, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 10))
	var docs []Document
	for i := range 2000 {
		docs = append(docs, randDoc(r, fmt.Sprintf("L%04d", i), 40))
	}
	var b Batch
	for _, d := range docs {
		b.Upsert(d)
	}
	if err := ix.Apply(&b); err != nil {
		t.Fatal(err)
	}
	if ix.stagedCommits.Load() != 1 {
		t.Fatalf("staged commits = %d, want 1 (batch should exceed one transaction)", ix.stagedCommits.Load())
	}
	if st := ix.Stats(); st.Segments != 3 || st.Docs != 2000 {
		t.Fatalf("stats %+v, want 3 segments, 2000 docs", st)
	}
	var blobs []bool
	for _, s := range ix.Snapshot().segs {
		blobs = append(blobs, s.info.BlobLen > 0)
	}
	if !slices.Equal(blobs, []bool{true, true, false}) {
		t.Fatalf("segments with blobs: %v, want [true true false]", blobs)
	}
	before := allResults(t, ix.Snapshot(), docs[5].Vector, "")
	ix.Close()
	if ix, err = Open(dir, o); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := visible(t, ix.Snapshot()); len(got) != 2000 {
		t.Fatalf("%d visible after reopen", len(got))
	}
	if after := allResults(t, ix.Snapshot(), docs[5].Vector, ""); !reflect.DeepEqual(after, before) {
		t.Fatal("results differ after reopen (rebuilt and decoded segments)")
	}
	for _, d := range docs[1990:] {
		if got, ok, err := ix.Get(d.ID); !ok || err != nil || !reflect.DeepEqual(got, d) {
			t.Fatalf("Get(%q) = %v %v", d.ID, ok, err)
		}
	}
}

// TestOrphansRemoved: keys of a segment no manifest names (a crash between
// staging and commit) are deleted by Open.
func TestOrphansRemoved(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.InMemory = false
	ix, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	apply(t, ix, []Document{randDoc(r, "keep", 5)})
	staged := appendChunks(nil, 99, kindBlob, []byte("half-written segment"))
	staged = append(staged, kv{docKey(recKey(99, 0)), []byte("junk")}, kv{tombKey(99), []byte("junk")})
	// A dropped-records list left by a crash after a merge's commit.
	staged = append(staged, kv{docKey(recKey(0, 5)), []byte("dropped")}, kv{dropKey(3), encodeRecList([]uint64{recKey(0, 5)})})
	if err := ix.writeStaged(staged); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if ix, err = Open(dir, o); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n := 0
	if err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			switch k[0] {
			case prefixSeg:
				if binary.BigEndian.Uint64(k[1:9]) == 99 {
					t.Errorf("orphan key %q survived", k)
				}
				n++
			case prefixDoc:
				if rec := binary.BigEndian.Uint64(k[1:]); rec != recKey(1, 0) {
					t.Errorf("orphan record %x survived", rec)
				}
			case prefixDrop:
				t.Errorf("dropped-records list %q survived", k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("live segment keys gone too")
	}
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, []string{"keep"}) {
		t.Fatalf("visible %v", got)
	}
}

func TestClosed(t *testing.T) {
	ix, err := Open("", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Compact(); err != nil { // empty index: nothing to do
		t.Fatal(err)
	}
	if err := ix.Apply(&Batch{}); err != nil { // empty batch: no-op
		t.Fatal(err)
	}
	if g := ix.Stats().Generation; g != 0 {
		t.Fatalf("no-op calls committed: generation %d", g)
	}
	r := rand.New(rand.NewPCG(13, 14))
	apply(t, ix, []Document{randDoc(r, "a", 3)})
	s := ix.Snapshot()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	var b Batch
	b.Upsert(randDoc(r, "b", 3))
	if err := ix.Apply(&b); err != ErrClosed {
		t.Fatalf("Apply after Close: %v, want ErrClosed", err)
	}
	if err := ix.SetMeta("k", "v"); err != ErrClosed {
		t.Fatalf("SetMeta after Close: %v, want ErrClosed", err)
	}
	if err := ix.Compact(); err != ErrClosed {
		t.Fatalf("Compact after Close: %v, want ErrClosed", err)
	}
	// Searching a snapshot's in-memory segments still works; reading
	// documents fails cleanly.
	if got := visible(t, s); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("visible after Close: %v", got)
	}
	if _, err := s.Document(0, 0); err == nil {
		t.Fatal("Document after Close succeeded")
	}
}

func TestBatchMeta(t *testing.T) {
	ix := openMem(t)
	r := rand.New(rand.NewPCG(15, 16))
	var b Batch
	b.Upsert(randDoc(r, "a", 3))
	b.SetMeta("checkpoint", "1")
	b.SetMeta("other", "x")
	if err := ix.Apply(&b); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	b.SetMeta("checkpoint", "2") // meta only
	b.SetMeta("other", "")       // deletes
	if err := ix.Apply(&b); err != nil {
		t.Fatal(err)
	}
	if v, _ := ix.Meta("checkpoint"); v != "2" {
		t.Fatalf("checkpoint = %q, want 2", v)
	}
	if v, _ := ix.Meta("other"); v != "" {
		t.Fatalf("other = %q, want deleted", v)
	}
	// A rejected batch leaves meta alone too.
	b.Reset()
	b.SetMeta("checkpoint", "3")
	b.Upsert(Document{ID: "bad\xff"})
	if err := ix.Apply(&b); err == nil {
		t.Fatal("bad batch accepted")
	}
	b.Reset()
	b.SetMeta("", "x")
	if err := ix.Apply(&b); err == nil {
		t.Fatal("empty meta key accepted")
	}
	if v, _ := ix.Meta("checkpoint"); v != "2" {
		t.Fatalf("checkpoint = %q after rejected batches, want 2", v)
	}
}

func TestForEachDocumentVisitsLiveDocuments(t *testing.T) {
	ix := openMem(t)
	r := rand.New(rand.NewPCG(7, 7))
	apply(t, ix, []Document{randDoc(r, "a", 3), randDoc(r, "b", 3), randDoc(r, "c", 3)})
	apply(t, ix, []Document{randDoc(r, "b", 3)}, "c") // b in a newer segment, c deleted
	s := ix.Snapshot()
	var got []string
	if err := s.ForEachDocument(func(d Document) error {
		if d.Title != "title "+d.ID {
			t.Errorf("document %q: title %q", d.ID, d.Title)
		}
		got = append(got, d.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := visible(t, s); !slices.Equal(got, want) {
		t.Fatalf("visited %v, want the visible documents %v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.ForEachDocument(func(Document) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("fn's error: got %v after %d calls, want stop after 1", err, n)
	}
}
