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
