package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentApplySearch runs one writer (upserts, re-upserts, deletes),
// the background merger and several readers at once (run it under -race).
// Every snapshot must be internally consistent: each id at most once, as
// many visible docs as NumDocs, every visible id readable.
func TestConcurrentApplySearch(t *testing.T) {
	t.Parallel()
	o := testOptions()
	o.DisableAutoCompaction = false
	o.CompactionMinSegments = 3
	o.CompactionFloorDocs = 50
	ix, err := Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	batches := 60
	if testing.Short() {
		batches = 20
	}
	want := map[string]bool{}
	var done atomic.Bool
	var wg sync.WaitGroup
	var checks atomic.Int64
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 99))
			for !done.Load() {
				s := ix.Snapshot()
				ids, err := visibleIDs(s)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ids) != s.NumDocs() {
					t.Errorf("snapshot %d: %d visible, NumDocs %d", s.Generation(), len(ids), s.NumDocs())
					return
				}
				if len(slices.Compact(slices.Clone(ids))) != len(ids) {
					t.Errorf("snapshot %d: an id is visible twice", s.Generation())
					return
				}
				if len(ids) > 0 {
					id := ids[r.IntN(len(ids))]
					v, d, ok := s.Lookup(id)
					if !ok {
						t.Errorf("snapshot %d: visible %q not found", s.Generation(), id)
						return
					}
					if doc, err := s.Document(v, d); err != nil || doc.ID != id {
						t.Errorf("snapshot %d: Document(%q) = %q, %v", s.Generation(), id, doc.ID, err)
						return
					}
				}
				checks.Add(1)
			}
		}()
	}
	r := rand.New(rand.NewPCG(31, 32))
	n := 0
	for range batches {
		var b Batch
		touched := map[string]bool{}
		for range 20 + r.IntN(20) {
			id := fmt.Sprintf("w%04d", n)
			n++
			b.Upsert(randDoc(r, id, 10))
			want[id], touched[id] = true, true
		}
		for range 5 {
			id := fmt.Sprintf("w%04d", r.IntN(n))
			if touched[id] {
				continue
			}
			touched[id] = true
			if r.IntN(2) == 0 {
				b.Delete(id)
				delete(want, id)
			} else {
				b.Upsert(randDoc(r, id, 10))
				want[id] = true
			}
		}
		if err := ix.Apply(&b); err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	var wantIDs []string
	for id := range want {
		wantIDs = append(wantIDs, id)
	}
	slices.Sort(wantIDs)
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, wantIDs) {
		t.Fatalf("final: %d visible, want %d", len(got), len(wantIDs))
	}
	if checks.Load() == 0 {
		t.Fatal("readers made no checks")
	}
	t.Logf("%d batches, %d reader checks, %d segments at the end", batches, checks.Load(), ix.Stats().Segments)
}

// TestConcurrentWriters: several goroutines Apply at once (group commit);
// every batch lands exactly once, ids shared between writers stay unique.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	o := testOptions()
	o.InMemory = false
	ix, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	const writers, batches = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 5))
			for b := range batches {
				var bt Batch
				for i := range 8 {
					bt.Upsert(randDoc(r, fmt.Sprintf("w%d-%d-%d", w, b, i), 6))
				}
				bt.Upsert(randDoc(r, fmt.Sprintf("shared-%d", b%5), 6))
				if b > 0 {
					bt.Delete(fmt.Sprintf("w%d-%d-0", w, b-1))
				}
				if err := ix.Apply(&bt); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var want []string
	for w := range writers {
		for b := range batches {
			for i := range 8 {
				if i != 0 || b == batches-1 {
					want = append(want, fmt.Sprintf("w%d-%d-%d", w, b, i))
				}
			}
		}
	}
	for k := range 5 {
		want = append(want, fmt.Sprintf("shared-%d", k))
	}
	slices.Sort(want)
	if got := visible(t, ix.Snapshot()); !slices.Equal(got, want) {
		t.Fatalf("%d visible, want %d", len(got), len(want))
	}
	st := ix.Stats()
	if st.Generation != writers*batches {
		t.Fatalf("generation %d, want %d (one per batch)", st.Generation, writers*batches)
	}
	ix.gcMu.Lock()
	groups := ix.groups
	ix.gcMu.Unlock()
	t.Logf("%d batches committed in %d group commits", writers*batches, groups)
}
