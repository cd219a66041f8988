package index

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/dgraph-io/badger/v4"
	"github.com/sparrow-search/sparrow/scoring"
	"github.com/sparrow-search/sparrow/sparse"
)

type scored struct {
	ID    string
	Score float32
}

// allResults returns every match of q (K unbounded), ties ordered by id so
// the list does not depend on segment layout.
func allResults(t testing.TB, s *Snapshot, q sparse.Vector, alg string) []scored {
	t.Helper()
	res, err := searchSnap(s, q, scoring.Options{K: 1 << 30, Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]scored, len(res))
	for i, r := range res {
		out[i] = scored{r.ID, r.Score}
	}
	slices.SortFunc(out, func(a, b scored) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// churn fills ix with batches of new docs, re-upserts and deletes.
func churn(t testing.TB, ix *Index, r *rand.Rand, batches, perBatch int) []sparse.Vector {
	var queries []sparse.Vector
	n := 0
	for b := range batches {
		var docs []Document
		for range perBatch {
			docs = append(docs, randDoc(r, fmt.Sprintf("c%05d", n), 8+r.IntN(40)))
			n++
		}
		for range perBatch / 5 { // new versions of older docs
			if n > 0 {
				docs = append(docs, randDoc(r, fmt.Sprintf("c%05d", r.IntN(n)), 10))
			}
		}
		var dels []string
		for range perBatch / 4 {
			dels = append(dels, fmt.Sprintf("c%05d", r.IntN(n)))
		}
		// Keep the last op on an id deterministic: drop deletes of upserted ids.
		up := map[string]bool{}
		for _, d := range docs {
			up[d.ID] = true
		}
		dels = slices.DeleteFunc(dels, func(id string) bool { return up[id] })
		apply(t, ix, docs, dels...)
		if b%3 == 0 {
			queries = append(queries, docs[0].Vector)
		}
	}
	// Plus short inference-free-style queries.
	for range 8 {
		v := randVector(r, 2+r.IntN(6))
		queries = append(queries, sparse.Vector{IDs: v.IDs[1:], Weights: v.Weights[1:]})
	}
	return queries
}

type state struct {
	visible []string
	results [][]scored
	docs    map[string]Document
}

func capture(t testing.TB, ix *Index, queries []sparse.Vector) state {
	s := ix.Snapshot()
	st := state{visible: visible(t, s), docs: map[string]Document{}}
	for _, q := range queries {
		st.results = append(st.results, allResults(t, s, q, ""), allResults(t, s, q, "exhaustive"))
	}
	for _, id := range st.visible {
		d, ok, err := ix.Get(id)
		if !ok || err != nil {
			t.Fatalf("Get(%q) = %v, %v", id, ok, err)
		}
		st.docs[id] = d
	}
	return st
}

func sameState(t testing.TB, what string, got, want state) {
	t.Helper()
	if !slices.Equal(got.visible, want.visible) {
		t.Fatalf("%s: %d visible docs, want %d", what, len(got.visible), len(want.visible))
	}
	for i := range want.results {
		if !reflect.DeepEqual(got.results[i], want.results[i]) {
			t.Fatalf("%s: query %d: results differ\n got %v\nwant %v", what, i/2, got.results[i], want.results[i])
		}
	}
	if !reflect.DeepEqual(got.docs, want.docs) {
		t.Fatalf("%s: stored documents differ", what)
	}
}

// segKeyIDs lists the segment ids that own keys in Badger.
func segKeyIDs(t testing.TB, ix *Index) []uint64 {
	var ids []uint64
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixSeg}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			id := uint64(0)
			for _, c := range k[1:9] {
				id = id<<8 | uint64(c)
			}
			if len(ids) == 0 || ids[len(ids)-1] != id {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func countKeys(t testing.TB, ix *Index, prefix byte) int {
	n := 0
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefix}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func manifestIDs(ix *Index) []uint64 {
	var ids []uint64
	for _, s := range ix.Snapshot().segs {
		ids = append(ids, s.info.ID)
	}
	slices.Sort(ids)
	return ids
}

// Compaction keeps every search result and stored document, with the
// documents in their original order or reordered (segment.Options.Reorder).
func TestCompactIdentical(t *testing.T) {
	t.Parallel()
	for _, reorder := range []bool{false, true} {
		t.Run(fmt.Sprint("reorder=", reorder), func(t *testing.T) { checkCompactIdentical(t, reorder) })
	}
}

func checkCompactIdentical(t *testing.T, reorder bool) {
	dir := t.TempDir()
	o := testOptions()
	o.Segment.Reorder = reorder
	o.InMemory = false
	o.MinBlobDocs = 100 // batches are stored without blobs, the merged segment with one
	ix, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(21, 22))
	queries := churn(t, ix, r, 12, 40)
	before := capture(t, ix, queries)
	stBefore := ix.Stats()
	if n := countKeys(t, ix, prefixDoc); n != stBefore.Docs+stBefore.Deleted {
		t.Fatalf("%d document records, want %d live + %d deleted", n, stBefore.Docs, stBefore.Deleted)
	}
	if stBefore.Segments != 12 || stBefore.Deleted == 0 {
		t.Fatalf("setup: %+v", stBefore)
	}
	if err := ix.Compact(); err != nil {
		t.Fatal(err)
	}
	st := ix.Stats()
	if st.Segments != 1 || st.Deleted != 0 || st.Docs != stBefore.Docs || st.Postings >= stBefore.Postings {
		t.Fatalf("after Compact: %+v (before %+v)", st, stBefore)
	}
	sameState(t, "after Compact", capture(t, ix, queries), before)
	if ix.Snapshot().segs[0].info.BlobLen == 0 || stBefore.SegmentBytes != 0 {
		t.Fatalf("blobs: merged segment %d bytes, batches %d bytes; want some and none",
			ix.Snapshot().segs[0].info.BlobLen, stBefore.SegmentBytes)
	}

	// Compacted-away segments are deleted once no snapshot holds them.
	runtime.GC()
	ix.compactMu.Lock()
	ix.purgeRetired()
	ix.compactMu.Unlock()
	if got, want := segKeyIDs(t, ix), manifestIDs(ix); !slices.Equal(got, want) {
		t.Fatalf("segments with keys %v, manifest %v", got, want)
	}
	if n := countKeys(t, ix, prefixDoc); n != st.Docs {
		t.Fatalf("%d document records after compaction, want %d", n, st.Docs)
	}
	if n := countKeys(t, ix, prefixDrop); n != 0 {
		t.Fatalf("%d dropped-record lists left", n)
	}
	if err := ix.Compact(); err != nil || ix.Stats().Generation != st.Generation {
		t.Fatalf("second Compact: %v, generation %d -> %d", err, st.Generation, ix.Stats().Generation)
	}
	ix.Close()
	if ix, err = Open(dir, o); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	sameState(t, "after reopen", capture(t, ix, queries), before)
}

func TestAutoCompaction(t *testing.T) {
	o := testOptions()
	o.CompactionMinSegments = 4
	o.CompactionFloorDocs = 100
	ix, err := Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	r := rand.New(rand.NewPCG(23, 24))
	queries := churn(t, ix, r, 30, 20)
	before := capture(t, ix, queries)
	n := ix.Stats().Segments
	if err := ix.autoCompact(); err != nil {
		t.Fatal(err)
	}
	st := ix.Stats()
	if st.Segments >= n || pickTiered(ix.Snapshot(), ix.opts) != nil {
		t.Fatalf("tiered compaction left %d of %d segments (%+v)", st.Segments, n, st)
	}
	sameState(t, "after tiered compaction", capture(t, ix, queries), before)
}

// sizedSnapshot is a snapshot of segments of the given document counts,
// no deletes (for the merge policies' tests).
func sizedSnapshot(sizes ...int) *Snapshot {
	s := &Snapshot{}
	for i, n := range sizes {
		s.segs = append(s.segs, &segState{info: segInfo{ID: uint64(i), NumDocs: uint32(n)}})
		s.tombs = append(s.tombs, nil)
	}
	return s
}

func TestPickTiered(t *testing.T) {
	o := DefaultOptions().withDefaults()
	o.CompactionMinSegments, o.CompactionFloorDocs, o.MaxSegmentDocs = 3, 100, 1000
	cases := []struct {
		sizes []int
		want  []int
	}{
		{[]int{50, 60}, nil},
		{[]int{50, 60, 70}, []int{0, 1, 2}},
		{[]int{500, 10, 600, 20, 30, 40}, []int{1, 3, 4}},          // smallest of tier 0
		{[]int{150, 200, 250, 5}, []int{0, 1, 2}},                  // tier 1: 100..300
		{[]int{150, 200, 290, 800}, []int{0, 1, 2}},                // 800 is tier 2
		{[]int{900, 950, 990}, nil},                                // would exceed MaxSegmentDocs
		{[]int{400, 450, 990, 420}, []int{0, 3}},                   // only two fit
		{[]int{10, 20}, nil},                                       // below width
		{[]int{1000, 1000, 1000, 1000, 999, 998, 997}, []int(nil)}, // too big to merge
	}
	for _, c := range cases {
		if got := pickTiered(sizedSnapshot(c.sizes...), o); !slices.Equal(got, c.want) {
			t.Errorf("pickTiered(%v) = %v, want %v", c.sizes, got, c.want)
		}
	}
	// A segment with too many deletes is rewritten alone.
	s := sizedSnapshot(100, 100)
	s.tombs[1] = roaring.BitmapOf(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	if got := pickTiered(s, o); got != nil {
		t.Fatalf("10%% deleted picked: %v", got)
	}
	for i := uint32(10); i < 40; i++ {
		s.tombs[1].Add(i)
	}
	if got := pickTiered(s, o); !slices.Equal(got, []int{1}) {
		t.Fatalf("40%% deleted: picked %v, want [1]", got)
	}
}

// TestCompactGroup: Compact merges consecutive segments in groups of at
// most MaxSegmentDocs live documents, one merge (and one output segment)
// at a time, so that its memory is bounded by MaxSegmentDocs.
func TestCompactGroup(t *testing.T) {
	cases := []struct {
		name  string
		sizes []int
		dirty []int // views with 50 deleted docs
		want  []int
	}{
		{"nothing", nil, nil, nil},
		{"one clean", []int{10}, nil, nil},
		{"two small", []int{10, 20}, nil, []int{0, 1}},
		{"as many as fit", []int{400, 300, 200, 200}, nil, []int{0, 1, 2}},
		{"a full one cuts", []int{10, 1000, 20, 30}, nil, []int{2, 3}},
		{"none fit together", []int{600, 600, 600}, nil, nil},
		{"first pair that fits", []int{600, 700, 200, 100}, nil, []int{1, 2, 3}},
		{"dirty alone", []int{600, 700, 900}, []int{1}, []int{1}},
		{"dirty full", []int{1000, 1000}, []int{0}, []int{0}},
		{"deletes make room", []int{600, 450}, []int{0}, []int{0, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sizedSnapshot(c.sizes...)
			for _, v := range c.dirty {
				s.tombs[v] = roaring.New()
				s.tombs[v].AddRange(0, 50)
			}
			if got := compactGroup(s, 1000); !slices.Equal(got, c.want) {
				t.Fatalf("compactGroup(%v, dirty %v) = %v, want %v", c.sizes, c.dirty, got, c.want)
			}
		})
	}
}

// TestCompactBounded: Compact with more documents than MaxSegmentDocs
// ends with every segment within the cap, the same documents, and no
// segment that could have been merged with its neighbour.
func TestCompactBounded(t *testing.T) {
	o := testOptions()
	o.MaxSegmentDocs = 40
	ix, err := Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	r := rand.New(rand.NewPCG(3, 4))
	n := 0
	for range 12 {
		b := &Batch{}
		for range 9 {
			b.Upsert(randDoc(r, fmt.Sprintf("d%03d", n), 5))
			n++
		}
		if err := ix.Apply(b); err != nil {
			t.Fatal(err)
		}
	}
	del := &Batch{}
	del.Delete("d005")
	if err := ix.Apply(del); err != nil {
		t.Fatal(err)
	}
	if err := ix.Compact(); err != nil {
		t.Fatal(err)
	}
	s := ix.Snapshot()
	if s.NumDocs() != n-1 {
		t.Fatalf("%d docs after Compact, want %d", s.NumDocs(), n-1)
	}
	sum := 0
	for i, st := range s.segs {
		if st.info.NumDocs > 40 || s.tombs[i] != nil {
			t.Fatalf("segment %d: %d docs, tombstones %v", i, st.info.NumDocs, s.tombs[i])
		}
		if i > 0 && int(st.info.NumDocs+s.segs[i-1].info.NumDocs) <= 40 {
			t.Fatalf("segments %d and %d (%d + %d docs) left unmerged", i-1, i, s.segs[i-1].info.NumDocs, st.info.NumDocs)
		}
		sum += int(st.info.NumDocs)
	}
	if sum != n-1 || compactGroup(s, 40) != nil {
		t.Fatalf("%d docs in segments, compactGroup %v", sum, compactGroup(s, 40))
	}
}

// TestMergeConcurrentCommits: deletes and upserts committed while a merge
// is running (between its snapshot and its switch) survive the switch.
func TestMergeConcurrentCommits(t *testing.T) {
	ix := openMem(t)
	r := rand.New(rand.NewPCG(25, 26))
	var docs []Document
	for i := range 90 {
		docs = append(docs, randDoc(r, fmt.Sprintf("m%02d", i), 10))
	}
	apply(t, ix, docs[:30])
	apply(t, ix, docs[30:60])
	apply(t, ix, docs[60:], "m05")
	s0 := ix.Snapshot()
	// Commits the merge does not see: deletes in both sources and a new
	// version of a merged doc.
	newer := randDoc(r, "m10", 5)
	apply(t, ix, []Document{newer}, "m01", "m40", "m70")
	ix.compactMu.Lock()
	err := ix.merge(s0, []int{0, 1})
	ix.compactMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range docs {
		switch d.ID {
		case "m05", "m01", "m40", "m70":
		default:
			want = append(want, d.ID)
		}
	}
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, want) {
		t.Fatalf("visible %d docs after merge, want %d", len(got), len(want))
	}
	if got, _, _ := ix.Get("m10"); !vecEqual(got.Vector, newer.Vector) {
		t.Fatal("merge resurrected the old version of m10")
	}
	// Tombstones: m01, m40 and the old m10 in the merged segment, m70 in
	// the third (m05 was dropped by the merge).
	if st := ix.Stats(); st.Segments != 3 || st.Deleted != 4 {
		t.Fatalf("stats %+v, want 3 segments (merged, 3rd, newer) with 4 tombstones", st)
	}
}
